"""`argo get`'s node tree, rendered from hand-built status dicts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from podfleet.cli.render import render_get, workflow_tree
from podfleet.cli.render.nodes import fnv32a
from podfleet.errors import InvalidError

T0 = datetime(2024, 11, 28, 10, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Wf:
    """Builds a Workflow dict whose node ids follow Argo's `<wf>-<fnv32a(name)>` rule."""

    def __init__(self, name: str, phase: str = "Succeeded") -> None:
        self.name = name
        self.nodes: dict[str, dict[str, Any]] = {}
        self.obj: dict[str, Any] = {
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "namespace": "argo", "creationTimestamp": at(0)},
            "spec": {"entrypoint": "main"},
            "status": {"phase": phase, "startedAt": at(0), "nodes": self.nodes},
        }

    def id(self, node_name: str) -> str:
        return node_name if node_name == self.name else f"{self.name}-{fnv32a(node_name)}"

    def node(self, name: str, type: str, *, display: str | None = None, template: str | None = None,
             boundary: str | None = None, children: tuple[str, ...] = (), phase: str = "Succeeded",
             start: float = 0, end: float | None = 3, **extra: Any) -> str:
        nid = self.id(name)
        node: dict[str, Any] = {
            "id": nid, "name": name, "displayName": display or name, "type": type, "phase": phase,
            "startedAt": at(start), "children": [self.id(c) for c in children], **extra,
        }
        if template:
            node["templateName"] = template
        if boundary:
            node["boundaryID"] = self.id(boundary)
        if end is not None:
            node["finishedAt"] = at(end)
        self.nodes[nid] = node
        return nid


def tree_lines(wf: Wf, **opts: Any) -> list[str]:
    opts.setdefault("now", T0 + timedelta(seconds=100))
    return workflow_tree(wf.obj, **opts).splitlines()


def pod(wf: Wf, template: str, node_name: str) -> str:
    return f"{wf.name}-{template}-{fnv32a(node_name)}"


def steps_with_parallel_group() -> Wf:
    wf = Wf("steps-x")
    wf.node("steps-x", "Steps", template="hello-hello-hello", children=("steps-x[0]",), end=20)
    wf.node("steps-x[0]", "StepGroup", display="[0]", boundary="steps-x",
            children=("steps-x[0].hello1",), end=5)
    wf.node("steps-x[0].hello1", "Pod", display="hello1", template="whalesay", boundary="steps-x",
            children=("steps-x[1]",), start=0, end=5)
    wf.node("steps-x[1]", "StepGroup", display="[1]", boundary="steps-x", start=6,
            children=("steps-x[1].hello2a", "steps-x[1].hello2b"), end=20)
    wf.node("steps-x[1].hello2a", "Pod", display="hello2a", template="whalesay",
            boundary="steps-x", start=6, end=18)
    wf.node("steps-x[1].hello2b", "Pod", display="hello2b", template="whalesay",
            boundary="steps-x", start=6, end=20)
    return wf


def test_steps_draw_parallel_groups_as_a_fan_out() -> None:
    assert tree_lines(steps_with_parallel_group()) == [
        "STEP            TEMPLATE           PODNAME                      DURATION  MESSAGE",
        " ✔ steps-x      hello-hello-hello",
        " ├───✔ hello1   whalesay           steps-x-whalesay-2543571026  5s",
        " └─┬─✔ hello2a  whalesay           steps-x-whalesay-518230251   12s",
        "   └─✔ hello2b  whalesay           steps-x-whalesay-535007870   14s",
    ]


def test_render_get_is_summary_blank_line_then_tree() -> None:
    wf = steps_with_parallel_group()
    out = render_get(wf.obj, now=T0 + timedelta(seconds=100), tz=timezone.utc)
    summary, tree = out.split("\n\n")
    assert summary.splitlines()[0] == "Name:                steps-x"
    assert tree.splitlines()[1] == " ✔ steps-x      hello-hello-hello"
    assert out.endswith("\n")


def test_dag_tasks_are_ordered_by_start_time_then_name() -> None:
    wf = Wf("dag-x")
    wf.node("dag-x", "DAG", template="diamond", children=("dag-x.A",), end=30)
    wf.node("dag-x.D", "Pod", display="D", template="echo", boundary="dag-x", start=20, end=30)
    wf.node("dag-x.C", "Pod", display="C", template="echo", boundary="dag-x", start=10, end=19,
            children=("dag-x.D",))
    wf.node("dag-x.B", "Pod", display="B", template="echo", boundary="dag-x", start=10, end=15,
            children=("dag-x.D",))
    wf.node("dag-x.A", "Pod", display="A", template="echo", boundary="dag-x", start=0, end=9,
            children=("dag-x.B", "dag-x.C"))
    lines = tree_lines(wf)
    assert [line.split()[:3] for line in lines[1:]] == [
        ["✔", "dag-x", "diamond"],
        ["├─✔", "A", "echo"],
        ["├─✔", "B", "echo"],
        ["├─✔", "C", "echo"],
        ["└─✔", "D", "echo"],
    ]
    assert lines[2].split()[3:] == [pod(wf, "echo", "dag-x.A"), "9s"]


