"""expr-lang's runtime value rules: Go type names, equality, ordering and arithmetic.

Values are plain Python data standing for Go's: int (Go int), float (float64),
str, bool, None (nil), list ([]any), dict (map[string]any), bytes, datetime
(time.Time) and timedelta (time.Duration). Mixing them follows expr's runtime
helpers: int op float is float, `/` is always float, `%` is integers only,
`==` across unrelated types is false, ordering across them is an error.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any


class ExprRuntimeError(Exception):
    """An evaluation failure; the evaluator turns it into ExpressionError with a position."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def type_name(v: Any) -> str:
    """Go's %T for the value (used in error messages)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "[]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, (bytes, bytearray)):
        return "[]uint8"
    if isinstance(v, _dt.datetime):
        return "time.Time"
    if isinstance(v, _dt.timedelta):
        return "time.Duration"
    if callable(v):
        return "func(...interface {}) interface {}"
    return type(v).__name__


def wrap_int(v: int) -> int:
    """Go int is 64-bit and wraps around on overflow."""
    if -(1 << 63) <= v < (1 << 63):
        return v
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= (1 << 63) else v


def equal(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - foreign objects with odd __eq__ are simply unequal
        return False


def less(op: str, a: Any, b: Any) -> bool:
    ok = ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))
          or (isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime))
          or (isinstance(a, _dt.timedelta) and isinstance(b, _dt.timedelta)))
    if not ok:
        raise ExprRuntimeError(f"invalid operation: {type_name(a)} {op} {type_name(b)}")
    try:
        if op == "<":
            return bool(a < b)
        if op == ">":
            return bool(a > b)
        if op == "<=":
            return bool(a <= b)
        return bool(a >= b)
    except TypeError:  # naive vs aware datetimes
        raise ExprRuntimeError(f"invalid operation: {type_name(a)} {op} {type_name(b)}") from None


def arith(op: str, a: Any, b: Any) -> Any:
    if is_number(a) and is_number(b):
        if op == "+":
            return wrap_int(a + b) if is_int(a) and is_int(b) else float(a) + float(b)
        if op == "-":
            return wrap_int(a - b) if is_int(a) and is_int(b) else float(a) - float(b)
        if op == "*":
            return wrap_int(a * b) if is_int(a) and is_int(b) else float(a) * float(b)
        if op == "/":
            return float_div(float(a), float(b))
        if op == "%":
            if not (is_int(a) and is_int(b)):
                raise ExprRuntimeError(f"invalid operation: {type_name(a)} % {type_name(b)}")
            if b == 0:
                raise ExprRuntimeError("integer divide by zero")
            return wrap_int(_trunc_mod(a, b))  # Go's % truncates toward zero
        if op in ("**", "^"):
            return power(float(a), float(b))
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if op in ("+", "-"):
        result = _time_arith(op, a, b)
        if result is not None:
            return result
    if op == "*" and isinstance(a, _dt.timedelta) and is_int(b):
        return a * b
    raise ExprRuntimeError(f"invalid operation: {type_name(a)} {op} {type_name(b)}")


def _trunc_mod(a: int, b: int) -> int:
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _time_arith(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, _dt.datetime) and isinstance(b, _dt.timedelta):
        return a + b if op == "+" else a - b
    if op == "+" and isinstance(a, _dt.timedelta) and isinstance(b, _dt.datetime):
        return b + a
    if isinstance(a, _dt.timedelta) and isinstance(b, _dt.timedelta):
        return a + b if op == "+" else a - b
    if op == "-" and isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime):
        try:
            return a - b
        except TypeError:
            return None
    return None


def float_div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def power(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan if a < 0 else math.inf  # 0 ** negative is +Inf in Go


def to_int(v: Any, fn: str = "int") -> int:
    if is_int(v):
        return v
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return -(1 << 63)
        return wrap_int(int(v))
    raise ExprRuntimeError(f"invalid operation: {fn}({type_name(v)})")


def truthy_bool(v: Any) -> bool:
    """Operands of and/or/not/?: must be bools; Go panics on the interface conversion otherwise."""
    if isinstance(v, bool):
        return v
    raise ExprRuntimeError(f"interface conversion: interface {{}} is {type_name(v)}, not bool")
