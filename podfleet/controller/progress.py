"""Node and workflow `progress` (`N/M`), as docs/progress.md defines it.

A pod node is `0/1` until it is fulfilled, then `1/1`; any other node is the sum over
the pods reachable through its children; the workflow is the sum of its pods. Only the
nodes this pass changed (and the root) are recomputed, so a quiet reconcile stays cheap.
"""

from __future__ import annotations

from podfleet.controller.context import Pass


def _parse(text: object) -> tuple[int, int] | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    left, _, right = text.partition("/")
    try:
        return int(left), int(right)
    except ValueError:
        return None


def subtree(p: Pass, nid: str) -> tuple[int, int]:
    done = total = 0
    seen = {nid}
    stack = list(p.nodes.peek(nid, "children") or ())
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        node_type = p.nodes.peek(cid, "type")
        if node_type is None:
            continue
        if node_type in ("Pod", "Container"):
            value = _parse(p.nodes.peek(cid, "progress"))
            if value is not None:
                done += value[0]
                total += value[1]
        stack.extend(p.nodes.peek(cid, "children") or ())
    return done, total


def update(p: Pass) -> None:
    targets = set(p.nodes.dirty)
    if p.nodes.phase(p.name) is not None:
        targets.add(p.name)
    for nid in targets:
        if p.nodes.peek(nid, "type") in ("Pod", "Container", None):
            continue
        done, total = subtree(p, nid)
        if total == 0:
            continue
        node = p.nodes.get(nid)
        if node is not None:
            p.nodes.set(node, "progress", f"{done}/{total}")


__all__ = ["update", "subtree"]
