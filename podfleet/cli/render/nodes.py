"""Facts about status nodes that both the tree and the tables need.

Kept apart from the drawing code because they are Argo rules, not layout:
which icon a phase gets, how a pod is named, which nodes a `--node-field-selector`
keeps. All of it reads plain dicts in Argo's JSON shape.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from podfleet.errors import InvalidError

Node = Mapping[str, Any]

_FG_RED, _FG_GREEN, _FG_YELLOW, _FG_CYAN, _FG_DEFAULT = 31, 32, 33, 36, 39

# Argo's phase icons. Omitted has none in Argo (omitted Skipped nodes are hidden).
_PHASE_ICONS = {
    "Pending": ("◷", _FG_YELLOW),
    "Running": ("●", _FG_CYAN),
    "Succeeded": ("✔", _FG_GREEN),
    "Skipped": ("○", _FG_DEFAULT),
    "Failed": ("✖", _FG_RED),
    "Error": ("⚠", _FG_RED),
}
_SUSPENDED_ICON = ("ǁ", _FG_CYAN)
_CONDITION_ICONS = {"MetricsError": ("✖", _FG_RED), "SpecWarning": ("⚠", _FG_YELLOW)}

POD_NAME_FORMAT_ANNOTATION = "workflows.argoproj.io/pod-name-format"
# Kubernetes names are at most 253 characters; room is kept for "-" + a 10-digit hash.
_MAX_POD_PREFIX = 253 - 10 - 1


def paint(text: str, code: int, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color and text else text


def is_active_suspend(node: Node) -> bool:
    return node.get("type") == "Suspend" and node.get("phase") == "Running"


def node_icon(node: Node, *, color: bool = False) -> str:
    if is_active_suspend(node):
        glyph, code = _SUSPENDED_ICON
    else:
        glyph, code = _PHASE_ICONS.get(str(node.get("phase") or ""), ("", 0))
    return paint(glyph, code, color)


def condition_icon(kind: str, *, color: bool = False) -> str:
    glyph, code = _CONDITION_ICONS.get(kind, ("", 0))
    return paint(glyph, code, color)


def fnv32a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes, the hash Argo uses in node ids and pod names."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def node_id(wf_name: str, node_name: str) -> str:
    return wf_name if node_name == wf_name else f"{wf_name}-{fnv32a(node_name)}"


def template_of(node: Node) -> str:
    """The template a node ran: the referenced one for templateRef nodes."""
    ref = node.get("templateRef")
    if isinstance(ref, Mapping):
        return str(ref.get("template") or "")
    return str(node.get("templateName") or "")


def template_label(node: Node) -> str:
    """TEMPLATE column: `name/template` for a templateRef, else the template name."""
    ref = node.get("templateRef")
    if isinstance(ref, Mapping):
        return f"{ref.get('name', '')}/{ref.get('template', '')}"
    return str(node.get("templateName") or "")


def pod_name(wf: Mapping[str, Any], node: Node) -> str:
    """The pod a Pod node ran in: recorded `podName`, else Argo's deterministic name."""
    recorded = node.get("podName")
    if recorded:
        return str(recorded)
    meta = wf.get("metadata") or {}
    wf_name = str(meta.get("name") or "")
    annotations = meta.get("annotations") or {}
    node_name = str(node.get("name") or "")
    if annotations.get(POD_NAME_FORMAT_ANNOTATION) == "v1":
        return str(node.get("id") or node_id(wf_name, node_name))
    if node_name == wf_name:
        return wf_name
    template = template_of(node)
    prefix = f"{wf_name}-{template}" if template else wf_name
    return f"{prefix[:_MAX_POD_PREFIX]}-{fnv32a(node_name)}"


def _node_fields(node: Node) -> dict[str, str]:
    fields = {
        "displayName": str(node.get("displayName") or ""),
        "templateName": template_of(node),
        "phase": str(node.get("phase") or ""),
        "name": str(node.get("name") or ""),
        "id": str(node.get("id") or ""),
    }
    ref = node.get("templateRef")
    if isinstance(ref, Mapping):
        fields["templateRef.name"] = str(ref.get("name") or "")
        fields["templateRef.template"] = str(ref.get("template") or "")
    for param in ((node.get("inputs") or {}).get("parameters") or []):
        if isinstance(param, Mapping) and "name" in param:
            value = param.get("value")
            fields[f"inputs.parameters.{param['name']}.value"] = "" if value is None else str(value)
    return fields


_TERM = re.compile(r"^([^=!]+?)\s*(!=|==|=)\s*(.*)$")


def parse_field_selector(selector: str) -> list[tuple[str, bool, str]]:
    """`phase=Failed,templateName!=main` → [(field, wants_equal, value)]; raises InvalidError."""
    terms: list[tuple[str, bool, str]] = []
    for raw in selector.split(","):
        term = raw.strip()
        if not term:
            continue
        match = _TERM.match(term)
        if match is None:
            raise InvalidError(f"invalid node field selector {selector!r}: cannot read {term!r}")
        field, op, value = match.groups()
        terms.append((field.strip(), op != "!=", value.strip()))
    return terms


def selector_matches(terms: list[tuple[str, bool, str]], node: Node) -> bool:
    fields = _node_fields(node)
    # As in Kubernetes field selectors, an absent field reads as empty.
    return all((fields.get(field, "") == value) == equal for field, equal, value in terms)


__all__ = [
    "Node", "paint", "is_active_suspend", "node_icon", "condition_icon", "fnv32a", "node_id",
    "template_of", "template_label", "pod_name", "parse_field_selector", "selector_matches",
]
