"""Scopes built from workflow/node dicts: the exact strings Argo puts in its replace map."""

import datetime as dt
import json

import pytest

from podfleet.errors import InvalidError, TemplateError
from podfleet.templating import substitute
from podfleet.templating.gojson import GoNumber, loads_raw
from podfleet.templating.variables import (
    STRFTIME_CHARS, aggregate_outputs_scope, inputs_scope, item_scope, loop_node_name, node_artifacts,
    node_outputs_scope, node_scope, outputs_scope, retry_scope, skipped_node_outputs_scope, workflow_scope,
)

WF = {
    "metadata": {
        "name": "hello-abc12", "namespace": "argo", "uid": "1234-uid",
        "creationTimestamp": "2024-03-05T14:07:09Z",
        "labels": {"team": "ml", "tier": "<b>"},
        "annotations": {"note": "x", "workflows.argoproj.io/scheduled-time": "2024-03-05T14:07:00Z"},
    },
    "spec": {
        "entrypoint": "main", "serviceAccountName": "runner", "priority": 7,
        "arguments": {"parameters": [{"name": "message", "value": "hi"}, {"name": "count", "value": 3},
                                     {"name": "ratio", "value": 0.5}]},
        "workflowMetadata": {"labels": {"extra": "yes", "dyn": "static"}, "annotations": {"wm": "1"},
                             "labelsFrom": {"dyn": {"expression": "workflow.name"}}},
    },
    "status": {"startedAt": "2024-03-05T14:07:10Z", "finishedAt": "2024-03-05T14:08:10Z", "phase": "Failed",
               "outputs": {"parameters": [{"name": "g", "value": "global-v"}]}},
}


@pytest.fixture()
def scope():
    return workflow_scope(WF)


def test_identity_variables(scope):
    assert scope["workflow.name"] == "hello-abc12"
    assert scope["workflow.namespace"] == "argo"
    assert scope["workflow.uid"] == "1234-uid"
    assert scope["workflow.mainEntrypoint"] == "main"
    assert scope["workflow.serviceAccountName"] == "runner"
    assert scope["workflow.priority"] == "7"
    assert scope["workflow.scheduledTime"] == "2024-03-05T14:07:00Z"


def test_priority_absent_when_not_set():
    assert "workflow.priority" not in workflow_scope({"metadata": {"name": "a"}, "spec": {}})


def test_parameters_by_name_and_as_json(scope):
    assert scope["workflow.parameters.message"] == "hi"
    assert scope["workflow.parameters.count"] == "3"
    assert scope["workflow.parameters.ratio"] == "0.5"
    expected = '[{"name":"message","value":"hi"},{"name":"count","value":"3"},{"name":"ratio","value":"0.5"}]'
    assert scope["workflow.parameters.json"] == expected
    assert scope["workflow.parameters"] == expected


def test_configmap_parameter_uses_lookup_then_default():
    wf = {"metadata": {"name": "a"}, "spec": {"arguments": {"parameters": [
        {"name": "p", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}, "default": "d"}}]}}}
    assert workflow_scope(wf, configmap=lambda n, k: f"{n}/{k}")["workflow.parameters.p"] == "cm/k"
    assert workflow_scope(wf)["workflow.parameters.p"] == "d"
    del wf["spec"]["arguments"]["parameters"][0]["valueFrom"]["default"]
    with pytest.raises(InvalidError, match="failed to set global parameter p"):
        workflow_scope(wf)


def test_labels_and_annotations(scope):
    assert scope["workflow.labels.team"] == "ml"
    assert scope["workflow.labels.extra"] == "yes"
    assert "workflow.labels.dyn" not in scope  # comes later from labelsFrom
    assert scope["workflow.labels.json"] == '{"team":"ml","tier":"\\u003cb\\u003e"}'
    assert scope["workflow.annotations.note"] == "x"
    assert scope["workflow.annotations.wm"] == "1"
    assert json.loads(scope["workflow.annotations.json"])["note"] == "x"


def test_missing_labels_render_as_json_null():
    scope = workflow_scope({"metadata": {"name": "a"}, "spec": {}})
    assert scope["workflow.labels.json"] == "null"
    assert scope["workflow.annotations.json"] == "null"


def test_creation_timestamp_and_every_strftime_letter(scope):
    assert scope["workflow.creationTimestamp"] == "2024-03-05T14:07:09Z"
    assert scope["workflow.creationTimestamp.RFC3339"] == "2024-03-05T14:07:09Z"
    assert scope["workflow.creationTimestamp.s"] == "1709647629"
    expected = {"B": "March", "b": "Mar", "m": "03", "A": "Tuesday", "a": "Tue", "d": "05", "H": "14",
                "I": "02", "M": "07", "S": "09", "Y": "2024", "y": "24", "p": "PM", "Z": "UTC",
                "z": "+0000", "L": ".000"}
    assert set(expected) == set(STRFTIME_CHARS)
    for char, text in expected.items():
        assert scope[f"workflow.creationTimestamp.{char}"] == text, char


