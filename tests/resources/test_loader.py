"""Files and folders in, documents out; every bad input is one clear podfleet error
naming the file, the line and (for wrong shapes) Argo's field path — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfleet.errors import InvalidError, ParseError
from podfleet.resources import ConfigMap, CronWorkflow, Secret, load_file, load_paths, load_text, parse_resource
from podfleet.resources.loader import SchemaError, parse_text

FIXTURES = Path(__file__).parent / "fixtures"
HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\n"


def schema_error(text: str) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        parse_resource(load_text(text, "wf.yaml")[0])
    return info.value


def test_multi_document_yaml_skips_empty_documents_and_records_start_lines() -> None:
    docs = load_file(FIXTURES / "multi.yaml")
    assert [d.kind for d in docs] == ["ConfigMap", "Secret", "CronWorkflow"]
    assert [d.index for d in docs] == [0, 1, 2]
    assert [d.line for d in docs] == [4, 10, 19]
    assert all(d.file == str(FIXTURES / "multi.yaml") for d in docs)


def test_parse_resource_gives_the_typed_model_of_each_kind() -> None:
    cm, secret, cron = (parse_resource(d) for d in load_file(FIXTURES / "multi.yaml"))
    assert isinstance(cm, ConfigMap) and cm.data == {"limit": "3"}
    assert isinstance(secret, Secret) and secret.decoded() == {"accessKey": b"admin", "secretKey": b"s3cr3t"}
    assert secret.value("accessKey") == "admin"
    assert isinstance(cron, CronWorkflow)
    assert cron.spec.all_schedules() == ["0 2 * * *"]
    assert cron.spec.workflow_spec.template("main").suspend.duration == 20


def test_json_object_and_json_array_files_load() -> None:
    [doc] = load_file(FIXTURES / "dag.json")
    assert doc.kind == "WorkflowTemplate" and doc.line == 1
    docs = load_file(FIXTURES / "folder" / "nested" / "c.json")
    assert [d.name for d in docs] == ["c1", "c2"]


def test_list_kinds_expand_into_their_items() -> None:
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: WorkflowList\nmetadata: {}\nitems:\n"
            "- metadata: {name: a}\n  spec: {entrypoint: m}\n- metadata: {name: b}\n  spec: {entrypoint: m}\n")
    docs = load_text(text)
    assert [(d.kind, d.name, d.line) for d in docs] == [("Workflow", "a", 5), ("Workflow", "b", 7)]
    assert parse_resource(docs[0]).spec.entrypoint == "m"
    plain = load_text('{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap"}]}')
    assert [d.kind for d in plain] == ["ConfigMap"]


def test_yaml_flow_mapping_that_is_not_json_still_loads_as_yaml() -> None:
    assert load_text("{a: 1, b: [x]}")[0].raw == {"a": 1, "b": ["x"]}


def test_folders_load_recursively_sorted_and_only_yaml_and_json() -> None:
    docs = load_paths([FIXTURES / "folder"])
    assert [(Path(d.file).name, d.name) for d in docs] == [
        ("a.yaml", "a"), ("b.yml", "shared"), ("c.json", "c1"), ("c.json", "c2")]
    assert load_paths([FIXTURES / "folder"]) == docs


def test_bad_yaml_names_file_line_and_problem() -> None:
    with pytest.raises(ParseError) as info:
        load_text(HEAD + "spec:\n  entrypoint: a\n   templates: []\n", "wf.yaml")
    err = info.value
    assert err.file == "wf.yaml" and err.line == 6
    assert "invalid YAML: mapping values are not allowed" in str(err)
    assert str(err).startswith("wf.yaml:6: ")


def test_bad_json_names_file_and_line() -> None:
    with pytest.raises(ParseError) as info:
        load_text('{\n  "kind": "Workflow",\n  "spec": }\n', "wf.json")
    assert info.value.line == 3 and "invalid JSON" in info.value.message


def test_a_document_that_is_not_a_mapping_is_rejected_clearly() -> None:
    with pytest.raises(ParseError) as info:
        load_text("apiVersion: v1\nkind: ConfigMap\n---\n- a\n- b\n", "x.yaml")
    assert info.value.line == 4
    assert "document 2 is a list, expected a mapping with apiVersion and kind" in str(info.value)


@pytest.mark.parametrize("text,field", [("kind: Workflow\n", "apiVersion"), ("apiVersion: v1\n", "kind")])
def test_missing_api_version_or_kind_names_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidError) as info:
        parse_resource(load_text(text, "x.yaml")[0])
    assert info.value.field_path == field
    assert f"missing {field}" in str(info.value)


def test_unknown_kind_lists_the_known_kinds() -> None:
    with pytest.raises(InvalidError) as info:
        parse_resource(load_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflo\n", "x.yaml")[0])
    message = str(info.value)
    assert "unknown kind 'Workflo'" in message
    assert "Workflow (argoproj.io/v1alpha1)" in message and "ConfigMap (v1)" in message


def test_known_kind_with_wrong_api_version_says_which_is_expected() -> None:
    with pytest.raises(InvalidError) as info:
        parse_resource(load_text("apiVersion: argoproj.io/v1\nkind: Workflow\nspec: {}\n")[0])
    assert info.value.field_path == "apiVersion"
    assert "expected argoproj.io/v1alpha1" in str(info.value)


def test_templates_not_a_list_is_a_field_error() -> None:
    err = schema_error(HEAD + "spec:\n  templates: foo\n")
    assert err.field_path == "spec.templates"
    assert err.message == "expected a list, got the string 'foo'"
    assert err.line == 5 and err.file == "wf.yaml"


def test_parallelism_not_an_integer_is_a_field_error() -> None:
    err = schema_error(HEAD + "spec:\n  parallelism: [1]\n")
    assert (err.field_path, err.message) == ("spec.parallelism", "expected an integer, got a list")
    assert schema_error(HEAD + "spec:\n  parallelism: '3'\n").message == "expected an integer, got the string '3'"


def test_steps_as_a_mapping_is_a_field_error() -> None:
    err = schema_error(HEAD + "spec:\n  templates:\n  - name: a\n    steps: {a: 1}\n")
    assert (err.field_path, err.message) == ("spec.templates[0].steps", "expected a list, got a mapping")
    assert err.line == 7


def test_nested_step_error_has_the_argo_style_path_and_its_line() -> None:
    text = HEAD + "spec:\n  templates:\n  - name: a\n    steps:\n    - - name: ok\n      - name: [x]\n"
    err = schema_error(text)
    assert err.field_path == "spec.templates[0].steps[0][1].name"
    assert err.message == "expected a string, got a list"
    assert err.line == 9
    assert str(err) == "wf.yaml:9: spec.templates[0].steps[0][1].name: expected a string, got a list"


def test_int_or_string_error_says_both_are_accepted() -> None:
    err = schema_error(HEAD + "spec:\n  templates:\n  - name: a\n    retryStrategy: {limit: [1]}\n")
    assert err.field_path == "spec.templates[0].retryStrategy.limit"
    assert err.message == "expected an integer or a string, got a list"


def test_enum_error_lists_the_allowed_values() -> None:
    err = schema_error(HEAD + "spec:\n  templates:\n  - name: a\n    retryStrategy: {retryPolicy: Sometimes}\n")
    assert err.field_path == "spec.templates[0].retryStrategy.retryPolicy"
    assert "'Always'" in err.message and "'OnTransientError'" in err.message
    assert "got the string 'Sometimes'" in err.message


def test_missing_required_field_is_named() -> None:
    err = schema_error(HEAD + "spec:\n  templates:\n  - name: a\n    dag: {target: x}\n")
    assert (err.field_path, err.message) == ("spec.templates[0].dag.tasks", "required field is missing")
    assert schema_error("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n").field_path == "spec"


def test_all_problems_are_listed_in_file_order() -> None:
    err = schema_error(HEAD + "spec:\n  parallelism: x\n  templates:\n  - name: [1]\n")
    assert [p[0] for p in err.problems] == ["spec.parallelism", "spec.templates[0].name"]
    assert [p[2] for p in err.problems] == [5, 7]
    assert "(and 1 more problem)" in str(err)


def test_document_line_of_finds_nested_fields_and_falls_back_to_the_nearest() -> None:
    doc = load_file(FIXTURES / "loops-and-retries.yaml")[0]
    assert doc.line_of("spec.templates[1].retryStrategy.limit") == 42
    assert doc.line_of("spec.templates[1].nope") == 40
    assert doc.line_of(None) == doc.line == 2


def test_missing_file_and_binary_file_are_invalid_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidError, match="no such file"):
        load_file(tmp_path / "absent.yaml")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ParseError, match="not a UTF-8 text file"):
        load_file(binary)


def test_parse_text_parses_every_document() -> None:
    resources = parse_text((FIXTURES / "multi.yaml").read_text())
    assert [r.kind for r in resources] == ["ConfigMap", "Secret", "CronWorkflow"]


def test_empty_files_have_no_documents() -> None:
    assert load_text("", "a.json") == [] and load_text("# only a comment\n---\n", "a.yaml") == []


def test_without_nodes_line_of_answers_with_the_document_line() -> None:
    [doc] = load_text(HEAD + "spec:\n  entrypoint: a\n", "wf.yaml", keep_nodes=False)
    assert doc.node is None and doc.line_of("spec.entrypoint") == 1
