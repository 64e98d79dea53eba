"""The node tree of `argo get`: STEP / TEMPLATE / PODNAME / DURATION / MESSAGE.

Argo's status is a flat map of nodes; the tree the user sees is rebuilt from
it. Three kinds of node matter:

* boundary nodes (Steps, DAG) own everything whose `boundaryID` names them;
* non-boundary parents (StepGroup, Retry) own their `children` directly, and
  win over the boundary for those children;
* execution nodes (Pod, Skipped, Suspend, HTTP, Plugin) are leaves.

Step groups are not printed themselves: their members hang off the group's
line with `┬─`/`├─`/`└─` (or `──` for a lone member) so parallel steps read as
one row group. A Retry with a single attempt is hidden, as are omitted DAG
tasks and nodes a `--node-field-selector` excludes. Siblings are ordered by
start time, then by loop index (`name(3:x)`) or display name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cmp_to_key
from typing import Any, Mapping

from podfleet.cli.render.humanize import go_duration, parse_time, relative_duration_short
from podfleet.cli.render.nodes import (
    Node,
    node_icon,
    node_id,
    paint,
    parse_field_selector,
    pod_name,
    selector_matches,
    template_label,
)
from podfleet.cli.render.tabwriter import tabulate

_BOUNDARY = {"Steps", "DAG"}
_PARENT = {"StepGroup", "Retry"}
_EXECUTION = {"Pod", "Skipped", "Suspend", "HTTP", "Plugin"}
_NEVER = datetime.min.replace(tzinfo=timezone.utc)
_FG_DEFAULT = 39


@dataclass
class _RenderNode:
    id: str
    children: list["_RenderNode"] = field(default_factory=list)


def _loop_index(display_name: str) -> int:
    """The item index of a loop expansion (`print(2:c)` → 2), or -1."""
    open_at = display_name.find("(")
    colon_at = display_name.find(":")
    if open_at < 0 or colon_at < 0:
        return -1
    digits = display_name[open_at + 1:colon_at]
    return int(digits) if digits.isdigit() else -1


class _TreeBuilder:
    """Turns the flat node map into the forest Argo draws."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self.nodes = nodes
        self._start: dict[str, datetime] = {}
        self._name: dict[str, str] = {}
        self._index: dict[str, int] = {}
        for nid, node in nodes.items():
            self._start[nid] = parse_time(node.get("startedAt")) or _NEVER
            self._name[nid] = str(node.get("displayName") or "")
            self._index[nid] = _loop_index(self._name[nid])

    def _compare(self, a: _RenderNode, b: _RenderNode) -> int:
        """Start time first; ties by loop index when both are loop items, else by name."""
        sa, sb = self._start[a.id], self._start[b.id]
        if sa != sb:
            return -1 if sa < sb else 1
        ia, ib = self._index[a.id], self._index[b.id]
        if ia >= 0 and ib >= 0:
            return (ia > ib) - (ia < ib)
        na, nb = self._name[a.id], self._name[b.id]
        return (na > nb) - (na < nb)

    def build(self) -> dict[str, _RenderNode]:
        parents: dict[str, _RenderNode] = {}
        parent_of_child: dict[str, _RenderNode] = {}
        for nid, node in self.nodes.items():
            if node.get("type") in _PARENT:
                parents[nid] = _RenderNode(nid)
                for child in node.get("children") or []:
                    parent_of_child[child] = parents[nid]

        boundaries: dict[str, _RenderNode] = {}
        waiting: dict[str, list[_RenderNode]] = {}
        roots: dict[str, _RenderNode] = {}

        def attach(item: _RenderNode, boundary_id: str) -> None:
            if item.id in parent_of_child:
                parent_of_child[item.id].children.append(item)
            elif not boundary_id:
                roots[item.id] = item
            elif boundary_id in boundaries:
                boundaries[boundary_id].children.append(item)
            else:
                waiting.setdefault(boundary_id, []).append(item)

        for nid, node in self.nodes.items():
            kind = node.get("type")
            boundary_id = str(node.get("boundaryID") or "")
            if kind in _BOUNDARY:
                item = _RenderNode(nid)
                boundaries[nid] = item
                attach(item, boundary_id)
                item.children.extend(waiting.pop(nid, []))
            elif kind in _PARENT:
                attach(parents[nid], boundary_id)
            elif kind in _EXECUTION:
                if kind == "Skipped" and node.get("phase") == "Omitted":
                    # Never drawn; dropping it here (Argo keeps it) stops the sibling above
                    # it from being drawn with a dangling `├─`.
                    continue
                attach(_RenderNode(nid), boundary_id)
        # One stable sort per sibling list (Argo inserts one by one, same order, O(n²)).
        order = cmp_to_key(self._compare)
        for group in (*boundaries.values(), *parents.values()):
            group.children.sort(key=order)
        return roots


@dataclass(frozen=True)
class _Options:
    wf: Mapping[str, Any]
    nodes: Mapping[str, Node]
    now: datetime | None
    selector: list[tuple[str, bool, str]] | None
    mode: str  # "default" | "wide" | "short"
    color: bool


