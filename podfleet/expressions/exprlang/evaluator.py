"""Tree-walking evaluator for expr-lang ASTs over a plain Mapping environment.

Member access on a map reads a key (a missing key is nil, as for Go's
map[string]any), `?.` turns a nil base into nil for the whole chain, closures
see `#`, `#index`, `#acc` and `.field`, and an identifier that is neither in the
environment nor a `let` variable is "unknown name X" (a compile error in expr).
Every failure comes out as ExpressionError with the position of the node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import datetime as _dt

from podfleet.errors import ExpressionError
from podfleet.expressions.exprlang import builtins as B
from podfleet.expressions.exprlang.parser import (
    Array, Binary, Builtin, Call, Chain, Conditional, Identifier, Let, Literal, MapLit, Member, Node,
    Pointer, Predicate, Sequence, Slice, Unary,
)
from podfleet.expressions.exprlang.values import (
    ExprRuntimeError, arith, equal, is_int, is_number, less, to_int, truthy_bool, type_name,
)
from podfleet.expressions.exprlang.timemethods import time_method
from podfleet.expressions.gocompat import compile_regex


class _NilChain(Exception):
    """Raised by an optional member on a nil base; the enclosing Chain turns it into nil."""


@dataclass(slots=True)
class _Frame:
    item: Any
    index: int
    acc: Any = None


class Evaluator:
    def __init__(self, source: str, env: Mapping[str, Any]) -> None:
        self.source = source
        self.env = env
        self.vars: dict[str, Any] = {}
        self.frames: list[_Frame] = []

    def fail(self, node: Node, message: str) -> ExpressionError:
        return ExpressionError(message, expression=self.source, position=node.pos)

    def run(self, node: Node) -> Any:
        try:
            return self.eval(node)
        except RecursionError:
            raise ExpressionError("expression is nested too deeply", expression=self.source) from None

    def eval(self, node: Node) -> Any:
        method = _DISPATCH.get(type(node))
        if method is None:  # pragma: no cover - every parser node has a method
            raise self.fail(node, f"cannot evaluate {type(node).__name__}")
        try:
            return method(self, node)
        except ExprRuntimeError as exc:
            raise self.fail(node, exc.message) from None

    # ---- leaves

    def literal(self, node: Literal) -> Any:
        return node.value

    def identifier(self, node: Identifier) -> Any:
        name = node.name
        if name in self.vars:
            return self.vars[name]
        if name in self.env:
            return self.env[name]
        if name == "$env":
            return self.env
        raise self.fail(node, f"unknown name {name}")

    def pointer(self, node: Pointer) -> Any:
        if not self.frames:
            raise self.fail(node, "cannot use pointer accessor outside predicate")
        frame = self.frames[-1]
        if node.name == "":
            return frame.item
        if node.name == "index":
            return frame.index
        if node.name == "acc":
            return frame.acc
        raise self.fail(node, f"unknown pointer #{node.name}")

    # ---- operators

    def unary(self, node: Unary) -> Any:
        value = self.eval(node.node)
        if node.op in ("!", "not"):
            return not truthy_bool(value)
        if not is_number(value):
            raise ExprRuntimeError(f"invalid operation: {node.op}{type_name(value)}")
        return -value if node.op == "-" else value

    def binary(self, node: Binary) -> Any:
        op = node.op
        if op in ("&&", "and"):
            return truthy_bool(self.eval(node.left)) and truthy_bool(self.eval(node.right))
        if op in ("||", "or"):
            return truthy_bool(self.eval(node.left)) or truthy_bool(self.eval(node.right))
        if op == "??":
            left = self.eval(node.left)
            return left if left is not None else self.eval(node.right)
        left = self.eval(node.left)
        right = self.eval(node.right)
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        if op in ("<", ">", "<=", ">="):
            return less(op, left, right)
        if op == "in":
            return _contains(left, right)
        if op in ("contains", "startsWith", "endsWith"):
            if not (isinstance(left, str) and isinstance(right, str)):
                raise ExprRuntimeError(f"invalid operation: {type_name(left)} {op} {type_name(right)}")
            if op == "contains":
                return right in left
            return left.startswith(right) if op == "startsWith" else left.endswith(right)
        if op == "matches":
            if not (isinstance(left, str) and isinstance(right, str)):
                raise ExprRuntimeError(f"invalid operation: {type_name(left)} matches {type_name(right)}")
            try:
                return compile_regex(right).search(left) is not None
            except ValueError as exc:
                raise ExprRuntimeError(str(exc)) from None
        if op == "..":
            if not (is_int(left) and is_int(right)):
                raise ExprRuntimeError(f"invalid operation: {type_name(left)} .. {type_name(right)}")
            if right - left > 1_000_000:
                raise ExprRuntimeError("range is too large")
            return list(range(left, right + 1))
        return arith(op, left, right)

    def conditional(self, node: Conditional) -> Any:
        if truthy_bool(self.eval(node.cond)):
            return self.eval(node.then)
        return self.eval(node.otherwise)

    # ---- access

    def member(self, node: Member) -> Any:
        base = self.eval(node.node)
        if base is None and node.optional:
            raise _NilChain()
        key = self.eval(node.prop)
        return fetch(base, key)

    def chain(self, node: Chain) -> Any:
        try:
            return self.eval(node.node)
        except _NilChain:
            return None

    def slice(self, node: Slice) -> Any:
        base = self.eval(node.node)
        if not isinstance(base, (list, tuple, str, bytes)):
            raise ExprRuntimeError(f"cannot slice {type_name(base)}")
        n = len(base)
        start = 0 if node.start is None else to_int(self.eval(node.start), "slice")
        stop = n if node.stop is None else to_int(self.eval(node.stop), "slice")
        start = max(start + n if start < 0 else start, 0)
        stop = min(max(stop + n if stop < 0 else stop, 0), n)
        start = min(start, stop)
        result = base[start:stop]
        return list(result) if isinstance(result, tuple) else result

    # ---- constructors

    def array(self, node: Array) -> Any:
        return [self.eval(item) for item in node.items]

    def map_literal(self, node: MapLit) -> Any:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.pairs:
            key = self.eval(key_node)
            try:
                result[key] = self.eval(value_node)
            except TypeError:
                raise self.fail(key_node, f"invalid map key type {type_name(key)}") from None
        return result

    def sequence(self, node: Sequence) -> Any:
        result = None
        for item in node.nodes:
            result = self.eval(item)
        return result

    def let(self, node: Let) -> Any:
        previous = self.vars.get(node.name, _MISSING)
        self.vars[node.name] = self.eval(node.value)
        try:
            return self.eval(node.body)
        finally:
            if previous is _MISSING:
                del self.vars[node.name]
            else:
                self.vars[node.name] = previous

    # ---- calls

    def call(self, node: Call) -> Any:
        fn = self.eval(node.callee)
        if not callable(fn):
            name = node.callee.name if isinstance(node.callee, Identifier) else "expression"
            raise ExprRuntimeError(f"{name} is not callable ({type_name(fn)})")
        args = [self.eval(a) for a in node.args]
        try:
            return fn(*args)
        except ExprRuntimeError:
            raise
        except ExpressionError as exc:
            raise ExprRuntimeError(exc.reason) from None
        except Exception as exc:  # noqa: BLE001 - a Go function panicking becomes an expression error
            raise ExprRuntimeError(_describe(exc)) from None

    def builtin(self, node: Builtin) -> Any:
        if node.name in B.PREDICATE_FUNCTIONS:
            return B.PREDICATE_FUNCTIONS[node.name](self, node)
        fn = B.FUNCTIONS.get(node.name)
        if fn is None:
            raise self.fail(node, f"unknown function {node.name}")
        args = [self.eval(a) for a in node.args]
        try:
            return fn(*args)
        except ExprRuntimeError:
            raise
        except TypeError as exc:
            if "positional argument" in str(exc) or "takes" in str(exc):
                raise ExprRuntimeError(f"invalid number of arguments for {node.name} (got {len(args)})") from None
            raise ExprRuntimeError(_describe(exc)) from None
        except Exception as exc:  # noqa: BLE001
            raise ExprRuntimeError(_describe(exc)) from None

    def predicate(self, node: Predicate) -> Any:
        return self.eval(node.node)

    def closure(self, pred: Node, item: Any, index: int, acc: Any = None) -> Any:
        """Run a predicate body with `#` bound to item (used by the predicate builtins)."""
        self.frames.append(_Frame(item, index, acc))
        try:
            return self.eval(pred)
        finally:
            self.frames.pop()


_MISSING = object()


def _describe(exc: Exception) -> str:
    text = str(exc)
    return text if text else type(exc).__name__


def fetch(base: Any, key: Any) -> Any:
    """expr's runtime.Fetch for plain data."""
    if isinstance(base, Mapping):
        try:
            return base.get(key)
        except TypeError:
            raise ExprRuntimeError(f"cannot fetch {type_name(key)} from {type_name(base)}") from None
    if isinstance(base, (list, tuple, str)):
        if not is_number(key):
            raise ExprRuntimeError(f"cannot fetch {_show(key)} from {type_name(base)}")
        index = to_int(key)
        n = len(base)
        if index < 0:
            index += n
        if index < 0 or index >= n:
            raise ExprRuntimeError(f"index out of range: {index} (array length is {n})")
        return base[index]
    if isinstance(key, str) and isinstance(base, (_dt.datetime, _dt.timedelta)):
        method = time_method(base, key)
        if method is not None:
            return method
    raise ExprRuntimeError(f"cannot fetch {_show(key)} from {type_name(base)}")


def _show(value: Any) -> str:
    from podfleet.expressions.gocompat import go_repr

    return go_repr(value)


def _contains(needle: Any, haystack: Any) -> bool:
    if isinstance(haystack, (list, tuple)):
        return any(equal(needle, item) for item in haystack)
    if isinstance(haystack, Mapping):
        try:
            return needle in haystack
        except TypeError:
            return False
    if haystack is None:
        raise ExprRuntimeError(f"cannot use {type_name(haystack)} as array")
    raise ExprRuntimeError(f'operator "in" not defined on {type_name(haystack)}')


_DISPATCH: dict[type, Callable[[Evaluator, Any], Any]] = {
    Literal: Evaluator.literal, Identifier: Evaluator.identifier, Pointer: Evaluator.pointer,
    Unary: Evaluator.unary, Binary: Evaluator.binary, Conditional: Evaluator.conditional,
    Member: Evaluator.member, Chain: Evaluator.chain, Slice: Evaluator.slice, Array: Evaluator.array,
    MapLit: Evaluator.map_literal, Sequence: Evaluator.sequence, Let: Evaluator.let, Call: Evaluator.call,
    Builtin: Evaluator.builtin, Predicate: Evaluator.predicate,
}