def retry_workflow(attempts: int) -> Wf:
    wf = Wf("retry-x", phase="Succeeded")
    wf.node("retry-x", "Steps", template="main", children=("retry-x[0]",), end=20)
    wf.node("retry-x[0]", "StepGroup", display="[0]", boundary="retry-x",
            children=("retry-x[0].flaky",))
    tries = tuple(f"retry-x[0].flaky({i})" for i in range(attempts))
    wf.node("retry-x[0].flaky", "Retry", display="flaky", template="flaky", boundary="retry-x",
            children=tries, end=20)
    for i, name in enumerate(tries):
        final = i == attempts - 1
        wf.node(name, "Pod", display=f"flaky({i})", template="flaky", boundary="retry-x",
                start=i * 10, end=i * 10 + 2 + i, phase="Succeeded" if final else "Failed",
                message=None if final else "Error (exit code 1)")
    return wf


def test_retry_attempts_hang_under_the_retry_node() -> None:
    assert tree_lines(retry_workflow(2)) == [
        "STEP               TEMPLATE  PODNAME                   DURATION  MESSAGE",
        " ✔ retry-x         main",
        " └───✔ flaky       flaky",
        "     ├─✖ flaky(0)  flaky     retry-x-flaky-3068938604  2s        Error (exit code 1)",
        "     └─✔ flaky(1)  flaky     retry-x-flaky-1391029609  3s",
    ]


def test_a_retry_with_one_attempt_shows_only_the_attempt() -> None:
    lines = tree_lines(retry_workflow(1))
    assert [line.split()[:2] for line in lines[1:]] == [["✔", "retry-x"], ["└───✔", "flaky(0)"]]


def test_loop_items_started_together_are_ordered_by_index_not_alphabetically() -> None:
    wf = Wf("loop-x")
    items = [f"loop-x[0].print({i}:item{i})" for i in (10, 2, 0)]
    wf.node("loop-x", "Steps", template="main", children=("loop-x[0]",))
    wf.node("loop-x[0]", "StepGroup", display="[0]", boundary="loop-x", children=tuple(items))
    for name in items:
        wf.node(name, "Pod", display=name.split(".", 1)[1], template="print", boundary="loop-x")
    shown = [line.split()[1] for line in tree_lines(wf)[2:]]
    assert shown == ["print(0:item0)", "print(2:item2)", "print(10:item10)"]
    assert [line.split()[0] for line in tree_lines(wf)[2:]] == ["└─┬─✔", "├─✔", "└─✔"]


def test_exit_handler_is_drawn_after_a_blank_line() -> None:
    wf = Wf("exit-x", phase="Failed")
    wf.node("exit-x", "Steps", template="main", children=("exit-x[0]",), phase="Failed")
    wf.node("exit-x[0]", "StepGroup", display="[0]", boundary="exit-x",
            children=("exit-x[0].boom",), phase="Failed")
    wf.node("exit-x[0].boom", "Pod", display="boom", template="fail", boundary="exit-x",
            phase="Failed", message="Error (exit code 1)")
    wf.node("exit-x.onExit", "Pod", display="exit-x.onExit", template="exit-handler",
            start=4, end=6)
    lines = tree_lines(wf)
    assert lines[3] == ""
    assert lines[4].split() == ["✔", "exit-x.onExit", "exit-handler",
                                pod(wf, "exit-handler", "exit-x.onExit"), "2s"]
    assert lines[2].endswith("Error (exit code 1)")
    assert lines[2].split()[:2] == ["└───✖", "boom"]


def test_running_pod_duration_is_measured_to_now_and_others_show_no_duration() -> None:
    wf = Wf("run-x", phase="Running")
    wf.node("run-x", "Steps", template="main", children=("run-x[0]",), phase="Running", end=None)
    wf.node("run-x[0]", "StepGroup", display="[0]", boundary="run-x", phase="Running", end=None,
            children=("run-x[0].slow", "run-x[0].queued"))
    wf.node("run-x[0].slow", "Pod", display="slow", template="sleep", boundary="run-x",
            phase="Running", start=10, end=None)
    wf.node("run-x[0].queued", "Pod", display="queued", template="sleep", boundary="run-x",
            phase="Pending", start=10, end=None, message="waiting for capacity")
    lines = tree_lines(wf, now=T0 + timedelta(minutes=2, seconds=10))
    assert lines[1].split() == ["●", "run-x", "main"]
    assert lines[2].split() == ["└─┬─◷", "queued", "sleep", pod(wf, "sleep", "run-x[0].queued"),
                                "2m", "waiting", "for", "capacity"]
    assert lines[3].split() == ["└─●", "slow", "sleep", pod(wf, "sleep", "run-x[0].slow"), "2m"]
    assert tree_lines(wf, now=T0 + timedelta(seconds=55))[3].split()[-1] == "45s"