def _hidden(node: Node, opts: _Options) -> tuple[bool, bool]:
    """(is the node's own line hidden, do its children get the group fan-out drawing)."""
    kind = node.get("type")
    if kind == "Retry" and len(node.get("children") or []) == 1:
        return True, False
    if kind == "StepGroup":
        return True, True
    if kind == "Skipped" and node.get("phase") == "Omitted":
        return True, False
    if opts.selector is not None and not selector_matches(opts.selector, node):
        return True, False
    return False, False


def _artifact_names(node: Node) -> str:
    artifacts = ((node.get("outputs") or {}).get("artifacts")) or []
    return ",".join(str(a.get("name", "")) for a in artifacts if isinstance(a, Mapping))


def resources_duration_text(value: object) -> str:
    """`1m5s*(1 cpu),30s*(100Mi memory)` — each resource-second total with its unit."""
    if not isinstance(value, Mapping):
        return ""
    units = {"memory": "100Mi", "storage": "10Gi", "ephemeral-storage": "10Gi"}
    parts = []
    for resource in sorted(value):
        try:
            seconds = int(value[resource])
        except (TypeError, ValueError):
            continue
        parts.append(f"{go_duration(seconds)}*({units.get(resource, '1')} {resource})")
    return ",".join(parts)


def _node_line(node: Node, prefix: str, opts: _Options) -> str:
    name = f"{node_icon(node, color=opts.color)} {node.get('displayName') or node.get('name') or ''}"
    template = template_label(node)
    is_pod = node.get("type") == "Pod"
    pod = pod_name(opts.wf, node) if is_pod else ""
    duration = ""
    if is_pod:
        duration = relative_duration_short(parse_time(node.get("startedAt")),
                                           parse_time(node.get("finishedAt")), opts.now)
    message = str(node.get("message") or "")
    host = str(node.get("hostNodeName") or "") if is_pod else ""
    if opts.mode == "wide":
        cells = [prefix + name, template, pod, duration, _artifact_names(node), message,
                 resources_duration_text(node.get("resourcesDuration")), host]
    elif opts.mode == "short":
        cells = [prefix + name, template, pod, duration, message, host]
    else:
        cells = [prefix + name, template, pod, duration, message, ""]
    return "\t".join(cells)


def _render(item: _RenderNode, prefix: str, child_prefix: str, opts: _Options,
            out: list[str]) -> None:
    node = opts.nodes[item.id]
    hidden, fan_out = _hidden(node, opts)
    if not hidden:
        out.append(_node_line(node, prefix, opts))
    last = len(item.children) - 1
    for i, child in enumerate(item.children):
        if hidden and fan_out:
            if last == 0:
                part, sub = "──", "  "
            elif i == 0:
                part, sub = "┬─", "│ "
            elif i == last:
                part, sub = "└─", "  "
            else:
                part, sub = "├─", "│ "
        elif not hidden:
            part, sub = ("└─", "  ") if i == last else ("├─", "│ ")
        else:
            part, sub = "", ""
        if not hidden:
            _render(child, child_prefix + part, child_prefix + sub, opts, out)
        else:
            # A hidden node's first child takes over the hidden node's own line position.
            own = prefix if i == 0 else child_prefix
            _render(child, own + part, child_prefix + sub, opts, out)


def _header(mode: str, color: bool) -> str:
    step = paint("STEP", _FG_DEFAULT, color)
    if mode == "wide":
        return f"{step}\tTEMPLATE\tPODNAME\tDURATION\tARTIFACTS\tMESSAGE\tRESOURCESDURATION\tNODENAME"
    if mode == "short":
        return f"{step}\tTEMPLATE\tPODNAME\tDURATION\tMESSAGE\tNODENAME"
    return f"{step}\tTEMPLATE\tPODNAME\tDURATION\tMESSAGE"


def workflow_tree(wf: Mapping[str, Any], *, now: datetime | None = None,
                  node_field_selector: str | None = None, wide: bool = False,
                  color: bool = False, short: bool = False) -> str:
    """The node table of `argo get`; empty when the workflow has no root node yet.

    Raises InvalidError for an unreadable `node_field_selector`.
    """
    meta = wf.get("metadata") or {}
    wf_name = str(meta.get("name") or "")
    raw = (wf.get("status") or {}).get("nodes") or {}
    if not isinstance(raw, Mapping):
        return ""
    nodes = {str(nid): node for nid, node in raw.items() if isinstance(node, Mapping)}
    if wf_name not in nodes:
        return ""
    selector = parse_field_selector(node_field_selector) if node_field_selector else None
    mode = "wide" if wide else "short" if short else "default"
    opts = _Options(wf=wf, nodes=nodes, now=now, selector=selector, mode=mode, color=color)
    roots = _TreeBuilder(nodes).build()
    lines = [_header(mode, color)]
    main = roots.get(wf_name)
    if main is not None:
        _render(main, " ", " ", opts, lines)
    exit_name = f"{wf_name}.onExit"
    exit_id = node_id(wf_name, exit_name)
    if exit_id not in roots:
        # podfleet's ids follow Argo's, but find the exit handler by name if they ever differ.
        exit_id = next((nid for nid, n in nodes.items() if n.get("name") == exit_name), exit_id)
    if exit_id in roots:
        lines.append("\t\t\t\t\t")
        _render(roots[exit_id], " ", " ", opts, lines)
    return "".join(line + "\n" for line in tabulate(lines, padding=2))


__all__ = ["workflow_tree", "resources_duration_text"]
