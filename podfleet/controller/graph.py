"""Edges of the node graph: outbound nodes and daemon clean-up (Argo's getOutboundNodes, killDaemonedChildren)."""

from __future__ import annotations

from podfleet.controller.context import Pass
from podfleet.controller.nodes import SUCCEEDED


def outbound(p: Pass, nid: str) -> list[str]:
    """The nodes a successor should hang from: the leaves that finish `nid`'s subtree."""
    node_type = p.nodes.peek(nid, "type")
    if node_type in ("Skipped", "Suspend", "HTTP", "Plugin", "Pod"):
        return [nid]
    if node_type in ("Container", "TaskGroup"):
        children = p.nodes.peek(nid, "children") or []
        if not children:
            return [nid]
        out: list[str] = []
        for child in children:
            out.extend(outbound(p, child))
        return out
    if node_type == "Retry":
        children = p.nodes.peek(nid, "children") or []
        return [children[-1]] if children else []
    if node_type in ("Steps", "DAG"):
        memo = p.nodes.peek(nid, "memoizationStatus")
        hit = memo.get("hit") if isinstance(memo, dict) else getattr(memo, "hit", False)
        if hit:
            return [nid]
    result: list[str] = []
    for oid in p.nodes.peek(nid, "outboundNodes") or []:
        result.extend(outbound(p, oid))
    return result


def kill_daemons(p: Pass, boundary_id: str) -> None:
    """The scope of `boundary_id` ended: stop its daemoned pods and mark them Succeeded."""
    if not p.cache.get("has-daemons"):
        return
    from podfleet.controller.podnode import node_pod_name

    for nid in list(p.nodes.ids()):
        if p.nodes.peek(nid, "boundaryID") != boundary_id or not p.nodes.peek(nid, "daemoned"):
            continue
        node = p.nodes.get(nid)
        if node is None:
            continue
        if node.get("type") == "Pod":
            p.actions.delete_pod(p.namespace, node_pod_name(p, node), None)
        node.pop("daemoned", None)
        p.nodes.mark(node, SUCCEEDED)
        p.nodes.touch(node)


__all__ = ["outbound", "kill_daemons"]
