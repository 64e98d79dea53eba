"""Checks of whole objects: Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow.

Follows Argo's validate.Workflow / WorkflowTemplate / CronWorkflow: entrypoint,
templates, arguments, onExit and hooks, podGC, workflow-level limits, then every
template; the entrypoint and onExit templates must get their inputs from
spec.arguments. WorkflowTemplates are linted like workflows whose entrypoint is
optional and whose workflow parameters come from whoever submits them.
"""

from __future__ import annotations

from typing import Any

from podfleet.lint.context import SpecContext, TemplateIndex, templates_by_name
from podfleet.lint.flow import check_hooks
from podfleet.lint.rules import (
    Sink, as_dict, as_list, check_arguments, check_expression, check_names, check_non_negative, check_retry,
    type_name,
)
from podfleet.lint.syntax import duration_problem, schedule_problem
from podfleet.lint.tags import is_parameter
from podfleet.lint.template import check_supplied, check_template

LINTED_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
_POD_GC = ("", "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess")
_CONCURRENCY = ("", "Allow", "Forbid", "Replace")
_MAX_NAME = {"CronWorkflow": 52}


def object_name(raw: dict[str, Any], index: int) -> str:
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    for key in ("name", "generateName"):
        if isinstance(meta.get(key), str) and meta[key]:
            return meta[key]
    return f"object #{index + 1}"


def lint_object(raw: dict[str, Any], sink: Sink, index: TemplateIndex, *, submit: bool = False) -> None:
    """Add the problems of one linted-kind object to `sink`."""
    kind = raw.get("kind")
    meta = as_dict(sink, raw.get("metadata"), "metadata")
    name = meta.get("name")
    limit = _MAX_NAME.get(kind, 63)
    if isinstance(name, str) and len(name) > limit:
        sink.add("metadata.name", f"{kind} name {name!r} must not be more than {limit} characters long "
                                  f"(currently {len(name)})")
    spec = raw.get("spec")
    if not isinstance(spec, dict):
        sink.add("spec", "spec is required" if spec is None else f"spec must be a mapping, not {type_name(spec)}")
        return
    labels, annotations = _keys(meta.get("labels")), _keys(meta.get("annotations"))
    if kind == "CronWorkflow":
        _lint_cron(spec, sink)
        wf_spec = spec.get("workflowSpec")
        if not isinstance(wf_spec, dict):
            sink.add("spec.workflowSpec", "workflowSpec is required" if wf_spec is None else "must be a mapping")
            return
        annotations.add("workflows.argoproj.io/scheduled-time")
        wf_meta = spec.get("workflowMetadata") if isinstance(spec.get("workflowMetadata"), dict) else {}
        labels |= _keys(wf_meta.get("labels"))
        annotations |= _keys(wf_meta.get("annotations"))
        lint_spec(wf_spec, "spec.workflowSpec", sink, index, template_validation=False, strict_arguments=True,
                  labels=labels, annotations=annotations)
        return
    template_validation = kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")
    lint_spec(spec, "spec", sink, index, template_validation=template_validation,
              strict_arguments=submit and not template_validation, labels=labels, annotations=annotations)


def _keys(value: Any) -> set[str]:
    return {str(k) for k in value} if isinstance(value, dict) else set()


def _lint_cron(spec: dict[str, Any], sink: Sink) -> None:
    schedules = spec.get("schedules")
    if schedules is None and spec.get("schedule") is not None:
        sink.add("spec.schedule", "'schedule' was removed in Argo v4.0: use 'schedules: [...]'")
    elif not isinstance(schedules, list) or not schedules:
        sink.add("spec.schedules", "cron workflow must have at least one schedule")
    for i, schedule in enumerate(schedules if isinstance(schedules, list) else ()):
        reason = schedule_problem(schedule)
        if reason:
            sink.add(f"spec.schedules[{i}]", reason)
    timezone = spec.get("timezone")
    if timezone not in (None, ""):
        import zoneinfo
        try:
            zoneinfo.ZoneInfo(str(timezone))
        except Exception:
            sink.add("spec.timezone", f"invalid timezone {timezone!r}: unknown time zone {timezone}")
    if spec.get("concurrencyPolicy") not in (None, *_CONCURRENCY):
        sink.add("spec.concurrencyPolicy", f"'{spec['concurrencyPolicy']}' is not a valid concurrencyPolicy "
                                           "(Allow, Forbid or Replace)")
    check_non_negative(sink, spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds",
                       "startingDeadlineSeconds")
    check_expression(sink, spec.get("when"), "spec.when")
    stop = spec.get("stopStrategy")
    if isinstance(stop, dict):
        check_expression(sink, stop.get("expression"), "spec.stopStrategy.expression")


