"""The node map as one reconcile sees it: the persisted nodes plus this pass's changes.

Nodes are handled in Argo's JSON shape (camelCase dicts, exactly what `argo get -o json`
shows) so the controller's logic reads like Argo's and does not depend on how a Python
model names its attributes. Reads are lazy and copy-on-write: a persisted node is turned
into a dict only when this pass looks at it, and only nodes this pass changed are handed
back to be persisted — a reconcile of a 10,000-node workflow whose work is done touches a
handful of nodes, not all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from podfleet.controller.ids import display_name, node_id

Node = dict[str, Any]

PENDING, RUNNING, SUCCEEDED, SKIPPED, FAILED, ERROR, OMITTED = (
    "Pending", "Running", "Succeeded", "Skipped", "Failed", "Error", "Omitted",
)
_FULFILLED = frozenset({SUCCEEDED, SKIPPED, FAILED, ERROR, OMITTED})
FULFILLED_PHASES = _FULFILLED
_COMPLETED = frozenset({SUCCEEDED, FAILED, ERROR})


def fulfilled(phase: str | None) -> bool:
    """Argo's `Fulfilled()`: the node will not change phase again by itself."""
    return phase in _FULFILLED


def completed(phase: str | None) -> bool:
    """Argo's `Completed()`: the node ran and finished (skipped/omitted did not run)."""
    return phase in _COMPLETED


def node_fulfilled(node: "Node") -> bool:
    """Argo's NodeStatus.Fulfilled(): a fulfilled phase, or a daemon that has started."""
    phase = node.get("phase")
    return phase in _FULFILLED or (bool(node.get("daemoned")) and phase != PENDING)


def failed_or_error(phase: str | None) -> bool:
    return phase in (FAILED, ERROR)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=timezone.utc)
    value = str(text).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_SNAKE = {
    "boundaryID": "boundary_id", "outboundNodes": "outbound_nodes", "templateName": "template_name",
    "displayName": "display_name", "startedAt": "started_at", "finishedAt": "finished_at",
    "podIP": "pod_ip", "nodeFlag": "node_flag", "templateRef": "template_ref",
    "resourcesDuration": "resources_duration", "templateScope": "template_scope",
}


def _as_dict(obj: Any) -> Node:
    if isinstance(obj, dict):
        # One level deeper than a shallow copy: the controller replaces nested values and
        # only appends to `children`/`outboundNodes`, so the caller's map is never mutated.
        return {k: (v.copy() if isinstance(v, (list, dict)) else v) for k, v in obj.items()}
    dump = getattr(obj, "dump", None)
    if dump is not None:
        return dump()
    return dict(obj.model_dump(by_alias=True, exclude_none=True, mode="json"))


def _phase_of(obj: Any) -> str | None:
    if isinstance(obj, dict):
        return obj.get("phase")
    phase = getattr(obj, "phase", None)
    return getattr(phase, "value", phase)


