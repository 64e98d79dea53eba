"""Writing the workflow's own status fields in place, and `spec.workflowTemplateRef`.

The status is updated field by field on the Workflow model (never re-dumping the node
map, which the runner persists separately). A workflow that refers to a whole
WorkflowTemplate runs the template's spec joined with its own (its own fields win,
arguments merge by name) and records the result in `status.storedWorkflowTemplateSpec`
so later changes to the template do not affect it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podfleet.controller.context import Resolver
from podfleet.controller.nodes import rfc3339
from podfleet.errors import NotFoundError


class StatusWriter:
    def __init__(self, workflow: Any) -> None:
        self.workflow = workflow
        status = getattr(workflow, "status", None)
        if status is None:
            self._view: dict[str, Any] = {}
        elif isinstance(status, dict):
            self._view = {k: v for k, v in status.items() if k != "nodes"}
        else:
            self._view = status.model_dump(by_alias=True, exclude_unset=True, mode="json", exclude={"nodes"})

    def get(self, key: str) -> Any:
        return self._view.get(key)

    def set(self, key: str, value: Any) -> None:
        if self._view.get(key) == value:
            return
        self._view[key] = value
        self._write(key, value)

    def _write(self, key: str, value: Any) -> None:
        status = getattr(self.workflow, "status", None)
        if isinstance(status, dict):
            if value is None:
                status.pop(key, None)
            else:
                status[key] = value
            return
        from podfleet.resources.status import WorkflowStatus

        if status is None:
            status = WorkflowStatus()
            self.workflow.status = status
        field = _field_name(WorkflowStatus, key)
        if value is None:
            setattr(status, field, None)
            status.__pydantic_fields_set__.discard(field)
            return
        partial = WorkflowStatus.model_validate({key: value})
        setattr(status, field, getattr(partial, field))

    def set_phase(self, phase: str, message: str | None, now: datetime) -> None:
        self.set("phase", phase)
        if not self.get("startedAt"):
            self.set("startedAt", rfc3339(now))
        if phase in ("Succeeded", "Failed", "Error") and not self.get("finishedAt"):
            self.set("finishedAt", rfc3339(now))
        if message is not None or phase in ("Succeeded", "Running"):
            self.set("message", message or None)

    def set_condition(self, kind: str, value: str) -> None:
        conditions = [dict(c) for c in self.get("conditions") or ()]
        for cond in conditions:
            if cond.get("type") == kind:
                if cond.get("status") == value:
                    return
                cond["status"] = value
                break
        else:
            conditions.append({"type": kind, "status": value})
        self.set("conditions", conditions)


def _field_name(model: Any, alias: str) -> str:
    for name, info in model.model_fields.items():
        if info.alias == alias or name == alias:
            return str(name)
    return alias


def _merge_named(base: list[dict[str, Any]], over: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = {item.get("name"): item for item in base}
    for item in over:
        out[item.get("name")] = {**out.get(item.get("name"), {}), **item}
    return list(out.values())


def join_specs(wf_spec: dict[str, Any], tmpl_spec: dict[str, Any]) -> dict[str, Any]:
    joined = {**tmpl_spec, **{k: v for k, v in wf_spec.items() if k != "workflowTemplateRef"}}
    args_t, args_w = tmpl_spec.get("arguments") or {}, wf_spec.get("arguments") or {}
    if args_t or args_w:
        joined["arguments"] = {
            **({"parameters": _merge_named(args_t.get("parameters") or [], args_w.get("parameters") or [])}
               if args_t.get("parameters") or args_w.get("parameters") else {}),
            **({"artifacts": _merge_named(args_t.get("artifacts") or [], args_w.get("artifacts") or [])}
               if args_t.get("artifacts") or args_w.get("artifacts") else {}),
        }
    if tmpl_spec.get("templates") or wf_spec.get("templates"):
        joined["templates"] = _merge_named(tmpl_spec.get("templates") or [], wf_spec.get("templates") or [])
    return joined


def merge_workflow_template(workflow: Any, spec: dict[str, Any], status: StatusWriter, resolver: Resolver,
                            namespace: str) -> dict[str, Any]:
    ref = spec.get("workflowTemplateRef")
    if not ref:
        return spec
    stored = status.get("storedWorkflowTemplateSpec")
    if stored:
        # The workflow's own fields may change after submission (shutdown, suspend): they still win.
        return {**stored, **{k: v for k, v in spec.items() if k in ("shutdown", "suspend", "activeDeadlineSeconds")}}
    cluster = bool(ref.get("clusterScope"))
    obj = resolver.workflow_template(namespace, ref.get("name", ""), cluster)
    if obj is None:
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        raise NotFoundError(f'{kind}.argoproj.io "{ref.get("name")}" not found')
    if not isinstance(obj, dict):
        obj = obj.dump()
    joined = join_specs(spec, obj.get("spec") or {})
    status.set("storedWorkflowTemplateSpec", {**joined, "workflowTemplateRef": ref})
    return joined


__all__ = ["StatusWriter", "merge_workflow_template", "join_specs"]