def test_midnight_is_twelve_am_on_the_twelve_hour_clock():
    wf = {"metadata": {"name": "a", "creationTimestamp": "2024-01-01T00:30:00Z"}, "spec": {}}
    scope = workflow_scope(wf)
    assert (scope["workflow.creationTimestamp.I"], scope["workflow.creationTimestamp.p"]) == ("12", "AM")


def test_creation_time_defaults_to_now():
    now = dt.datetime(2030, 6, 1, 8, 0, 0, tzinfo=dt.timezone.utc)
    scope = workflow_scope({"metadata": {"name": "a"}, "spec": {}}, now=now)
    assert scope["workflow.creationTimestamp"] == "2030-06-01T08:00:00Z"


def test_global_outputs(scope):
    assert scope["workflow.outputs.parameters.g"] == "global-v"


def test_duration_is_a_six_decimal_float_string(scope):
    assert scope["workflow.duration"] == "60.000000"
    assert workflow_scope(WF, duration=1.5)["workflow.duration"] == "1.500000"


def test_running_duration_counts_to_now():
    wf = {"metadata": {"name": "a"}, "spec": {}, "status": {"startedAt": "2024-01-01T00:00:00Z",
                                                            "phase": "Running"}}
    now = dt.datetime(2024, 1, 1, 0, 0, 2, 500000, tzinfo=dt.timezone.utc)
    assert workflow_scope(wf, now=now)["workflow.duration"] == "2.500000"


def test_exit_handler_status_and_failures_are_double_encoded():
    failures = [{"displayName": "step-a", "message": "exit code 1", "templateName": "fail", "phase": "Failed",
                 "podName": "wf-fail-123", "finishedAt": "2024-03-05T14:08:00Z"}]
    scope = workflow_scope(WF, status="Failed", failures=failures)
    assert scope["workflow.status"] == "Failed"
    decoded = json.loads(json.loads(scope["workflow.failures"]))
    assert decoded == failures
    assert scope["workflow.failures"].startswith('"[{\\"displayName\\":\\"step-a\\"')


def test_no_failures_is_the_quoted_word_null():
    assert workflow_scope(WF, status="Succeeded", failures=[])["workflow.failures"] == '"null"'


def test_status_absent_outside_exit_handler(scope):
    assert "workflow.status" not in scope and "workflow.failures" not in scope


def test_workflow_variables_substitute_into_text(scope):
    text = "{{workflow.name}}/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}"
    assert substitute(text, scope) == "hello-abc12/2024/03"


def test_inputs_scope():
    scope = inputs_scope({"parameters": [{"name": "x", "value": "1"}, {"name": "n", "value": 2.0}],
                          "artifacts": [{"name": "data", "path": "/tmp/data"}, {"name": "nopath"}]})
    assert scope["inputs.parameters.x"] == "1"
    assert scope["inputs.parameters.n"] == "2"
    assert scope["inputs.parameters"] == '[{"name":"x","value":"1"},{"name":"n","value":"2"}]'
    assert scope["inputs.artifacts.data.path"] == "/tmp/data"
    assert not any("nopath" in k for k in scope)


def test_outputs_scope_paths():
    scope = outputs_scope({"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p"}}],
                           "artifacts": [{"name": "a", "path": "/tmp/a"}]})
    assert scope == {"outputs.parameters.p.path": "/tmp/p", "outputs.artifacts.a.path": "/tmp/a"}


NODE = {
    "id": "wf-123", "name": "wf[0].a", "phase": "Succeeded", "podIP": "10.0.0.5", "hostNodeName": "laptop",
    "startedAt": "2024-03-05T14:07:10Z", "finishedAt": "2024-03-05T14:07:20Z",
    "outputs": {"result": "heads", "exitCode": "0", "parameters": [{"name": "p", "value": "pv"}],
                "artifacts": [{"name": "art", "s3": {"key": "k"}}]},
}


def test_node_outputs_scope():
    assert node_outputs_scope("steps.flip", NODE) == {
        "steps.flip.id": "wf-123", "steps.flip.status": "Succeeded", "steps.flip.ip": "10.0.0.5",
        "steps.flip.hostNodeName": "laptop", "steps.flip.startedAt": "2024-03-05T14:07:10Z",
        "steps.flip.finishedAt": "2024-03-05T14:07:20Z", "steps.flip.outputs.result": "heads",
        "steps.flip.exitCode": "0", "steps.flip.outputs.parameters.p": "pv",
    }
    assert node_artifacts("tasks.t", NODE) == {"tasks.t.outputs.artifacts.art": NODE["outputs"]["artifacts"][0]}


def test_node_without_outputs_has_only_status_fields():
    assert node_outputs_scope("tasks.t", {"id": "i", "phase": "Running"}) == {"tasks.t.id": "i",
                                                                             "tasks.t.status": "Running"}


def test_skipped_node_outputs_default_or_absent():
    scope = skipped_node_outputs_scope("steps.s", {"parameters": [
        {"name": "a", "valueFrom": {"path": "/a", "default": "dflt"}}, {"name": "b", "valueFrom": {"path": "/b"}}]})
    assert scope == {"steps.s.outputs.parameters.a": "dflt", "steps.s.outputs.parameters.b": None}
    with pytest.raises(TemplateError, match="absent optional"):
        substitute("{{steps.s.outputs.parameters.b}}", scope)


