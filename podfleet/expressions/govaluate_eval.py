"""Evaluation of planned govaluate stages: float64 arithmetic, typed comparisons, short-circuits.

Kept apart from the lexer and planner in govaluate.py; the error texts are
govaluate's own so that node messages read as they do under Argo.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podfleet.errors import ExpressionError
from podfleet.expressions.gocompat import compile_regex, go_repr

_LOGICAL_FMT = "Value '%s' cannot be used with the logical operator '%s', it is not a bool"
_MODIFIER_FMT = "Value '%s' cannot be used with the modifier '%s', it is not a number"
_COMPARATOR_FMT = "Value '%s' cannot be used with the comparator '%s', it is not a number"
_TERNARY_FMT = "Value '%s' cannot be used with the ternary operator '%s', it is not a bool"
_PREFIX_FMT = "Value '%s' cannot be used with the prefix '%s'"


class Pattern:
    """A compiled `=~` right-hand side; prints as its source, as Go's *regexp.Regexp does."""

    __slots__ = ("source", "regex")

    def __init__(self, source: str) -> None:
        self.source = source
        self.regex = compile_regex(source)

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True, slots=True)
class Stage:
    """One node of the evaluation tree: an operator symbol with optional left/right stages."""

    symbol: str  # operator text, or "LITERAL", "VARIABLE", "ACCESSOR", "NOOP"
    pos: int
    left: Stage | None = None
    right: Stage | None = None
    value: Any = None


def _is_num(v: Any) -> bool:
    return isinstance(v, float)


def _deep_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, Pattern):
        return a.source == b.source
    return bool(a == b)


def _to_int64(v: float) -> int:
    if math.isnan(v) or math.isinf(v) or abs(v) >= 2**63:
        return -(2**63)  # what Go on amd64 gives for an out-of-range conversion
    return int(v)


def _wrap64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= (1 << 63) else v


def _to_uint64(v: float) -> int:
    return _to_int64(v) & ((1 << 64) - 1)


def _arith(symbol: str, a: float, b: float) -> float:
    if symbol == "-":
        return a - b
    if symbol == "*":
        return a * b
    if symbol == "/":
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
        return a / b
    if symbol == "%":
        if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
            return math.nan
        return math.fmod(a, b)
    try:  # "**"
        return math.pow(a, b)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


class Evaluator:
    def __init__(self, text: str, parameters: Mapping[str, Any]) -> None:
        self.text = text
        self.parameters = parameters

    def fail(self, reason: str, stage: Stage) -> ExpressionError:
        return ExpressionError(reason, expression=self.text, position=stage.pos)

    def param(self, name: str, stage: Stage) -> Any:
        if name not in self.parameters:
            raise self.fail(f"No parameter '{name}' found.", stage)
        value = self.parameters[name]
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    def run(self, stage: Stage | None) -> Any:
        if stage is None:
            return None
        symbol = stage.symbol
        if symbol == "LITERAL":
            return stage.value
        if symbol == "VARIABLE":
            return self.param(stage.value, stage)
        if symbol == "NOOP":
            return self.run(stage.right)
        if symbol == "ACCESSOR":
            return self.access(stage)
        left = self.run(stage.left)
        if symbol == "&&" and left is False:
            return False
        if symbol == "||" and left is True:
            return True
        if symbol in ("??", ":") and left is not None:
            return left
        if symbol == "?" and left is False:
            return None
        right = self.run(stage.right)
        return self.apply(stage, left, right)

    def access(self, stage: Stage) -> Any:
        parts = stage.value
        value = self.param(parts[0], stage)
        if len(parts) > 1:
            # Plain data has no struct fields or methods to reach, which is all govaluate accessors reach.
            raise self.fail(f"Unable to access '{parts[1]}', '{parts[0]}' is not a struct", stage)
        return value

    def apply(self, stage: Stage, left: Any, right: Any) -> Any:
        s = stage.symbol
        if s in ("==", "!="):
            return _deep_equal(left, right) == (s == "==")
        if s in (">", "<", ">=", "<="):
            if not ((_is_num(left) and _is_num(right)) or (isinstance(left, str) and isinstance(right, str))):
                raise self.fail(_COMPARATOR_FMT % (go_repr(left), s), stage)
            return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[s]
        if s in ("=~", "!~"):
            if not isinstance(left, str):
                raise self.fail(_COMPARATOR_FMT % (go_repr(left), s), stage)
            if isinstance(right, Pattern):
                pattern = right
            elif isinstance(right, str):
                try:
                    pattern = Pattern(right)
                except ValueError as exc:
                    raise self.fail(f"Unable to compile regexp pattern '{right}': {exc}", stage) from None
            else:
                raise self.fail(_COMPARATOR_FMT % (go_repr(right), s), stage)
            return (pattern.regex.search(left) is not None) == (s == "=~")
        if s in ("&&", "||"):
            for v in (left, right):
                if not isinstance(v, bool):
                    raise self.fail(_LOGICAL_FMT % (go_repr(v), s), stage)
            return (left and right) if s == "&&" else (left or right)
        if s == "in":
            if not isinstance(right, list):
                raise self.fail(_COMPARATOR_FMT % (go_repr(right), s), stage)
            return any(_deep_equal(left, v) for v in right)
        if s == "+":
            if _is_num(left) and _is_num(right):
                return left + right
            if not isinstance(left, str) and not isinstance(right, str):
                raise self.fail(_MODIFIER_FMT % (go_repr(left), s), stage)
            return go_repr(left) + go_repr(right)
        if s in ("-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>"):
            for v in (left, right):
                if not _is_num(v):
                    raise self.fail(_MODIFIER_FMT % (go_repr(v), s), stage)
            if s in ("&", "|", "^"):
                a, b = _to_int64(left), _to_int64(right)
                return float(_wrap64(a & b if s == "&" else a | b if s == "|" else a ^ b))
            if s in ("<<", ">>"):
                a, b = _to_uint64(left), _to_uint64(right)
                if b >= 64:
                    return 0.0
                return float((a << b) & ((1 << 64) - 1) if s == "<<" else a >> b)
            return _arith(s, left, right)
        if s == "prefix-":
            if not _is_num(right):
                raise self.fail(_PREFIX_FMT % (go_repr(right), "-"), stage)
            return -right
        if s == "prefix!":
            if not isinstance(right, bool):
                raise self.fail(_PREFIX_FMT % (go_repr(right), "!"), stage)
            return not right
        if s == "prefix~":
            if not _is_num(right):
                raise self.fail(_PREFIX_FMT % (go_repr(right), "~"), stage)
            return float(_wrap64(~_to_int64(right)))
        if s == "?":
            if not isinstance(left, bool):
                raise self.fail(_TERNARY_FMT % (go_repr(left), s), stage)
            return right if left else None
        if s in (":", "??"):
            return left if left is not None else right
        if s == ",":
            return [*left, right] if isinstance(left, list) else [left, right]
        raise self.fail(f"unknown operator {s}", stage)  # pragma: no cover - the planner makes no others