def _globals(spec: dict[str, Any], params: list[Any], labels: set[str], annotations: set[str]) -> set[str]:
    names = {f"workflow.{k}" for k in ("name", "namespace", "mainEntrypoint", "serviceAccountName", "uid",
                                       "status", "failures", "priority")}
    if params:
        names |= {"workflow.parameters", "workflow.parameters.json"}
    names |= {f"workflow.parameters.{p.get('name')}" for p in params if isinstance(p, dict)}
    wf_meta = spec.get("workflowMetadata") if isinstance(spec.get("workflowMetadata"), dict) else {}
    labels = labels | _keys(wf_meta.get("labels")) | _keys(wf_meta.get("labelsFrom"))
    annotations = annotations | _keys(wf_meta.get("annotations"))
    names |= {f"workflow.labels.{k}" for k in labels} | {"workflow.labels", "workflow.labels.json"}
    names |= {f"workflow.annotations.{k}" for k in annotations} | {"workflow.annotations", "workflow.annotations.json"}
    return names


def _global_outputs(ctx: SpecContext, templates: list[Any]) -> None:
    """`workflow.outputs.*` names declared by any template's globalName."""
    for tmpl in templates:
        outputs = tmpl.get("outputs") if isinstance(tmpl, dict) and isinstance(tmpl.get("outputs"), dict) else {}
        for key, flag in (("parameters", "any_output_parameter"), ("artifacts", "any_output_artifact")):
            for item in outputs.get(key) or () if isinstance(outputs.get(key), list) else ():
                gname = item.get("globalName") if isinstance(item, dict) else None
                if isinstance(gname, str) and gname:
                    if is_parameter(gname):
                        setattr(ctx, flag, True)
                    else:
                        ctx.globals.add(f"workflow.outputs.{key}.{gname}")


def lint_spec(spec: dict[str, Any], root: str, sink: Sink, index: TemplateIndex, *, template_validation: bool,
              strict_arguments: bool, labels: set[str], annotations: set[str]) -> None:
    """Check a WorkflowSpec found at `root` (`spec` or `spec.workflowSpec`)."""
    ref = spec.get("workflowTemplateRef")
    ref_spec: dict[str, Any] | None = None
    if ref is not None:
        ref_spec = _resolve_workflow_template_ref(spec, ref, f"{root}.workflowTemplateRef", sink, index)
    templates = as_list(sink, spec.get("templates"), f"{root}.templates")
    check_names(sink, templates, f"{root}.templates")
    args = as_dict(sink, spec.get("arguments"), f"{root}.arguments")
    params = [p for p in as_list(sink, args.get("parameters"), f"{root}.arguments.parameters")]
    if ref_spec is not None:
        ref_args = ref_spec.get("arguments") if isinstance(ref_spec.get("arguments"), dict) else {}
        mine = {p.get("name") for p in params if isinstance(p, dict)}
        params = params + [p for p in ref_args.get("parameters") or () if isinstance(p, dict) and p.get("name") not in mine]
    allow_empty = not strict_arguments
    check_arguments(sink, args, f"{root}.arguments", allow_empty=allow_empty)
    ctx = SpecContext(sink=sink, root=root, spec=spec, index=index, template_validation=template_validation,
                      templates=templates_by_name(spec), globals=_globals(spec, params, labels, annotations))
    _global_outputs(ctx, templates)
    entrypoint = spec.get("entrypoint")
    if entrypoint is not None and not isinstance(entrypoint, str):
        sink.add(f"{root}.entrypoint", f"entrypoint must be a template name, not {type_name(entrypoint)}")
        entrypoint = None
    if ref_spec is not None:
        _check_ref_entrypoints(spec, ref_spec, root, sink, {**args, "parameters": params}, template_validation)
    elif not entrypoint:
        if not template_validation:
            sink.add(f"{root}.entrypoint", "spec.entrypoint is required")
    elif "{{" not in entrypoint:
        found = ctx.templates.get(entrypoint)
        if found is None:
            sink.add(f"{root}.entrypoint", f"entrypoint template name '{entrypoint}' undefined")
        elif not template_validation:
            check_supplied(ctx, found[1], args, f"{root}.entrypoint")
    on_exit = spec.get("onExit")
    if on_exit not in (None, "") and ref_spec is None:
        if not isinstance(on_exit, str) or on_exit not in ctx.templates:
            sink.add(f"{root}.onExit", f"onExit template name '{on_exit}' undefined")
        elif not template_validation:
            check_supplied(ctx, ctx.templates[on_exit][1], args, f"{root}.onExit")
    check_hooks(ctx, spec.get("hooks"), f"{root}.hooks")
    _check_spec_fields(spec, root, sink)
    for i, tmpl in enumerate(templates):
        check_template(ctx, tmpl, f"{root}.templates[{i}]")
    from podfleet.lint.eci import check_eci  # ECI annotations (k8s.aliyun.com/eci-*) on the pods

    check_eci(spec, root, sink)


