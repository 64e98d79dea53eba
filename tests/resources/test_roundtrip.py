"""YAML → model → dict gives back exactly what was read: unknown fields, YAML scalar
types (IntOrString, AnyString) and Argo's irregular names all survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from podfleet.resources import (
    NodeStatus, Workflow, WorkflowTemplate, load_file, load_paths, load_text, parse_resource, to_json, to_yaml,
)
from podfleet.resources.dump import to_yaml_all

FIXTURES = Path(__file__).parent / "fixtures"
ARGO_EXAMPLES = Path("/work/argo-src/examples")
ARGO_KINDS = {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"}


@pytest.mark.parametrize("name", ["loops-and-retries.yaml", "dag.json", "multi.yaml", "status.yaml"])
def test_every_fixture_dumps_back_to_the_document_it_was_read_from(name: str) -> None:
    docs = load_file(FIXTURES / name)
    assert docs
    for doc in docs:
        assert parse_resource(doc).dump() == doc.raw


def test_int_or_string_and_any_string_keep_their_yaml_type() -> None:
    wf = parse_resource(load_file(FIXTURES / "loops-and-retries.yaml")[0])
    assert isinstance(wf, Workflow)
    work = wf.spec.template("work")
    assert work.retry_strategy.limit == "3"
    assert work.retry_strategy.limit_int() == 3
    assert work.retry_strategy.backoff.factor == 2
    main = wf.spec.template("main")
    assert main.active_deadline_seconds == "{{workflow.parameters.deadline}}"
    seq = main.steps[0][0].with_sequence
    assert (seq.start, seq.end) == ("1", 3)
    params = wf.spec.arguments.parameters
    assert [p.value for p in params] == [5, 0.5, True, "2024-01-01", "yes"]
    assert [p.value_str() for p in params] == ["5", "0.5", "true", "2024-01-01", "yes"]
    dumped = wf.dump()["spec"]["arguments"]["parameters"]
    assert [p["value"] for p in dumped] == [5, 0.5, True, "2024-01-01", "yes"]


def test_scalars_in_string_fields_read_as_strings_and_dump_as_written() -> None:
    wf = parse_resource(load_file(FIXTURES / "loops-and-retries.yaml")[0])
    container = wf.spec.template("work").container
    assert container.args == ["--n", "10", "echo {{inputs.parameters.x}}"]
    assert all(isinstance(a, str) for a in container.args)
    assert wf.dump()["spec"]["templates"][1]["container"]["args"][1] == 10


def test_dates_and_yes_stay_strings_like_go_yaml_reads_them() -> None:
    doc = load_text("a: 2024-01-01\nb: yes\nc: on\nd: 1:20\ne: true\nf: 010\ng: 1.5\nh: =\n")[0]
    assert doc.raw == {"a": "2024-01-01", "b": "yes", "c": "on", "d": "1:20", "e": True, "f": 8, "g": 1.5, "h": "="}


def test_unknown_fields_are_kept_and_emitted() -> None:
    wf = parse_resource(load_file(FIXTURES / "loops-and-retries.yaml")[0])
    work = wf.spec.template("work")
    assert work.extras == {"futureField": {"kept": [1, 2]}}
    assert work.container.extras == {"readinessProbe": {"exec": {"command": [True]}}}
    assert wf.dump()["spec"]["templates"][1]["futureField"] == {"kept": [1, 2]}


def test_snake_case_keys_in_a_file_are_read_as_the_field_and_written_in_camel_case() -> None:
    # Argo would ignore `service_account_name`; lint is where that gets reported.
    text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\nspec:\n  service_account_name: sa\n"
    wf = parse_resource(load_text(text)[0])
    assert wf.spec.service_account_name == "sa"
    assert wf.dump()["spec"] == {"serviceAccountName": "sa"}


def test_irregular_argo_names_are_used_on_the_wire() -> None:
    wf = parse_resource(load_file(FIXTURES / "status.yaml")[0])
    node = wf.status.nodes["done"]
    assert node.boundary_id == "done"
    assert node.pod_ip == "10.0.0.7"
    assert node.host_node_name == "virtual-kubelet"
    assert node.memoization_status.cache_name == "c"
    built = NodeStatus(id="n", name="wf.a", type="Pod", boundary_id="wf", pod_ip="1.2.3.4", template_scope="local/wf")
    assert built.dump() == {"id": "n", "name": "wf.a", "type": "Pod", "templateScope": "local/wf",
                            "boundaryID": "wf", "podIP": "1.2.3.4"}


def test_artifact_from_and_locations_round_trip() -> None:
    wft = parse_resource(load_file(FIXTURES / "dag.json")[0])
    assert isinstance(wft, WorkflowTemplate)
    task_b = wft.spec.template("d").dag.task("B")
    assert task_b.arguments.artifacts[0].from_ == "{{tasks.A.outputs.artifacts.out}}"
    out = wft.spec.template("echo").outputs.artifact("out")
    assert out.location() == ("s3", {"key": "k"})
    assert out.archive.none == {}
    assert wft.dump()["spec"]["templates"][0]["dag"]["tasks"][1]["arguments"]["artifacts"][0]["from"].startswith("{{")


def test_to_yaml_reads_back_to_the_same_document() -> None:
    for doc in load_paths([FIXTURES]):
        model = parse_resource(doc)
        again = load_text(to_yaml(model))[0]
        assert again.raw == doc.raw


def test_to_yaml_writes_block_style_without_anchors_and_keeps_unicode() -> None:
    shared = {"image": "alpine"}
    text = to_yaml({"a": shared, "b": shared, "msg": "héllo", "src": "line1\nline2\n", "day": "2024-01-01"})
    assert "&" not in text and "*" not in text
    assert "héllo" in text
    assert "src: |\n  line1\n  line2\n" in text
    assert "day: '2024-01-01'" in text
    assert text.index("a:") < text.index("b:") < text.index("msg:")


def test_to_yaml_all_separates_documents() -> None:
    text = to_yaml_all([{"a": 1}, {"b": 2}])
    assert [d.raw for d in load_text(text)] == [{"a": 1}, {"b": 2}]


def test_to_json_accepts_models_and_dicts() -> None:
    wf = parse_resource(load_file(FIXTURES / "loops-and-retries.yaml")[0])
    assert json.loads(to_json(wf)) == wf.dump()
    assert to_json({"a": "é"}, indent=None) == '{"a": "é"}'


@pytest.mark.skipif(not ARGO_EXAMPLES.is_dir(), reason="Argo's source is not checked out at /work/argo-src")
def test_every_argo_example_round_trips_exactly() -> None:
    checked = 0
    for path in sorted(ARGO_EXAMPLES.rglob("*.y*ml")):
        expected = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        docs = load_file(path)
        # Our loader differs from PyYAML only for YAML 1.1 quirks (dates, yes/on), absent from the examples.
        assert [d.raw for d in docs] == expected, path
        for doc in docs:
            if doc.kind in ARGO_KINDS:
                assert parse_resource(doc).dump() == doc.raw, f"{path} document {doc.index}"
                checked += 1
    assert checked > 100
