"""The variables an expression tag must find in its env — Argo's `getIdentifiers`.

Argo checks every identifier and every `a.b.c` member path of the parsed
expression against the env before evaluating, except paths guarded by `??` (left
side) or reached through `?.`: those may be absent, so `{{= inputs.parameters.x ?? 'd' }}`
evaluates instead of failing as "missing". Paths are returned inner first, the
order Argo's post-order walk meets them, so the first missing one is the one Argo names.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def _children(node: Any) -> list[Any]:
    out: list[Any] = []
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if dataclasses.is_dataclass(value):
            out.append(value)
        elif isinstance(value, tuple):
            for item in value:
                if dataclasses.is_dataclass(item):
                    out.append(item)
                elif isinstance(item, tuple):
                    out.extend(x for x in item if dataclasses.is_dataclass(x))
    return out


def _member_path(node: Any) -> str | None:
    parts: list[str] = []
    current = node
    while type(current).__name__ == "Member":
        if current.optional:
            return None
        prop = current.prop
        if type(prop).__name__ != "Literal" or not isinstance(prop.value, str):
            return None
        parts.append(prop.value)
        current = current.node
        if type(current).__name__ == "Identifier":
            parts.append(current.name)
            return ".".join(reversed(parts))
    return None


def identifiers(tree: Any) -> list[str]:
    """Identifiers and member paths of an exprlang AST that are not guarded, inner first."""
    guarded: set[int] = set()
    bound: set[str] = set()

    def mark(node: Any) -> None:
        if type(node).__name__ == "Member":
            guarded.add(id(node))
        for child in _children(node):
            mark(child)

    def guards(node: Any) -> None:
        kind = type(node).__name__
        if kind == "Binary" and node.op == "??":
            mark(node.left)
        elif kind == "Member" and node.optional and type(node.node).__name__ == "Member":
            guarded.add(id(node.node))
        elif kind == "Let":
            bound.add(node.name)
        for child in _children(node):
            guards(child)

    guards(tree)
    found: dict[str, None] = {}

    def visit(node: Any) -> None:
        for child in _children(node):
            visit(child)
        if id(node) in guarded:
            return
        kind = type(node).__name__
        if kind == "Identifier" and node.name not in bound:
            found.setdefault(node.name)
        elif kind == "Member":
            path = _member_path(node)
            if path is not None:
                found.setdefault(path)

    visit(tree)
    return list(found)


__all__ = ["identifiers"]
