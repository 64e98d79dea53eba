"""The typed models' behaviour: Argo's predicates on phases, template types for lint,
parameter strings, the kind registry, objects built in code."""

from __future__ import annotations

import pytest

from podfleet.errors import InvalidError
from podfleet.resources import (
    KINDS, ConfigMap, NodePhase, NodeStatus, NodeType, Parameter, Resource, RetryPolicy, RetryStrategy, Secret,
    Template, TemplateType, Workflow, WorkflowPhase, any_string, known_kinds, model_for, register, to_yaml,
)
from podfleet.resources.base import Str
from podfleet.resources.times import format_time, parse_time, seconds_between


@pytest.mark.parametrize("phase,completed,fulfilled,failed", [
    (NodePhase.PENDING, False, False, False),
    (NodePhase.RUNNING, False, False, False),
    (NodePhase.SUCCEEDED, True, True, False),
    (NodePhase.FAILED, True, True, True),
    (NodePhase.ERROR, True, True, True),
    (NodePhase.SKIPPED, False, True, False),
    (NodePhase.OMITTED, False, True, False),
])
def test_node_phase_predicates_follow_argo(phase: NodePhase, completed: bool, fulfilled: bool, failed: bool) -> None:
    assert (phase.completed, phase.fulfilled, phase.failed_or_error) == (completed, fulfilled, failed)


def test_enum_values_are_argos_strings() -> None:
    assert [p.value for p in NodePhase] == ["Pending", "Running", "Succeeded", "Skipped", "Failed", "Error", "Omitted"]
    assert [t.value for t in NodeType] == ["Pod", "Container", "Steps", "StepGroup", "DAG", "TaskGroup", "Retry",
                                          "Skipped", "Suspend", "HTTP", "Plugin"]
    assert [p.value for p in WorkflowPhase] == ["", "Pending", "Running", "Succeeded", "Failed", "Error"]
    assert WorkflowPhase.FAILED.completed and not WorkflowPhase.RUNNING.completed
    assert not WorkflowPhase.UNKNOWN.completed


def test_node_fulfilled_waits_for_task_result_and_counts_started_daemons() -> None:
    node = NodeStatus(id="a", name="a", type=NodeType.POD, phase=NodePhase.SUCCEEDED, task_result_synced=False)
    assert node.completed and not node.fulfilled
    daemon = NodeStatus(id="d", name="d", type=NodeType.POD, phase=NodePhase.RUNNING, daemoned=True)
    assert daemon.fulfilled and not daemon.completed
    assert not NodeStatus(id="p", name="p", type=NodeType.POD).fulfilled


def test_template_type_follows_argos_order_and_types_set_lists_all() -> None:
    both = Template.model_validate({"name": "x", "script": {"image": "a", "source": "s"}, "container": {"image": "a"}})
    assert both.template_type is TemplateType.CONTAINER
    assert both.types_set() == [TemplateType.CONTAINER, TemplateType.SCRIPT]
    none = Template.model_validate({"name": "x"})
    assert none.template_type is TemplateType.UNKNOWN and none.types_set() == []
    assert Template.model_validate({"name": "s", "suspend": {}}).template_type is TemplateType.SUSPEND
    assert Template.model_validate({"name": "s", "steps": []}).template_type is TemplateType.STEPS
    dag = Template.model_validate({"name": "d", "dag": {"tasks": []}})
    assert dag.template_type is TemplateType.DAG and not dag.is_leaf and not dag.is_pod
    assert Template.model_validate({"name": "r", "resource": {"action": "get"}}).is_pod


def test_parameter_strings_are_argos_any_string_forms() -> None:
    cases = [(5, "5"), (0.5, "0.5"), (1e21, "1000000000000000000000"), (2.0, "2"), (True, "true"),
             (False, "false"), ("x", "x")]
    for value, text in cases:
        assert Parameter(name="p", value=value).value_str() == text
        assert any_string(value) == text
    assert Parameter(name="p").value_str() is None
    assert Parameter.model_validate({"name": "p", "enum": [1, "b"]}).enum_str() == ["1", "b"]


def test_parameter_value_rejects_lists() -> None:
    with pytest.raises(Exception):
        Parameter.model_validate({"name": "p", "value": [1]})


def test_retry_policy_defaults_like_argo() -> None:
    assert RetryStrategy().effective_policy() is RetryPolicy.ON_FAILURE
    assert RetryStrategy(expression="lastRetry.exitCode == '1'").effective_policy() is RetryPolicy.ALWAYS
    assert RetryStrategy(limit="{{inputs.parameters.n}}").limit_int() is None


def test_objects_built_in_code_dump_api_version_kind_and_only_what_was_set() -> None:
    wf = Workflow(metadata={"name": "hello"}, spec={"entrypoint": "main"})
    assert wf.dump() == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                         "metadata": {"name": "hello"}, "spec": {"entrypoint": "main"}}
    wf.spec.service_account_name = "runner"
    assert wf.dump()["spec"] == {"entrypoint": "main", "serviceAccountName": "runner"}
    assert "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" in to_yaml(wf)
    assert wf.ref() == "Workflow/hello"


def test_model_for_finds_registered_kinds_and_register_adds_new_ones() -> None:
    assert model_for("argoproj.io/v1alpha1", "Workflow") is Workflow
    assert model_for("v1", "ConfigMap") is ConfigMap and model_for("v1", "Secret") is Secret
    with pytest.raises(InvalidError, match="known kinds are"):
        model_for("data.fluid.io/v1alpha1", "TestDataset")

    @register
    class TestDataset(Resource):
        api_version: Str = "data.fluid.io/v1alpha1"
        kind: Str = "TestDataset"

    try:
        assert model_for("data.fluid.io/v1alpha1", "TestDataset") is TestDataset
        assert "TestDataset (data.fluid.io/v1alpha1)" in known_kinds()
    finally:
        del KINDS[("data.fluid.io/v1alpha1", "TestDataset")]


def test_secret_with_bad_base64_is_an_invalid_error() -> None:
    secret = Secret(metadata={"name": "s"}, data={"k": "not base64!"})
    with pytest.raises(InvalidError, match="data.k is not valid base64"):
        secret.decoded()


def test_time_helpers_read_and_write_rfc3339() -> None:
    assert format_time(0) == "1970-01-01T00:00:00Z"
    assert format_time(parse_time("2026-11-28T12:00:00+02:00")) == "2026-11-28T10:00:00Z"
    assert seconds_between("2026-11-28T10:00:00Z", "2026-11-28T10:01:30Z") == 90
    assert seconds_between(None, "2026-11-28T10:01:30Z") is None
    with pytest.raises(InvalidError, match="invalid timestamp"):
        parse_time("yesterday")


def test_assignments_are_validated_and_marked_for_dumping() -> None:
    node = NodeStatus(id="a", name="a", type=NodeType.POD)
    node.phase = "Running"
    assert node.phase is NodePhase.RUNNING
    assert node.dump()["phase"] == "Running"
    with pytest.raises(ValueError):
        node.phase = "Sleeping"