def _resolve_workflow_template_ref(spec: dict[str, Any], ref: Any, path: str, sink: Sink,
                                   index: TemplateIndex) -> dict[str, Any] | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or not ref.get("name"):
        sink.add(path, "workflowTemplateRef needs a name")
        return None
    if spec.get("templates"):
        sink.add(f"{path[: -len('.workflowTemplateRef')]}.templates",
                 "Templates is invalid field in spec if workflow referred WorkflowTemplate reference")
    cluster = ref.get("clusterScope") is True
    found = index.get(ref["name"], cluster)
    if found is None:
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        sink.add(path, f"{kind} '{ref['name']}' not found among the linted files")
    return found


def _check_ref_entrypoints(spec: dict[str, Any], ref_spec: dict[str, Any], root: str, sink: Sink,
                           args: dict[str, Any], template_validation: bool) -> None:
    entrypoint = spec.get("entrypoint") or ref_spec.get("entrypoint")
    ref_templates = templates_by_name(ref_spec)
    if not entrypoint:
        if not template_validation:
            sink.add(f"{root}.entrypoint", "spec.entrypoint is required (neither the workflow nor its "
                                           "workflowTemplateRef names one)")
        return
    if not isinstance(entrypoint, str) or "{{" in entrypoint:
        return
    if entrypoint not in ref_templates:
        sink.add(f"{root}.entrypoint", f"entrypoint template name '{entrypoint}' undefined in the referenced template")
        return
    if not template_validation:
        tmp_ctx = SpecContext(sink=sink, root=root, spec=ref_spec, index=TemplateIndex(), template_validation=False,
                              templates=ref_templates, globals=set())
        check_supplied(tmp_ctx, ref_templates[entrypoint][1], args, f"{root}.entrypoint")
    on_exit = spec.get("onExit")
    if on_exit and on_exit not in ref_templates:
        sink.add(f"{root}.onExit", f"onExit template name '{on_exit}' undefined in the referenced template")


def _check_spec_fields(spec: dict[str, Any], root: str, sink: Sink) -> None:
    pod_gc = spec.get("podGC")
    if pod_gc is not None:
        pod_gc = as_dict(sink, pod_gc, f"{root}.podGC")
        if pod_gc.get("strategy") not in (None, *_POD_GC):
            sink.add(f"{root}.podGC.strategy", f"podGC.strategy unknown strategy '{pod_gc['strategy']}'")
        if pod_gc.get("deleteDelayDuration") is not None:
            reason = duration_problem(pod_gc["deleteDelayDuration"])
            if reason:
                sink.add(f"{root}.podGC.deleteDelayDuration", reason)
    check_non_negative(sink, spec.get("parallelism"), f"{root}.parallelism", "parallelism")
    check_non_negative(sink, spec.get("activeDeadlineSeconds"), f"{root}.activeDeadlineSeconds",
                       "activeDeadlineSeconds")
    if spec.get("retryStrategy") is not None:
        check_retry(sink, spec["retryStrategy"], f"{root}.retryStrategy")
    ttl = spec.get("ttlStrategy")
    if isinstance(ttl, dict):
        for key in ("secondsAfterCompletion", "secondsAfterSuccess", "secondsAfterFailure"):
            check_non_negative(sink, ttl.get(key), f"{root}.ttlStrategy.{key}", key)
    for i, plugin in enumerate(as_list(sink, spec.get("executorPlugins"), f"{root}.executorPlugins")):
        if not isinstance(plugin, dict):
            sink.add(f"{root}.executorPlugins[{i}]", "must be a mapping")


__all__ = ["lint_object", "lint_spec", "object_name", "LINTED_KINDS"]
