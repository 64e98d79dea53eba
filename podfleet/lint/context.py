"""The set of objects being linted together, and one workflow spec being checked.

`argo lint` asks the cluster for the WorkflowTemplates a `templateRef` names; offline,
the only templates podfleet knows are those in the linted set (or, for `submit`, those
in the store). `TemplateIndex` is that set; `SpecContext` is the per-spec state
(template table, global variables, templates already checked) so each template's body
is checked once however many steps call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from podfleet.lint.rules import Sink
from podfleet.lint.scope import NodeOutputs

TEMPLATE_TYPES = ("container", "containerSet", "steps", "script", "resource", "dag", "suspend", "data", "http", "plugin")
LEAF_TYPES = frozenset({"container", "containerSet", "script", "resource", "data", "http", "plugin"})
POD_TYPES = frozenset({"container", "containerSet", "script", "resource", "data"})


def template_type(tmpl: dict[str, Any]) -> str | None:
    """The one type key a template has (None when it has none; the first when it has several)."""
    for key in TEMPLATE_TYPES:
        if tmpl.get(key) is not None:
            return key
    return None


def node_outputs(tmpl: dict[str, Any] | None) -> NodeOutputs | None:
    """What a step/task running `tmpl` exposes (Argo's addOutputsToScope)."""
    if not isinstance(tmpl, dict):
        return None
    kind = template_type(tmpl)
    outputs = tmpl.get("outputs") if isinstance(tmpl.get("outputs"), dict) else {}
    params = outputs.get("parameters") if isinstance(outputs.get("parameters"), list) else []
    arts = outputs.get("artifacts") if isinstance(outputs.get("artifacts"), list) else []
    container_set = tmpl.get("containerSet") if isinstance(tmpl.get("containerSet"), dict) else {}
    cs_containers = container_set.get("containers") if isinstance(container_set.get("containers"), list) else []
    has_main = any(isinstance(c, dict) and c.get("name") == "main" for c in cs_containers)
    return NodeOutputs(
        template=str(tmpl.get("name", "")),
        has_result=kind in ("container", "script", "data", "http", "plugin") or (kind == "containerSet" and has_main),
        aggregates_result=kind in ("script", "containerSet"),
        daemon=tmpl.get("daemon") is True,
        parameters=frozenset(str(p.get("name")) for p in params if isinstance(p, dict)),
        artifacts=frozenset(str(a.get("name")) for a in arts if isinstance(a, dict)),
    )


@dataclass
class TemplateIndex:
    """WorkflowTemplates and ClusterWorkflowTemplates by name, as raw specs."""

    namespaced: dict[str, dict[str, Any]] = field(default_factory=dict)
    cluster: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, kind: str, name: str, spec: Any) -> None:
        if isinstance(spec, dict) and isinstance(name, str):
            (self.cluster if kind == "ClusterWorkflowTemplate" else self.namespaced)[name] = spec

    def get(self, name: str, cluster: bool) -> dict[str, Any] | None:
        return (self.cluster if cluster else self.namespaced).get(name)

    @classmethod
    def from_mapping(cls, templates: Mapping[Any, Any]) -> TemplateIndex:
        """Keys `(kind, name)` or a plain name (a WorkflowTemplate); values raw objects, specs or models."""
        index = cls()
        for key, obj in templates.items():
            kind, name = key if isinstance(key, tuple) else ("WorkflowTemplate", key)
            raw = obj.dump() if hasattr(obj, "dump") else obj
            if isinstance(raw, dict) and "spec" in raw and isinstance(raw["spec"], dict):
                raw = raw["spec"]
            index.add(kind, name, raw)
        return index


def templates_by_name(spec: dict[str, Any]) -> dict[str, tuple[int, dict[str, Any]]]:
    """First template of each name in a spec, with its index."""
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    templates = spec.get("templates")
    if isinstance(templates, list):
        for index, tmpl in enumerate(templates):
            if isinstance(tmpl, dict) and isinstance(tmpl.get("name"), str):
                out.setdefault(tmpl["name"], (index, tmpl))
    return out


