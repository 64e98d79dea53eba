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
    peek = p.nodes.peek
    stack = list(peek(nid, "children") or ())
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        node_type = peek(cid, "type")
        if node_type is None:
            continue
        if node_type in _POD_TYPES:
            value = _parse(peek(cid, "progress"))
            if value is not None:
                done += value[0]
                total += value[1]
        children = peek(cid, "children")
        if children:
            stack.extend(children)
    return done, total


def _under(p: Pass, nid: str, root: str) -> bool:
    """Whether `nid` was made inside the root's template: its chain of boundaries ends at
    the root or at one of the root's retry attempts (`wf(0)`), the only top-level nodes
    linked below the root (the workflow's exit handler and hooks are not)."""
    top = nid
    boundary = p.nodes.peek(nid, "boundaryID")
    for _ in range(10_000):
        if not boundary:
            break
        top = boundary
        boundary = p.nodes.peek(boundary, "boundaryID")
    if top == root:
        return True
    name = p.nodes.peek(top, "name") or ""
    head, paren, rest = name.partition("(")
    return head == p.name and paren == "(" and rest[:-1].isdigit() and rest.endswith(")")


def _carried_root(p: Pass, root: str) -> tuple[int, int] | None:
    """The root's progress from its persisted value and this pass's pod changes (O(changed)).

    None when there is nothing to carry forward (the root is new, or has no value yet),
    then the subtree is summed.
    """
    if root in p.nodes.dirty and p.nodes.persisted(root, "phase") is None:
        return None
    base = _parse(p.nodes.persisted(root, "progress"))
    if base is None:
        return None
    done, total = base
    for nid in p.nodes.dirty:
        if p.nodes.peek(nid, "type") not in _POD_TYPES and p.nodes.persisted(nid, "type") not in _POD_TYPES:
            continue
        if not _under(p, nid, root):
            continue
        old = _parse(p.nodes.persisted(nid, "progress")) if p.nodes.persisted(nid, "type") in _POD_TYPES else None
        new = _parse(p.nodes.peek(nid, "progress")) if p.nodes.peek(nid, "type") in _POD_TYPES else None
        done += (new or (0, 0))[0] - (old or (0, 0))[0]
        total += (new or (0, 0))[1] - (old or (0, 0))[1]
    return done, total


def update(p: Pass, *, full: bool = True) -> None:
    """Recompute `progress` of the non-pod nodes this pass changed, and of the root.

    `full=False` lets the root carry its persisted value forward instead of walking the
    whole tree; the caller asks for `full` when persisted values may not match the nodes.
    """
    targets = set(p.nodes.dirty)
    if p.nodes.phase(p.name) is not None:
        targets.add(p.name)
    for nid in targets:
        if p.nodes.peek(nid, "type") in ("Pod", "Container", None):
            continue
        value = None if full or nid != p.name else _carried_root(p, nid)
        done, total = value if value is not None else subtree(p, nid)
        if total == 0:
            continue
        node = p.nodes.get(nid)
        if node is not None:
            p.nodes.set(node, "progress", f"{done}/{total}")


_POD_TYPES = ("Pod", "Container")

__all__ = ["update", "subtree"]
