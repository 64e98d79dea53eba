"""Finding the template a step, task or the entrypoint refers to.

Mirrors Argo's templateresolution: a template is looked up in the scope it is called
from (the workflow itself, or the WorkflowTemplate / ClusterWorkflowTemplate a
`templateRef` entered), `templateDefaults` are merged in, and templates that came from
outside the workflow are recorded in `status.storedTemplates` under Argo's keys
(`namespaced/<wftmpl>/<template>`) so a running workflow is not affected when the
WorkflowTemplate changes later.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from podfleet.controller.context import Pass
from podfleet.errors import NotFoundError

TEMPLATE_KINDS = ("container", "script", "steps", "dag", "suspend", "resource", "data", "http", "plugin", "containerSet")


@dataclass(frozen=True)
class Scope:
    """Where template names are looked up: `local/<wf>`, `namespaced/<wftmpl>`, `cluster/<cwft>`."""

    kind: str
    name: str

    @property
    def text(self) -> str:
        return f"{self.kind}/{self.name}"

    @staticmethod
    def parse(text: str | None, workflow_name: str) -> "Scope":
        if not text or "/" not in text:
            return Scope("local", workflow_name)
        kind, _, name = text.partition("/")
        return Scope(kind, name)


def template_type(tmpl: dict[str, Any]) -> str | None:
    for kind in TEMPLATE_KINDS:
        if tmpl.get(kind) is not None:
            return kind
    return None


def _external_templates(p: Pass, scope: Scope) -> list[dict[str, Any]]:
    key = ("wftmpl", scope.kind, scope.name)
    if key not in p.cache:
        obj = p.resolver.workflow_template(p.namespace, scope.name, scope.kind == "cluster")
        if obj is None:
            kind = "ClusterWorkflowTemplate" if scope.kind == "cluster" else "WorkflowTemplate"
            raise NotFoundError(f'{kind}.argoproj.io "{scope.name}" not found')
        if not isinstance(obj, dict):
            obj = obj.dump()
        p.cache[key] = (obj.get("spec") or {}).get("templates") or []
    return p.cache[key]  # type: ignore[no-any-return]


def find_in_scope(p: Pass, scope: Scope, name: str) -> dict[str, Any]:
    if scope.kind == "local":
        index = p.cache.get("local-templates")
        if index is None:
            index = {t.get("name"): t for t in p.spec.get("templates") or []}
            p.cache["local-templates"] = index
        tmpl = index.get(name)
        if tmpl is None:
            raise NotFoundError(f"template {name} not found")
        return tmpl  # type: ignore[no-any-return]
    stored_key = f"{scope.kind}/{scope.name}/{name}"
    stored = p.stored_templates.get(stored_key)
    if stored is not None:
        return stored  # type: ignore[no-any-return]
    for tmpl in _external_templates(p, scope):
        if tmpl.get("name") == name:
            p.stored_templates[stored_key] = tmpl
            p.stored_changed = True
            return tmpl
    kind = "ClusterWorkflowTemplate" if scope.kind == "cluster" else "WorkflowTemplate"
    raise NotFoundError(f"template {name} not found in {kind} {scope.name}")


def resolve(p: Pass, holder: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Scope]:
    """(template with templateDefaults merged, scope for the template's own children)."""
    key = ("resolved", scope, holder.get("template"), _ref_key(holder.get("templateRef")), id(holder.get("inline")))
    cached = p.cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    ref = holder.get("templateRef")
    if holder.get("inline"):
        tmpl, new_scope = holder["inline"], scope
    elif ref:
        new_scope = Scope("cluster" if ref.get("clusterScope") else "namespaced", ref.get("name") or "")
        tmpl = find_in_scope(p, new_scope, ref.get("template") or "")
    else:
        tmpl, new_scope = find_in_scope(p, scope, holder.get("template") or ""), scope
    merged = merge_defaults(p.spec.get("templateDefaults"), tmpl)
    p.cache[key] = (merged, new_scope)
    return merged, new_scope


def _ref_key(ref: dict[str, Any] | None) -> tuple[Any, ...] | None:
    if not ref:
        return None
    return (ref.get("name"), ref.get("template"), bool(ref.get("clusterScope")))


def merge_defaults(defaults: dict[str, Any] | None, tmpl: dict[str, Any]) -> dict[str, Any]:
    """`templateDefaults` under the template (the template wins), only the matching kind's block."""
    if not defaults:
        return tmpl
    kind = template_type(tmpl)
    applicable = {k: v for k, v in defaults.items() if k not in TEMPLATE_KINDS or k == kind}
    return _merge(copy.deepcopy(applicable), tmpl)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def holder_template_name(holder: dict[str, Any]) -> str | None:
    ref = holder.get("templateRef")
    if ref:
        return None
    return holder.get("template") or None


def template_of_node(node: dict[str, Any]) -> str | None:
    """Argo's GetTemplateFromNode: templateName, else templateRef.template."""
    if node.get("templateName"):
        return node["templateName"]  # type: ignore[no-any-return]
    ref = node.get("templateRef")
    return ref.get("template") if ref else None


__all__ = ["Scope", "template_type", "resolve", "find_in_scope", "merge_defaults", "template_of_node", "holder_template_name"]