def test_skipped_steps_show_a_circle_and_omitted_tasks_are_hidden() -> None:
    wf = Wf("cond-x")
    wf.node("cond-x", "DAG", template="main")
    wf.node("cond-x.heads", "Pod", display="heads", template="flip", boundary="cond-x", start=1)
    wf.node("cond-x.tails", "Skipped", display="tails", template="flip", boundary="cond-x",
            phase="Skipped", start=2, message="when 'heads == tails' evaluated false")
    wf.node("cond-x.never", "Skipped", display="never", template="flip", boundary="cond-x",
            phase="Omitted", start=3, message="omitted: depends condition not met")
    lines = tree_lines(wf)
    assert len(lines) == 4
    assert lines[3].split()[:3] == ["└─○", "tails", "flip"]
    assert lines[3].endswith("when 'heads == tails' evaluated false")
    # A skipped node has no pod and no duration.
    assert lines[3].split()[3] == "when"


def test_active_suspend_node_shows_the_suspend_icon() -> None:
    wf = Wf("approve-x", phase="Running")
    wf.node("approve-x", "Steps", template="main", phase="Running", end=None,
            children=("approve-x[0]",))
    wf.node("approve-x[0]", "StepGroup", display="[0]", boundary="approve-x", phase="Running",
            end=None, children=("approve-x[0].approve",))
    wf.node("approve-x[0].approve", "Suspend", display="approve", template="approve",
            boundary="approve-x", phase="Running", end=None)
    assert tree_lines(wf)[2].split() == ["└───ǁ", "approve", "approve"]


def test_error_phase_uses_the_warning_icon_and_template_refs_show_name_slash_template() -> None:
    wf = Wf("ref-x", phase="Error")
    wf.node("ref-x", "Steps", template="main", phase="Error", children=("ref-x[0]",))
    wf.node("ref-x[0]", "StepGroup", display="[0]", boundary="ref-x", phase="Error",
            children=("ref-x[0].lib",))
    wf.node("ref-x[0].lib", "Pod", display="lib", boundary="ref-x", phase="Error",
            templateRef={"name": "shared-lib", "template": "build"}, message="pod deleted")
    line = tree_lines(wf)[2]
    assert line.split() == ["└───⚠", "lib", "shared-lib/build", pod(wf, "build", "ref-x[0].lib"),
                            "3s", "pod", "deleted"]


def test_pod_name_prefers_the_recorded_name_and_honours_v1_naming() -> None:
    wf = Wf("named-x")
    wf.node("named-x", "Steps", template="main", children=("named-x[0]",))
    wf.node("named-x[0]", "StepGroup", display="[0]", boundary="named-x",
            children=("named-x[0].a", "named-x[0].b"))
    wf.node("named-x[0].a", "Pod", display="a", template="t", boundary="named-x",
            podName="custom-pod-name")
    wf.node("named-x[0].b", "Pod", display="b", template="t", boundary="named-x", start=1)
    assert tree_lines(wf)[2].split()[3] == "custom-pod-name"
    wf.obj["metadata"]["annotations"] = {"workflows.argoproj.io/pod-name-format": "v1"}
    assert tree_lines(wf)[3].split()[3] == wf.id("named-x[0].b")


def test_pod_name_prefix_is_cut_to_fit_kubernetes_names() -> None:
    name = "w" * 250
    wf = Wf(name)
    wf.node(name, "Steps", template="main", children=(f"{name}[0]",))
    wf.node(f"{name}[0]", "StepGroup", display="[0]", boundary=name, children=(f"{name}[0].s",))
    wf.node(f"{name}[0].s", "Pod", display="s", template="tmpl", boundary=name)
    shown = tree_lines(wf)[2].split()[3]
    assert shown == "w" * 242 + f"-{fnv32a(name + '[0].s')}"


def test_single_pod_workflow_is_its_own_root_named_after_the_workflow() -> None:
    wf = Wf("hello-x")
    wf.node("hello-x", "Pod", template="whalesay", end=7)
    assert tree_lines(wf) == [
        "STEP        TEMPLATE  PODNAME  DURATION  MESSAGE",
        " ✔ hello-x  whalesay  hello-x  7s",
    ]


