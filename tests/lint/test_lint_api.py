"""The library `podfleet lint` and `submit` use: clean files pass, reports print the way
`argo lint` prints them, and lint_workflow judges one workflow against known templates."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from podfleet.lint import format_json, format_pretty, format_simple, lint_documents, lint_paths, lint_workflow
from podfleet.lint.source import Doc

CLEAN = Path(__file__).parent / "clean"
BROKEN = Path(__file__).parent / "broken"


def _wf(**spec: object) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "t-"},
            "spec": spec}


HELLO = {"name": "hello", "inputs": {"parameters": [{"name": "msg"}]},
         "container": {"image": "alpine", "args": ["{{inputs.parameters.msg}}"]}}
PLAIN = {"name": "hello", "container": {"image": "alpine"}}


def test_clean_fixtures_lint_clean_together() -> None:
    report = lint_paths([CLEAN])
    assert report.problems == []
    assert report.ok
    assert report.objects_linted == 6
    assert format_pretty(report) == "✔ no linting errors found!\n"
    assert format_simple(report) == "no linting errors found!\n"


def test_pretty_groups_problems_by_file_and_counts_them() -> None:
    report = lint_paths([BROKEN / "missing-entrypoint.yaml", BROKEN / "dag-cycle.yaml"])
    text = format_pretty(report)
    assert text.startswith(f"{BROKEN / 'missing-entrypoint.yaml'}:\n")
    assert '   ✖ in "broken-" (Workflow): spec.entrypoint: spec.entrypoint is required' in text
    assert "dependency cycle detected: a->b->a" in text
    assert text.endswith(f"✖ {len(report.problems)} linting errors found!\n")


def test_simple_prints_one_line_per_problem() -> None:
    report = lint_paths([BROKEN / "unknown-entrypoint.yaml"])
    assert format_simple(report).splitlines() == [
        f"{BROKEN / 'unknown-entrypoint.yaml'}: in \"broken-\" (Workflow): spec.entrypoint: "
        "entrypoint template name 'mian' undefined"]


def test_json_output_lists_problems_with_field_paths() -> None:
    body = json.loads(format_json(lint_paths([BROKEN / "dag-cycle.yaml"])))
    assert body["ok"] is False and body["errorCount"] == 1
    assert body["problems"][0]["fieldPath"] == "spec.templates[0].dag.tasks"
    assert body["problems"][0]["kind"] == "Workflow"


def test_nothing_to_lint_fails_like_argo(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    report = lint_paths([tmp_path])
    assert not report.ok and report.problems == []
    assert "found nothing to lint" in format_pretty(report)


def test_missing_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    report = lint_paths([tmp_path / "nope.yaml"])
    assert not report.ok
    assert "no such file" in report.problems[0].message


def test_a_broken_document_does_not_hide_the_next_one(tmp_path: Path) -> None:
    good = yaml.safe_dump(_wf(entrypoint="hello", templates=[PLAIN]))
    (tmp_path / "two.yaml").write_text("a: [\n---\n" + good)
    report = lint_paths([tmp_path / "two.yaml"])
    assert report.objects_linted == 2
    assert [p.message.split(":")[0] for p in report.problems] == ["not valid YAML"]


def test_lint_workflow_accepts_a_dict_and_reports_unsupplied_inputs() -> None:
    problems = lint_workflow(_wf(entrypoint="hello", templates=[HELLO]))
    assert [(p.field_path, p.message) for p in problems] == [
        ("spec.entrypoint", "template 'hello': inputs.parameters.msg was not supplied")]
    ok = lint_workflow(_wf(entrypoint="hello", templates=[HELLO],
                           arguments={"parameters": [{"name": "msg", "value": "hi"}]}))
    assert ok == []


def test_lint_workflow_resolves_template_refs_against_given_templates() -> None:
    wf = _wf(entrypoint="main", templates=[{"name": "main", "steps": [[{
        "name": "a", "templateRef": {"name": "lib", "template": "hello"},
        "arguments": {"parameters": [{"name": "msg", "value": "x"}]}}]]}])
    missing = lint_workflow(wf)
    assert "no WorkflowTemplate 'lib'" in missing[0].message
    lib = {"kind": "WorkflowTemplate", "metadata": {"name": "lib"}, "spec": {"templates": [HELLO]}}
    assert lint_workflow(wf, templates={("WorkflowTemplate", "lib"): lib}) == []
    assert lint_workflow(wf, templates={"lib": lib["spec"]}) == []


def test_submit_requires_workflow_argument_values() -> None:
    wf = _wf(entrypoint="hello", templates=[PLAIN], arguments={"parameters": [{"name": "x"}]})
    assert lint_workflow(wf) == []
    problems = lint_workflow(wf, submit=True)
    assert problems and "x.value or x.valueFrom is required" in problems[0].message


def test_lint_workflow_accepts_a_model() -> None:
    from podfleet.resources import Workflow
    model = Workflow.model_validate(_wf(entrypoint="nope", templates=[PLAIN]))
    assert [p.message for p in lint_workflow(model)] == ["entrypoint template name 'nope' undefined"]


def test_lint_documents_uses_the_document_file_name() -> None:
    doc = Doc(_wf(templates=[PLAIN]), "mem.yaml", 0, 1)
    report = lint_documents([doc])
    assert [(p.file, p.field_path) for p in report.problems] == [("mem.yaml", "spec.entrypoint")]


def test_workflow_template_needs_no_entrypoint_but_checks_its_templates() -> None:
    wt = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "wt"},
          "spec": {"templates": [HELLO, {"name": "bad", "container": {"image": "a", "args": ["{{inputs.parameters.zz}}"]}}]}}
    report = lint_documents([Doc(wt, "wt.yaml", 0, 1)])
    assert [p.field_path for p in report.problems] == ["spec.templates[1].container.args[0]"]
