"""Whatever it is given — random text, or objects shaped like workflows with odd values in
odd places — lint reports problems and never raises."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfleet.lint import format_json, format_pretty, lint_documents, lint_workflow
from podfleet.lint.source import Doc, split_documents

ODD = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) |
    st.sampled_from(["", "main", "{{item}}", "{{steps.a.outputs.result}}", "a.Succeeded &&", "{{= 1 +",
                     "-1", "10s", "{{", "}}", "a", "b"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "template", "steps", "dag", "tasks", "container", "depends", "when", "withItems",
                         "withParam", "withSequence", "arguments", "parameters", "inputs", "outputs", "value",
                         "image", "templateRef", "inline", "hooks", "retryStrategy", "suspend", "duration",
                         "count", "end", "valueFrom", "path", "entrypoint", "templates", "onExit", "target"]),
        inner, max_size=4),
    max_leaves=12)

BASE = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "x-"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "steps": [[{"name": "a", "template": "c"}]]},
            {"name": "d", "dag": {"tasks": [{"name": "a", "template": "c"}, {"name": "b", "depends": "a", "template": "c"}]}},
            {"name": "c", "container": {"image": "alpine"}}]}}
SLOTS = [
    ("spec",), ("spec", "templates"), ("spec", "templates", 0), ("spec", "templates", 0, "steps"),
    ("spec", "templates", 0, "steps", 0), ("spec", "templates", 0, "steps", 0, 0),
    ("spec", "templates", 1, "dag"), ("spec", "templates", 1, "dag", "tasks", 1),
    ("spec", "templates", 2), ("spec", "templates", 2, "container"),
]
KEYS = st.sampled_from(["name", "template", "depends", "when", "withItems", "withParam", "withSequence", "arguments",
                        "inputs", "outputs", "retryStrategy", "templateRef", "inline", "hooks", "entrypoint",
                        "suspend", "timeout", "parallelism", "activeDeadlineSeconds", "onExit", "image", "steps"])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    docs, problems = split_documents(text, "r.yaml")
    report = lint_documents(docs)
    format_pretty(report)
    format_json(report)
    assert all(p.file == "r.yaml" for p in problems + report.problems)


@SETTINGS
@given(st.sampled_from(SLOTS), KEYS, ODD, st.sampled_from(["Workflow", "WorkflowTemplate", "CronWorkflow"]))
def test_odd_values_in_workflow_shapes_never_raise(slot: tuple, key: str, value: object, kind: str) -> None:
    raw = copy.deepcopy(BASE)
    raw["kind"] = kind
    if kind == "CronWorkflow":
        raw["spec"] = {"schedules": ["* * * * *"], "workflowSpec": raw["spec"]}
        slot = ("spec", "workflowSpec", *slot[1:])
    target = raw
    for step in slot:
        target = target[step]
    if isinstance(target, dict):
        target[key] = value
    elif isinstance(target, list):
        target.append(value)
    report = lint_documents([Doc(raw, "odd.yaml", 0, 1)])
    format_pretty(report)
    lint_workflow(raw)


@SETTINGS
@given(ODD)
def test_random_documents_never_raise(value: object) -> None:
    text = yaml.safe_dump({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": value})
    docs, _ = split_documents(text, "d.yaml")
    lint_documents(docs)


def test_deeply_nested_yaml_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: " + "[" * 5000 + "]" * 5000 + "\n"
    docs, problems = split_documents(text, "deep.yaml")
    report = lint_documents(docs)
    assert problems or report.problems
