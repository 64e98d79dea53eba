"""expr-lang's built-in functions (len, upper, split, toJSON, filter, map, reduce …).

Plain functions take evaluated arguments and raise ExprRuntimeError with expr's
wording; the predicate functions (filter, map, all, sortBy …) take the evaluator
and the unevaluated closure, because `#` must be rebound for every element.
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
import re
import statistics
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from podfleet.expressions.exprlang.values import (
    ExprRuntimeError, equal, is_int, is_number, less, to_int, truthy_bool, type_name,
)
from podfleet.expressions.gocompat import from_json, go_repr, to_json

if TYPE_CHECKING:
    from podfleet.expressions.exprlang.evaluator import Evaluator
    from podfleet.expressions.exprlang.parser import Builtin


def _str(fn: str, v: Any) -> str:
    if not isinstance(v, str):
        raise ExprRuntimeError(f"invalid argument for {fn} (type {type_name(v)})")
    return v


def _seq(fn: str, v: Any) -> list[Any]:
    if isinstance(v, (list, tuple)):
        return list(v)
    raise ExprRuntimeError(f"invalid argument for {fn} (type {type_name(v)})")


def _len(v: Any) -> int:
    if isinstance(v, (str, list, tuple, dict, bytes)):
        return len(v)
    raise ExprRuntimeError(f"invalid argument for len (type {type_name(v)})")


def _type(v: Any) -> str:
    if v is None:
        return "nil"
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "string"), (list, "array"),
                       (tuple, "array"), (dict, "map"), (_dt.datetime, "time"), (_dt.timedelta, "duration")):
        if isinstance(v, kind):
            return name
    return "func" if callable(v) else "unknown"


def _num(fn: str, v: Any) -> Any:
    if not is_number(v):
        raise ExprRuntimeError(f"invalid argument for {fn} (type {type_name(v)})")
    return v


def _round(v: Any) -> float:
    x = float(_num("round", v))
    if math.isnan(x) or math.isinf(x):
        return x
    # Go's math.Round rounds half away from zero.
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _int(v: Any) -> int:
    if isinstance(v, str):
        if re.fullmatch(r"[+-]?[0-9]+", v):  # Go's strconv.Atoi: no spaces, no underscores
            return to_int(int(v))
        raise ExprRuntimeError(f"invalid operation: int({v})")
    if isinstance(v, bool):
        raise ExprRuntimeError("invalid operation: int(bool)")
    return to_int(v)


_GO_FLOAT = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[iI]nf(inity)?|NaN)")


def _float(v: Any) -> float:
    if isinstance(v, str):
        if _GO_FLOAT.fullmatch(v):
            return float(v)
        raise ExprRuntimeError(f"invalid operation: float({v})")
    if is_number(v):
        return float(v)
    raise ExprRuntimeError(f"invalid operation: float({type_name(v)})")


def _string(v: Any) -> str:
    return go_repr(v)


def _trim(s: Any, cutset: Any = None) -> str:
    s = _str("trim", s)
    return s.strip() if cutset is None else s.strip(_str("trim", cutset))


def _split(s: Any, sep: Any, n: Any = -1) -> list[str]:
    s, sep, n = _str("split", s), _str("split", sep), to_int(n)
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        return parts if n < 0 or n >= len(parts) else parts[: n - 1] + ["".join(parts[n - 1:])]
    return s.split(sep) if n < 0 else s.split(sep, n - 1)


def _split_after(s: Any, sep: Any, n: Any = -1) -> list[str]:
    s, sep, n = _str("splitAfter", s), _str("splitAfter", sep), to_int(n)
    if sep == "":
        return _split(s, sep, n)
    pieces = s.split(sep) if n < 0 else s.split(sep, max(n - 1, 0))
    if n == 0:
        return []
    return [p + sep for p in pieces[:-1]] + [pieces[-1]]


def _replace(s: Any, old: Any, new: Any, n: Any = -1) -> str:
    return _str("replace", s).replace(_str("replace", old), _str("replace", new), to_int(n))


def _repeat(s: Any, n: Any) -> str:
    count = to_int(n)
    if count < 0:
        raise ExprRuntimeError("strings: negative Repeat count")
    if count * len(_str("repeat", s)) > 10_000_000:
        raise ExprRuntimeError("strings: Repeat output length overflow")
    return s * count


def _join(items: Any, sep: Any = "") -> str:
    seq = _seq("join", items)
    if not all(isinstance(x, str) for x in seq):
        raise ExprRuntimeError("invalid argument for join (type []interface {})")
    return _str("join", sep).join(seq)


def _index_of(s: Any, sub: Any) -> int:
    return _str("indexOf", s).find(_str("indexOf", sub))


def _last_index_of(s: Any, sub: Any) -> int:
    return _str("lastIndexOf", s).rfind(_str("lastIndexOf", sub))


def _flatten_numbers(fn: str, args: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if isinstance(a, (list, tuple)):
            out.extend(_flatten_numbers(fn, tuple(a)))
        elif is_number(a):
            out.append(a)
        else:
            raise ExprRuntimeError(f"invalid argument for {fn} (type {type_name(a)})")
    return out


def _min_max(fn: str, args: tuple[Any, ...]) -> Any:
    if not args:
        raise ExprRuntimeError(f"not enough arguments to call {fn}")
    items = _flatten_numbers(fn, args)
    if not items:
        return None
    best = items[0]
    for x in items[1:]:
        if (x < best) if fn == "min" else (x > best):
            best = x
    return best


def _mean(*args: Any) -> float:
    items = _flatten_numbers("mean", args)
    return float(sum(items)) / len(items) if items else 0.0


def _median(*args: Any) -> float:
    items = _flatten_numbers("median", args)
    return float(statistics.median(items)) if items else 0.0


def _from_json(s: Any) -> Any:
    try:
        return from_json(_str("fromJSON", s))
    except ValueError as exc:
        raise ExprRuntimeError(str(exc)) from None


def _to_json(v: Any) -> str:
    try:
        return to_json(v, indent="  ")
    except ValueError as exc:
        raise ExprRuntimeError(str(exc)) from None


def _from_base64(s: Any) -> str:
    try:
        return base64.b64decode(_str("fromBase64", s), validate=True).decode("utf-8", "replace")
    except ValueError as exc:
        raise ExprRuntimeError(f"illegal base64 data: {exc}") from None


def _first(v: Any) -> Any:
    seq = v if isinstance(v, (list, tuple, str)) else _seq("first", v)
    return seq[0] if seq else None


def _last(v: Any) -> Any:
    seq = v if isinstance(v, (list, tuple, str)) else _seq("last", v)
    return seq[-1] if seq else None


def _get(base: Any, key: Any) -> Any:
    if isinstance(base, Mapping):
        try:
            return base.get(key)
        except TypeError:
            return None
    if isinstance(base, (list, tuple)) and is_number(key):
        i = to_int(key)
        i = i + len(base) if i < 0 else i
        return base[i] if 0 <= i < len(base) else None
    return None


def _keys(m: Any) -> list[Any]:
    if not isinstance(m, Mapping):
        raise ExprRuntimeError(f"cannot get keys from {type_name(m)}")
    return list(m.keys())


def _values(m: Any) -> list[Any]:
    if not isinstance(m, Mapping):
        raise ExprRuntimeError(f"cannot get values from {type_name(m)}")
    return list(m.values())


def _to_pairs(m: Any) -> list[list[Any]]:
    return [[k, v] for k, v in (m.items() if isinstance(m, Mapping) else _keys(m))]


def _from_pairs(pairs: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for p in _seq("fromPairs", pairs):
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise ExprRuntimeError("invalid pair in fromPairs")
        out[p[0]] = p[1]
    return out


def _uniq(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _seq("uniq", v):
        if not any(equal(x, y) for y in out):
            out.append(x)
    return out


def _concat(*args: Any) -> list[Any]:
    out: list[Any] = []
    for a in args:
        out.extend(_seq("concat", a))
    return out


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _seq("flatten", v):
        out.extend(_flatten(x) if isinstance(x, (list, tuple)) else [x])
    return out


def _sort(v: Any, order: Any = "asc") -> list[Any]:
    items = _seq("sort", v)
    if order not in ("asc", "desc"):
        raise ExprRuntimeError(f'unknown order, use asc or desc (got {go_repr(order)})')
    return _sorted(items, lambda x: x, order == "desc")


def _sorted(items: list[Any], key: Callable[[Any], Any], reverse: bool) -> list[Any]:
    import functools

    def cmp(a: Any, b: Any) -> int:
        ka, kb = key(a), key(b)
        if less("<", ka, kb):
            return -1
        return 1 if less(">", ka, kb) else 0

    return sorted(items, key=functools.cmp_to_key(cmp), reverse=reverse)


def _take(v: Any, n: Any) -> list[Any]:
    return _seq("take", v)[: max(to_int(n), 0)]


def _reverse(v: Any) -> list[Any]:
    return list(reversed(_seq("reverse", v)))


def _abs(v: Any) -> Any:
    return abs(_num("abs", v))


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


_DURATION_RE = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000}


def _duration(s: Any) -> _dt.timedelta:
    text = _str("duration", s)
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "0":
        return _dt.timedelta(0)
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(body):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_NS[m.group(2)]
        pos = m.end()
    if pos != len(body) or not body:
        raise ExprRuntimeError(f'time: invalid duration "{text}"')
    return _dt.timedelta(microseconds=sign * total / 1000)


def _date(s: Any, *layout: Any) -> _dt.datetime:
    text = _str("date", s)
    if layout:
        raise ExprRuntimeError("date with a layout is not supported; use an RFC 3339 date")
    for candidate in (text, text.replace("Z", "+00:00")):
        try:
            value = _dt.datetime.fromisoformat(candidate)
            return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        except ValueError:
            continue
    raise ExprRuntimeError(f'parsing time "{text}": cannot parse')


def _bit(fn: str, op: Callable[[int, int], int]) -> Callable[[Any, Any], int]:
    def run(a: Any, b: Any) -> int:
        if not (is_int(a) and is_int(b)):
            raise ExprRuntimeError(f"invalid argument for {fn} (type {type_name(a)}, {type_name(b)})")
        from podfleet.expressions.exprlang.values import wrap_int

        return wrap_int(op(a, b))
    return run


def _bitnot(a: Any) -> int:
    if not is_int(a):
        raise ExprRuntimeError(f"invalid argument for bitnot (type {type_name(a)})")
    return ~a


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _len, "type": _type, "abs": _abs,
    "ceil": lambda v: float(math.ceil(_num("ceil", v))) if not isinstance(v, float) or math.isfinite(v) else v,
    "floor": lambda v: float(math.floor(_num("floor", v))) if not isinstance(v, float) or math.isfinite(v) else v,
    "round": _round, "int": _int, "float": _float, "string": _string,
    "trim": _trim,
    "trimPrefix": lambda s, p=" ": _str("trimPrefix", s).removeprefix(_str("trimPrefix", p)),
    "trimSuffix": lambda s, p=" ": _str("trimSuffix", s).removesuffix(_str("trimSuffix", p)),
    "upper": lambda s: _str("upper", s).upper(), "lower": lambda s: _str("lower", s).lower(),
    "split": _split, "splitAfter": _split_after, "replace": _replace, "repeat": _repeat, "join": _join,
    "indexOf": _index_of, "lastIndexOf": _last_index_of,
    "hasPrefix": lambda s, p: _str("hasPrefix", s).startswith(_str("hasPrefix", p)),
    "hasSuffix": lambda s, p: _str("hasSuffix", s).endswith(_str("hasSuffix", p)),
    "max": lambda *a: _min_max("max", a), "min": lambda *a: _min_max("min", a),
    "mean": _mean, "median": _median, "toJSON": _to_json, "fromJSON": _from_json,
    "toBase64": lambda s: base64.b64encode(_str("toBase64", s).encode()).decode(),
    "fromBase64": _from_base64, "now": _now, "duration": _duration, "date": _date,
    "first": _first, "last": _last, "get": _get, "take": _take, "keys": _keys, "values": _values,
    "toPairs": _to_pairs, "fromPairs": _from_pairs, "reverse": _reverse, "uniq": _uniq,
    "concat": _concat, "flatten": _flatten, "sort": _sort,
    "bitand": _bit("bitand", lambda a, b: a & b), "bitor": _bit("bitor", lambda a, b: a | b),
    "bitxor": _bit("bitxor", lambda a, b: a ^ b), "bitnand": _bit("bitnand", lambda a, b: a & ~b),
    "bitshl": _bit("bitshl", lambda a, b: a << min(b, 64) if b >= 0 else _neg_shift()),
    "bitshr": _bit("bitshr", lambda a, b: a >> min(b, 64) if b >= 0 else _neg_shift()),
    "bitushr": _bit("bitushr", lambda a, b: (a & ((1 << 64) - 1)) >> min(b, 64) if b >= 0 else _neg_shift()),
    "bitnot": _bitnot,
}


def _neg_shift() -> int:
    raise ExprRuntimeError("invalid operation: negative shift count")


# ---- predicate functions: (evaluator, node) -> value

def _collection(ev: Evaluator, node: Builtin) -> list[Any]:
    value = ev.eval(node.args[0])
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Mapping):
        return list(value.values())
    raise ExprRuntimeError(f"cannot iterate over {type_name(value)}")


def _each(ev: Evaluator, node: Builtin) -> Any:
    items = _collection(ev, node)
    pred = node.args[1]
    for i, item in enumerate(items):
        yield item, ev.closure(pred, item, i)


def _all(ev: Evaluator, node: Builtin) -> bool:
    return all(truthy_bool(r) for _, r in _each(ev, node))


def _any(ev: Evaluator, node: Builtin) -> bool:
    return any(truthy_bool(r) for _, r in _each(ev, node))


def _none(ev: Evaluator, node: Builtin) -> bool:
    return not any(truthy_bool(r) for _, r in _each(ev, node))


def _one(ev: Evaluator, node: Builtin) -> bool:
    return sum(1 for _, r in _each(ev, node) if truthy_bool(r)) == 1


def _filter(ev: Evaluator, node: Builtin) -> list[Any]:
    return [item for item, r in _each(ev, node) if truthy_bool(r)]


def _map(ev: Evaluator, node: Builtin) -> list[Any]:
    return [r for _, r in _each(ev, node)]


def _find(ev: Evaluator, node: Builtin, *, index: bool, last: bool) -> Any:
    items = _collection(ev, node)
    order = range(len(items) - 1, -1, -1) if last else range(len(items))
    for i in order:
        if truthy_bool(ev.closure(node.args[1], items[i], i)):
            return i if index else items[i]
    return -1 if index else None


def _count(ev: Evaluator, node: Builtin) -> int:
    if len(node.args) == 1:
        return sum(1 for item in _collection(ev, node) if truthy_bool(item))
    return sum(1 for _, r in _each(ev, node) if truthy_bool(r))


def _sum(ev: Evaluator, node: Builtin) -> Any:
    values = _collection(ev, node) if len(node.args) == 1 else [r for _, r in _each(ev, node)]
    total: Any = 0
    for v in values:
        if not is_number(v):
            raise ExprRuntimeError(f"invalid argument for sum (type {type_name(v)})")
        total = total + v
    return total


def _group_by(ev: Evaluator, node: Builtin) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for item, key in _each(ev, node):
        try:
            groups.setdefault(key, []).append(item)
        except TypeError:
            raise ExprRuntimeError(f"cannot group by {type_name(key)}") from None
    return groups


def _sort_by(ev: Evaluator, node: Builtin) -> list[Any]:
    pairs = list(_each(ev, node))
    order = ev.eval(node.args[2]) if len(node.args) > 2 else "asc"
    if order not in ("asc", "desc"):
        raise ExprRuntimeError(f"unknown order, use asc or desc (got {go_repr(order)})")
    return [item for item, _ in _sorted(pairs, lambda p: p[1], order == "desc")]


def _reduce(ev: Evaluator, node: Builtin) -> Any:
    items = _collection(ev, node)
    if len(node.args) > 2:
        acc, start = ev.eval(node.args[2]), 0
    else:
        if not items:
            raise ExprRuntimeError("reduce of empty array with no initial value")
        acc, start = items[0], 1
    for i in range(start, len(items)):
        acc = ev.closure(node.args[1], items[i], i, acc)
    return acc


PREDICATE_FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "all": _all, "any": _any, "none": _none, "one": _one, "filter": _filter, "map": _map,
    "find": lambda ev, n: _find(ev, n, index=False, last=False),
    "findIndex": lambda ev, n: _find(ev, n, index=True, last=False),
    "findLast": lambda ev, n: _find(ev, n, index=False, last=True),
    "findLastIndex": lambda ev, n: _find(ev, n, index=True, last=True),
    "count": _count, "sum": _sum, "groupBy": _group_by, "sortBy": _sort_by, "reduce": _reduce,
}
