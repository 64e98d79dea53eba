"""Offline `argo lint`: check Workflows, WorkflowTemplates, ClusterWorkflowTemplates and
CronWorkflows without a server or a cluster.

Files and folders are linted together, so a `templateRef`/`workflowTemplateRef`
resolves against the (Cluster)WorkflowTemplates in the same set; a reference to one
that is not in the set is reported (Argo would ask the cluster; offline we only know
the set). `submit` uses `lint_workflow` with the templates in the store.

Field paths are written the way the YAML is nested, with list indexes:
`spec.templates[2].steps[0][1].template`, `spec.templates[0].dag.tasks[3].depends`,
`spec.workflowSpec.templates[0]...` for a CronWorkflow. Messages use Argo's wording
where Argo has one. Problems never stop lint: every object is checked as far as its
shape allows, and no input makes it raise.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from podfleet.errors import PodfleetError
from podfleet.lint.context import TemplateIndex
from podfleet.lint.report import LintProblem, LintReport, format_json, format_pretty, format_simple
from podfleet.lint.rules import Sink, type_name
from podfleet.lint.source import read_documents
from podfleet.lint.spec import LINTED_KINDS, lint_object, object_name

# Argo kinds lint skips, as `argo lint` does (WorkflowEventBinding is a no-op there).
_OTHER_ARGO_KINDS = frozenset({
    "WorkflowEventBinding", "WorkflowTaskSet", "WorkflowTaskResult", "WorkflowArtifactGCTask",
})


def _typed_check() -> Any:
    """A function raising the model layer's type errors for a document, when that layer is present."""
    try:
        loader = importlib.import_module("podfleet.resources.loader")
        parse, document = loader.parse_resource, loader.Document
    except Exception:
        return None

    def check(doc: Any) -> None:
        if not isinstance(doc, document):
            doc = document(raw=doc.raw, file=doc.file, index=doc.index, line=doc.line)
        parse(doc)
    return check


def _schema_problems(sink: Sink, error: PodfleetError) -> None:
    """Every problem of a SchemaError (it carries a list), else the error itself."""
    listed = getattr(error, "problems", None)
    if isinstance(listed, list) and listed:
        for entry in listed:
            path, message = entry[0], entry[1]
            sink.add(path or "", message)
    else:
        sink.add(error.field_path or "", error.message)


def _index(docs: Sequence[Any]) -> TemplateIndex:
    index = TemplateIndex()
    for doc in docs:
        raw = getattr(doc, "raw", None)
        if isinstance(raw, dict) and raw.get("kind") in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
            meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
            index.add(raw["kind"], meta.get("name"), raw.get("spec"))
    return index


def _lint_one(doc: Any, index: TemplateIndex, parse_resource: Any) -> tuple[list[LintProblem], bool]:
    """Problems of one document, and whether it was an object lint checks."""
    raw, file = getattr(doc, "raw", None), str(getattr(doc, "file", "") or "")
    position = getattr(doc, "index", 0) or 0
    line = getattr(doc, "line", None)
    at = f"line {line}" if line else ""
    if not isinstance(raw, dict):
        return [LintProblem(file, "", "", at, f"not a Kubernetes object: the document is {type_name(raw)}, "
                                               "not a mapping with apiVersion and kind")], True
    kind = raw.get("kind")
    if kind is None or kind == "":
        if raw.get("apiVersion") is not None or raw.get("spec") is not None:
            return [LintProblem(file, "", object_name(raw, position), at, "kind is required")], True
        return [], False  # not a Kubernetes object at all: ignored, as argo lint does
    if not isinstance(kind, str):
        return [LintProblem(file, "", object_name(raw, position), "kind", f"kind must be a string, not {type_name(kind)}")], True
    if kind not in LINTED_KINDS:
        api = raw.get("apiVersion")
        if isinstance(api, str) and api.startswith("argoproj.io") and kind not in _OTHER_ARGO_KINDS:
            return [LintProblem(file, kind, object_name(raw, position), "kind",
                                f"unknown kind {kind!r} (lint knows {', '.join(LINTED_KINDS)})")], True
        return [], False
    sink = Sink(file, kind, object_name(raw, position))
    try:
        lint_object(raw, sink, index)
    except RecursionError:
        sink.add("", "the object is nested too deeply to lint")
    if parse_resource is not None:
        # Type errors from the model layer, unless lint already said something about that field.
        typed = Sink(file, kind, sink.name)
        try:
            parse_resource(doc)
        except PodfleetError as error:
            _schema_problems(typed, error)
        except Exception:  # a bug in the model layer must not hide the semantic checks
            pass
        said = {p.field_path for p in sink.problems}
        sink.problems.extend(p for p in typed.problems if p.field_path not in said)
    return sink.problems, True


def lint_documents(docs: Sequence[Any]) -> LintReport:
    """Lint already-loaded documents (objects with `raw`, `file`, `index`, `line`) together."""
    index = _index(docs)
    parse_resource = _typed_check()
    report = LintReport()
    for doc in docs:
        problems, linted = _lint_one(doc, index, parse_resource)
        report.problems.extend(problems)
        report.objects_linted += int(linted)
    return report


def lint_paths(paths: Sequence[str | Path]) -> LintReport:
    """Lint files and folders together (.yaml, .yml, .json; folders recursively)."""
    docs, problems, files = read_documents(paths)
    report = lint_documents(docs)
    report.problems[:0] = problems
    report.objects_linted += len({p.file for p in problems if p.file in files})
    report.files = files
    return report


def lint_workflow(workflow: Any, *, templates: Mapping[Any, Any] | None = None,
                  submit: bool = False) -> list[LintProblem]:
    """Problems of one Workflow (a dict or a model with `dump()`); [] when it is fine.

    `templates` are the (Cluster)WorkflowTemplates templateRefs may use: keys
    `("WorkflowTemplate", name)` / `("ClusterWorkflowTemplate", name)` (a plain name means a
    WorkflowTemplate), values objects, specs or models. With `submit=True` workflow
    arguments must have values, as Argo requires on submission.
    """
    raw = workflow.dump() if hasattr(workflow, "dump") else workflow
    if not isinstance(raw, dict):
        return [LintProblem("", "Workflow", "", "", f"a workflow must be a mapping, not {type_name(raw)}")]
    raw = raw if raw.get("kind") else {**raw, "kind": "Workflow"}
    sink = Sink("", str(raw.get("kind")), object_name(raw, 0))
    try:
        lint_object(raw, sink, TemplateIndex.from_mapping(templates or {}), submit=submit)
    except RecursionError:
        sink.add("", "the object is nested too deeply to lint")
    return sink.problems


__all__ = [
    "LintProblem", "LintReport", "lint_paths", "lint_documents", "lint_workflow",
    "format_pretty", "format_simple", "format_json",
]