@dataclass
class Resolved:
    """A step/task/hook's template: the dict, or None with `dynamic` when only known at run time."""

    template: dict[str, Any] | None
    dynamic: bool = False
    external: bool = False  # from another (Cluster)WorkflowTemplate: checked when that one is linted


@dataclass
class SpecContext:
    sink: Sink
    root: str  # "spec" or "spec.workflowSpec"
    spec: dict[str, Any]
    index: TemplateIndex
    template_validation: bool  # a WorkflowTemplate/ClusterWorkflowTemplate linted on its own
    templates: dict[str, tuple[int, dict[str, Any]]]
    globals: set[str]
    any_output_parameter: bool = False
    any_output_artifact: bool = False
    # For templateRefs inside a WorkflowTemplate: the WorkflowTemplate's own name.
    checked: set[int] = field(default_factory=set)  # id() of template dicts whose body is checked

    def template_path(self, name: str) -> str:
        return f"{self.root}.templates[{self.templates[name][0]}]"

    def default_image(self, key: str) -> bool:
        defaults = self.spec.get("templateDefaults")
        section = defaults.get(key) if isinstance(defaults, dict) else None
        return isinstance(section, dict) and bool(section.get("image"))

    def resolve(self, holder: dict[str, Any], path: str) -> Resolved:
        """The template a step/task/hook names; reports what cannot be resolved at `path`."""
        sink = self.sink
        name, ref, inline = holder.get("template"), holder.get("templateRef"), holder.get("inline")
        given = [k for k, v in (("template", name), ("templateRef", ref), ("inline", inline)) if v not in (None, "")]
        if len(given) > 1:
            sink.add(path, f"only one of {', '.join(given)} may be given"
                     if "inline" in given else "template name cannot be specified with templateRef")
            return Resolved(None, dynamic=True)
        if not given:
            sink.add(path, "one of template, templateRef or inline is required")
            return Resolved(None, dynamic=True)
        if inline is not None:
            if not isinstance(inline, dict):
                sink.add(f"{path}.inline", "must be a mapping (a template)")
                return Resolved(None, dynamic=True)
            return Resolved(inline)
        if name is not None:
            if not isinstance(name, str):
                sink.add(f"{path}.template", "must be a string")
                return Resolved(None, dynamic=True)
            if "{{" in name:
                return Resolved(None, dynamic=True)
            found = self.templates.get(name)
            if found is None:
                sink.add(f"{path}.template", f"template name '{name}' undefined")
                return Resolved(None, dynamic=True)
            return Resolved(found[1])
        if not isinstance(ref, dict):
            sink.add(f"{path}.templateRef", "must be a mapping with name and template")
            return Resolved(None, dynamic=True)
        ref_name, ref_tmpl = ref.get("name"), ref.get("template")
        if not ref_name:
            sink.add(f"{path}.templateRef.name", "resource name is required")
            return Resolved(None, dynamic=True)
        if not ref_tmpl:
            sink.add(f"{path}.templateRef.template", "template name is required")
            return Resolved(None, dynamic=True)
        if not isinstance(ref_name, str) or not isinstance(ref_tmpl, str):
            sink.add(f"{path}.templateRef", "name and template must be strings")
            return Resolved(None, dynamic=True)
        if "{{" in ref_name or "{{" in ref_tmpl:
            return Resolved(None, dynamic=True)  # resolved at run time, as Argo skips it too
        cluster = ref.get("clusterScope") is True
        owner = self.index.get(ref_name, cluster)
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        if owner is None:
            sink.add(f"{path}.templateRef", f"template reference {ref_name}.{ref_tmpl} not found: no {kind} "
                                            f"'{ref_name}' among the linted files")
            return Resolved(None, dynamic=True)
        found = templates_by_name(owner).get(ref_tmpl)
        if found is None:
            sink.add(f"{path}.templateRef", f"template reference {ref_name}.{ref_tmpl} not found: {kind} "
                                            f"'{ref_name}' has no template '{ref_tmpl}'")
            return Resolved(None, dynamic=True)
        return Resolved(found[1], external=True)


__all__ = ["TemplateIndex", "SpecContext", "Resolved", "template_type", "node_outputs", "templates_by_name",
           "TEMPLATE_TYPES", "LEAF_TYPES", "POD_TYPES"]
