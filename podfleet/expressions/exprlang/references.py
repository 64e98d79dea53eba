"""Which environment paths an expression reads, for lint's scope checks.

`inputs.parameters.x`, `steps['a-b'].outputs.result` -> `steps.a-b.outputs.result`;
a path stops at the first index that is not a string literal or at a call, and
closure pointers (`#`, `.field`), `let` names, builtins and Argo's functions
(asInt, sprig.*, …) are not references.
"""

from __future__ import annotations

from functools import lru_cache

from podfleet.expressions.exprlang.parser import (
    Array, Binary, Builtin, Call, Chain, Conditional, Identifier, Let, Literal, MapLit, Member, Node, Pointer,
    Predicate, Sequence, Slice, Unary, parse,
)

_FUNCTION_NAMES = frozenset({"asInt", "asFloat", "jsonpath", "toJson", "sprig"})


def _path(node: Node, bound: frozenset[str]) -> list[str] | None:
    if isinstance(node, Identifier):
        if node.name in bound or node.name in _FUNCTION_NAMES:
            return None
        return [node.name]
    if isinstance(node, Chain):
        return _path(node.node, bound)
    if isinstance(node, Member) and isinstance(node.prop, Literal) and isinstance(node.prop.value, str) \
            and not isinstance(node.prop.value, bool):
        base = _path(node.node, bound)
        return None if base is None else [*base, node.prop.value]
    return None


class _Walker:
    def __init__(self) -> None:
        self.found: dict[str, None] = {}

    def walk(self, node: Node | None, bound: frozenset[str]) -> None:
        if node is None or isinstance(node, (Literal, Pointer)):
            return
        if isinstance(node, (Identifier, Member, Chain)):
            path = _path(node, bound)
            if path is not None:
                self.found[".".join(path)] = None
                return
            if isinstance(node, Chain):
                self.walk(node.node, bound)
            elif isinstance(node, Member):
                self.walk(node.node, bound)
                self.walk(node.prop, bound)
            return
        if isinstance(node, Call):
            callee = node.callee
            if isinstance(callee, Chain):
                callee = callee.node
            if isinstance(callee, Member):
                self.walk(callee.node, bound)
                if not isinstance(callee.prop, Literal):
                    self.walk(callee.prop, bound)
            elif not isinstance(callee, Identifier):
                self.walk(callee, bound)
            for arg in node.args:
                self.walk(arg, bound)
            return
        if isinstance(node, Let):
            self.walk(node.value, bound)
            self.walk(node.body, bound | {node.name})
            return
        for child in _children(node):
            self.walk(child, bound)


def _children(node: Node) -> list[Node | None]:
    if isinstance(node, Unary):
        return [node.node]
    if isinstance(node, Binary):
        return [node.left, node.right]
    if isinstance(node, Conditional):
        return [node.cond, node.then, node.otherwise]
    if isinstance(node, Slice):
        return [node.node, node.start, node.stop]
    if isinstance(node, (Builtin,)):
        return list(node.args)
    if isinstance(node, Predicate):
        return [node.node]
    if isinstance(node, Array):
        return list(node.items)
    if isinstance(node, MapLit):
        return [n for pair in node.pairs for n in pair]
    if isinstance(node, Sequence):
        return list(node.nodes)
    return []


@lru_cache(maxsize=2048)
def _references(source: str) -> tuple[str, ...]:
    walker = _Walker()
    walker.walk(parse(source), frozenset())
    return tuple(walker.found)


def references(source: str) -> list[str]:
    """Dotted env paths read by `source`, in order of first appearance; raises ExpressionError if unparsable."""
    return list(_references(source))