def test_no_tree_until_the_root_node_exists() -> None:
    wf = Wf("fresh-x", phase="Pending")
    assert workflow_tree(wf.obj) == ""
    out = render_get(wf.obj, now=T0, tz=timezone.utc)
    assert "STEP" not in out and out.startswith("Name:")


def test_node_field_selector_keeps_only_matching_nodes() -> None:
    wf = retry_workflow(2)
    lines = tree_lines(wf, node_field_selector="phase=Failed")
    assert len(lines) == 2
    # Hidden ancestors keep their drawing, as in Argo, so the match stays visibly nested.
    assert lines[1].split()[:2] == ["──✖", "flaky(0)"]
    lines = tree_lines(wf, node_field_selector="phase!=Failed,templateName=flaky")
    assert [line.split()[1] for line in lines[1:]] == ["flaky", "flaky(1)"]


def test_unreadable_node_field_selector_is_an_invalid_error() -> None:
    with pytest.raises(InvalidError):
        workflow_tree(retry_workflow(2).obj, node_field_selector="phase")


def test_wide_output_adds_artifacts_resources_and_node_name() -> None:
    wf = Wf("wide-x")
    wf.node("wide-x", "Pod", template="main", outputs={"artifacts": [{"name": "out"},
                                                                     {"name": "logs"}]},
            resourcesDuration={"memory": 5, "cpu": 65}, hostNodeName="laptop")
    lines = tree_lines(wf, wide=True)
    assert lines[0].split() == ["STEP", "TEMPLATE", "PODNAME", "DURATION", "ARTIFACTS", "MESSAGE",
                                "RESOURCESDURATION", "NODENAME"]
    assert lines[1].split() == ["✔", "wide-x", "main", "wide-x", "3s", "out,logs",
                                "1m5s*(1", "cpu),5s*(100Mi", "memory)", "laptop"]


def test_color_output_wraps_icons_in_ansi_and_keeps_columns_aligned() -> None:
    wf = steps_with_parallel_group()
    plain = tree_lines(wf)
    colored = tree_lines(wf, color=True)
    assert "\x1b[32m✔\x1b[0m" in colored[1]
    strip = [line.replace("\x1b[32m", "").replace("\x1b[39m", "").replace("\x1b[0m", "")
             for line in colored]
    assert strip == plain


def test_wide_loops_render_every_item_in_index_order() -> None:
    wf = Wf("fan-x")
    items = [f"fan-x[0].p({i}:v{i})" for i in range(3000)]
    wf.node("fan-x", "Steps", template="main", children=("fan-x[0]",))
    wf.node("fan-x[0]", "StepGroup", display="[0]", boundary="fan-x", children=tuple(reversed(items)))
    for name in items:
        wf.node(name, "Pod", display=name.split(".", 1)[1], template="p", boundary="fan-x")
    lines = tree_lines(wf)
    assert len(lines) == 3002
    assert [line.split()[1] for line in lines[2:5]] == ["p(0:v0)", "p(1:v1)", "p(2:v2)"]
    assert lines[-1].split()[:2] == ["└─✔", "p(2999:v2999)"]


_TYPES = ["Pod", "Steps", "StepGroup", "DAG", "Retry", "Skipped", "Suspend", "TaskGroup",
          "Container", "HTTP", ""]
_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Error", "Skipped", "Omitted", ""]


def _random_nodes() -> Any:
    from hypothesis import strategies as st

    ids = st.sampled_from(["w", "a", "b", "c", "d", "e"])
    node = st.fixed_dictionaries({
        "type": st.sampled_from(_TYPES), "phase": st.sampled_from(_PHASES),
        "boundaryID": st.one_of(st.none(), ids), "children": st.lists(ids, max_size=4),
        "startedAt": st.sampled_from([None, "", "garbage", at(0), at(5)]),
        "displayName": st.sampled_from(["x", "p(1:a)", "p(10:b)", "retry(0)"]),
    })
    return st.dictionaries(ids, node, max_size=6)


def test_any_node_map_renders_without_raising() -> None:
    from hypothesis import given, settings

    @settings(max_examples=200, deadline=None)
    @given(_random_nodes())
    def check(nodes: dict[str, dict[str, Any]]) -> None:
        for nid, node in nodes.items():
            node.update(id=nid, name=nid)
        obj = {"metadata": {"name": "w"}, "status": {"nodes": nodes}}
        lines = workflow_tree(obj, now=T0).splitlines()
        assert len(lines) <= len(nodes) + 2
        assert render_get(obj, now=T0).startswith("Name:")

    check()