class NodeTable:
    """Persisted nodes (read lazily) + nodes this reconcile created or changed."""

    def __init__(self, workflow_name: str, base: Mapping[str, Any], now: datetime) -> None:
        self.workflow_name = workflow_name
        self._base = base
        self._view: dict[str, Node] = {}
        self._child_sets: dict[str, set[str]] = {}
        self.dirty: set[str] = set()
        self.now = now
        self.now_text = rfc3339(now)

    # --- reading -------------------------------------------------------------------
    def id_of(self, name: str) -> str:
        return node_id(self.workflow_name, name)

    def get(self, nid: str) -> Node | None:
        node = self._view.get(nid)
        if node is not None:
            return node
        raw = self._base.get(nid)
        if raw is None:
            return None
        node = _as_dict(raw)
        self._view[nid] = node
        return node

    def by_name(self, name: str) -> Node | None:
        return self.get(self.id_of(name))

    def phase(self, nid: str) -> str | None:
        """The phase without materialising the node (cheap for skipping finished work)."""
        node = self._view.get(nid)
        if node is not None:
            return node.get("phase")
        raw = self._base.get(nid)
        return None if raw is None else _phase_of(raw)

    def peek(self, nid: str, key: str) -> Any:
        """One field of a node without materialising it (`children`, `type`, `name`…)."""
        node = self._view.get(nid)
        if node is not None:
            return node.get(key)
        raw = self._base.get(nid)
        if raw is None:
            return None
        if isinstance(raw, dict):
            return raw.get(key)
        value = getattr(raw, _SNAKE.get(key, key), None)
        return getattr(value, "value", value)

    def persisted(self, nid: str, key: str) -> Any:
        """One field of the node as it was persisted, before this pass changed it."""
        raw = self._base.get(nid)
        if raw is None:
            return None
        if isinstance(raw, dict):
            return raw.get(key)
        value = getattr(raw, _SNAKE.get(key, key), None)
        return getattr(value, "value", value)

    def ids(self) -> Iterator[str]:
        seen = set(self._base.keys())
        yield from self._base.keys()
        for nid in self._view:
            if nid not in seen:
                yield nid

    def rows(self, *keys: str) -> Iterator[tuple[Any, ...]]:
        """(id, *fields) for every node: one tight pass over the map, no node materialised."""
        view = self._view
        for nid, raw in self._base.items():
            node = view.get(nid)
            if node is None and isinstance(raw, dict):
                node = raw
            if node is not None:
                yield (nid, *[node.get(k) for k in keys])
            else:
                yield (nid, *[self.peek(nid, k) for k in keys])
        for nid, node in view.items():
            if nid not in self._base:
                yield (nid, *[node.get(k) for k in keys])

    def __len__(self) -> int:
        return len(set(self._base.keys()) | set(self._view.keys()))

    def all(self) -> Iterator[Node]:
        for nid in self.ids():
            node = self.get(nid)
            if node is not None:
                yield node

    # --- writing -------------------------------------------------------------------
    def touch(self, node: Node) -> Node:
        self.dirty.add(node["id"])
        self._view[node["id"]] = node
        return node

    def init(self, name: str, node_type: str, *, boundary_id: str | None, phase: str,
             template_name: str | None = None, template_ref: dict[str, Any] | None = None,
             template_scope: str | None = None, message: str | None = None,
             node_flag: dict[str, Any] | None = None) -> Node:
        nid = self.id_of(name)
        boundary = self.get(boundary_id) if boundary_id else None
        node: Node = {
            "id": nid,
            "name": name,
            "displayName": display_name(name, boundary["name"] if boundary else None),
            "type": node_type,
        }
        if template_name:
            node["templateName"] = template_name
        if template_ref:
            node["templateRef"] = dict(template_ref)
        if template_scope:
            node["templateScope"] = template_scope
        node["phase"] = phase
        if boundary_id:
            node["boundaryID"] = boundary_id
        if message:
            node["message"] = message
        node["startedAt"] = self.now_text
        if fulfilled(phase):
            node["finishedAt"] = self.now_text
        if node_flag is not None:
            node["nodeFlag"] = dict(node_flag)
        return self.touch(node)

    def mark(self, node: Node, phase: str, message: str | None = None) -> Node:
        """Argo's markNodePhase: set phase (and message), stamp finishedAt once fulfilled."""
        changed = False
        if node.get("phase") != phase:
            node["phase"] = phase
            changed = True
        if message is not None and node.get("message", "") != message:
            if message:
                node["message"] = message
            else:
                node.pop("message", None)
            changed = True
        if fulfilled(phase) and not node.get("finishedAt"):
            node["finishedAt"] = self.now_text
            changed = True
        if changed:
            self.touch(node)
        return node

    def set(self, node: Node, key: str, value: Any) -> None:
        if value is None:
            if key in node:
                del node[key]
                self.touch(node)
            return
        if node.get(key) != value:
            node[key] = value
            self.touch(node)

    def add_child(self, parent: Node, child_id: str) -> None:
        # A set per parent keeps adding 10,000 loop children linear, not quadratic.
        known = self._child_sets.get(parent["id"])
        if known is None:
            known = set(parent.get("children") or ())
            self._child_sets[parent["id"]] = known
        if child_id in known:
            return
        known.add(child_id)
        children = parent.get("children")
        if children is None:
            parent["children"] = [child_id]
        else:
            children.append(child_id)
        self.touch(parent)

    def changed(self) -> dict[str, Node]:
        return {nid: self._view[nid] for nid in self.dirty}


__all__ = [
    "Node", "NodeTable", "fulfilled", "node_fulfilled", "completed", "failed_or_error", "rfc3339", "parse_time",
    "PENDING", "RUNNING", "SUCCEEDED", "SKIPPED", "FAILED", "ERROR", "OMITTED",
]