def _child(i, result=None, params=None, phase="Succeeded", **extra):
    outputs = {}
    if result is not None:
        outputs["result"] = result
    if params:
        outputs["parameters"] = [{"name": k, "value": v} for k, v in params.items()]
    return {"name": f"wf[0].gen({i}:{i})", "phase": phase, "outputs": outputs or None, **extra}


def test_aggregated_results_are_a_json_list_in_loop_order():
    children = [_child(2, "3"), _child(0, '{"b": 1, "a": 2}'), _child(1, "1.0")]
    scope = aggregate_outputs_scope("steps.gen", children)
    assert scope["steps.gen.outputs.result"] == '[{"b":1,"a":2},1.0,3]'


def test_aggregated_parameters_maps_and_per_name_lists():
    children = [_child(0, params={"y": "1", "x": "a"}), _child(1, params={"y": "2", "x": "b"}),
                _child(2, params={"y": "9"}, phase="Failed")]
    scope = aggregate_outputs_scope("tasks.gen", children)
    assert scope["tasks.gen.outputs.parameters"] == '[{"x":"a","y":"1"},{"x":"b","y":"2"}]'
    assert scope["tasks.gen.outputs.parameters.y"] == '["1","2"]'
    assert scope["tasks.gen.outputs.result"] == "[]"


def test_aggregated_parameter_values_that_are_all_json_objects_are_embedded():
    children = [_child(0, params={"o": '{"k": 1.0}'}), _child(1, params={"o": "[1, 2]"})]
    scope = aggregate_outputs_scope("steps.g", children)
    assert scope["steps.g.outputs.parameters.o"] == '[{"k":1},[1,2]]'


def test_hooked_and_retried_children_are_ignored():
    children = [_child(0, "1"), _child(1, "2", nodeFlag={"retried": True}), _child(2, "3", nodeFlag={"hooked": True})]
    assert aggregate_outputs_scope("steps.g", children)["steps.g.outputs.result"] == "[1]"


def test_non_json_result_fails_aggregation():
    with pytest.raises(TemplateError, match="not JSON"):
        aggregate_outputs_scope("steps.g", [_child(0, "hello")])


def test_no_children_no_aggregate():
    assert aggregate_outputs_scope("steps.g", []) == {}


@pytest.mark.parametrize("item, expected", [
    ("hello", "hello"), (3, "3"), (1.5, "1.5"), (2.0, "2"), (True, "true"), (False, "false"),
    (GoNumber("1.0"), "1.0"), (None, "[]"), ([1, "a", {"k": "v"}], '[1,"a",{"k":"v"}]'),
])
def test_item_rendering(item, expected):
    assert item_scope(item) == {"item": expected}


def test_map_item_is_json_with_sorted_keys_plus_fields():
    scope = item_scope({"os": "linux", "ver": 1.0, "tags": ["a"], "<": "&"})
    assert scope["item"] == '{"\\u003c":"\\u0026","os":"linux","tags":["a"],"ver":1}'
    assert scope["item.os"] == "linux"
    assert scope["item.ver"] == "1"
    assert scope["item.tags"] == '["a"]'
    assert scope["item.<"] == "&"


def test_map_item_string_field_keeps_json_escapes_like_argo():
    assert item_scope({"msg": 'say "hi"'})["item.msg"] == 'say \\"hi\\"'


def test_with_param_numbers_keep_their_text():
    items = loads_raw('[1.0, 1e3, {"n": 2.50}]')
    assert item_scope(items[0])["item"] == "1.0"
    assert item_scope(items[1])["item"] == "1e3"
    assert item_scope(items[2])["item.n"] == "2.50"


def test_loop_node_names():
    assert loop_node_name("wf[0].s", 0, "a") == "wf[0].s(0:a)"
    assert loop_node_name("s", 1, {"os": "linux", "arch": "x(86)"}) == "s(1:arch:x86,os:linux)"
    assert loop_node_name("s", 2, [1, "b"]) == "s(2:[1 b])"
    assert loop_node_name("s", 3, 4.0) == "s(3:4)"


def test_retry_scope_first_and_later_attempts():
    first = retry_scope(0, None, pod_name="wf-p-1")
    assert first == {"retries": "0", "pod.name": "wf-p-1", "lastRetry.exitCode": "0", "lastRetry.duration": "0",
                     "lastRetry.status": "", "lastRetry.message": ""}
    last = {"phase": "Failed", "message": "boom", "outputs": {"exitCode": "2"},
            "startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T00:00:03Z"}
    later = retry_scope(1, last)
    assert later["retries"] == "1"
    assert (later["lastRetry.exitCode"], later["lastRetry.status"], later["lastRetry.message"]) == ("2", "Failed", "boom")
    assert later["lastRetry.duration"] == "3"


def test_node_scope():
    assert node_scope(node_name="wf[0].a", pod_name="wf-a-1", steps_name="a") == {
        "node.name": "wf[0].a", "pod.name": "wf-a-1", "steps.name": "a"}
