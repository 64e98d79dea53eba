"""The `sprig` map Argo puts in every expression environment (Masterminds/sprig text functions).

Argument order is Go-template order, the piped value last: `sprig.replace(old,
new, src)`, `sprig.trimPrefix(prefix, s)`, `sprig.contains(substr, s)`. Like
sprig, the lenient functions turn bad input into zero values (`atoi("x")` is 0,
`get` of a missing key is ""), and the rest raise ExprRuntimeError.
"""

from __future__ import annotations

import base64
import datetime as _dt
import binascii
import hashlib
import math
import random
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from podfleet.expressions.exprlang.values import ExprRuntimeError, is_number, type_name
from podfleet.expressions.gocompat import compile_regex, format_time, from_json, go_repr, to_json


def strval(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", "replace")
    return go_repr(v)


def _s(fn: str, v: Any) -> str:
    if not isinstance(v, str):
        raise ExprRuntimeError(f"wrong type for value; expected string; got {type_name(v)} in sprig.{fn}")
    return v


def to_int64(v: Any) -> int:
    """spf13/cast ToInt64 as sprig uses it: errors become 0."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return 0 if math.isnan(v) or math.isinf(v) else int(v)
    if isinstance(v, str):
        text = v[:-2] if v.endswith(".0") else v
        try:
            return int(text, 0) if not re.fullmatch(r"[+-]?0[0-7]+", text) else int(text, 8)
        except ValueError:
            return 0
    return 0


def to_float64(v: Any) -> float:
    if is_number(v) or isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v) if "_" not in v else 0.0
        except ValueError:
            return 0.0
    return 0.0


def empty(v: Any) -> bool:
    if v is None or v is False:
        return True
    if isinstance(v, (str, list, tuple, dict, bytes)):
        return len(v) == 0
    if is_number(v):
        return v == 0
    return False


def _substr(start: Any, end: Any, s: Any) -> str:
    text, a, b = _s("substr", s), to_int64(start), to_int64(end)
    if a < 0:
        return text[:b] if b >= 0 else _oob()
    if b < 0 or b > len(text):
        return text[a:] if a <= len(text) else _oob()
    if a > b:
        return _oob()
    return text[a:b]


def _oob() -> str:
    raise ExprRuntimeError("slice bounds out of range")


def _trunc(c: Any, s: Any) -> str:
    text, n = _s("trunc", s), to_int64(c)
    if n < 0 and len(text) + n > 0:
        return text[len(text) + n:]
    if n >= 0 and len(text) > n:
        return text[:n]
    return text


def _indent(spaces: Any, v: Any) -> str:
    pad = " " * max(to_int64(spaces), 0)
    return pad + _s("indent", v).replace("\n", "\n" + pad)


def _title(s: Any) -> str:
    out, prev = [], " "
    for ch in _s("title", s):
        separator = not (prev.isalnum() or prev == "_")
        out.append(ch.upper() if separator else ch)
        prev = ch
    return "".join(out)


def _quote(*args: Any) -> str:
    return " ".join(to_json(strval(a)).replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
                    for a in args if a is not None)


def _cat(*args: Any) -> str:
    return " ".join(strval(a) for a in args if a is not None).strip()


def _b64dec(s: Any) -> str:
    try:
        return base64.b64decode(_s("b64dec", s), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as exc:
        return f"illegal base64 data: {exc}"


def _to_json(v: Any) -> str:
    try:
        return to_json(v)
    except ValueError:
        return ""


def _to_pretty_json(v: Any) -> str:
    try:
        return to_json(v, indent="  ")
    except ValueError:
        return ""


def _from_json(s: Any) -> Any:
    try:
        return from_json(_s("fromJson", s))
    except ValueError:
        return None


def _default(d: Any, *given: Any) -> Any:
    if not given or empty(given[0]):
        return d
    return given[0]


def _coalesce(*args: Any) -> Any:
    return next((a for a in args if not empty(a)), None)


def _ternary(vt: Any, vf: Any, cond: Any) -> Any:
    if not isinstance(cond, bool):
        raise ExprRuntimeError(f"wrong type for value; expected bool; got {type_name(cond)} in sprig.ternary")
    return vt if cond else vf


def _dict(*args: Any) -> dict[str, Any]:
    items = list(args) + ([""] if len(args) % 2 else [])
    return {strval(items[i]): items[i + 1] for i in range(0, len(items), 2)}


def _map(fn: str, d: Any) -> Mapping[Any, Any]:
    if not isinstance(d, Mapping):
        raise ExprRuntimeError(f"wrong type for value; expected map[string]interface {{}}; got {type_name(d)} "
                               f"in sprig.{fn}")
    return d


def _list_arg(fn: str, v: Any) -> list[Any]:
    if isinstance(v, (list, tuple)):
        return list(v)
    raise ExprRuntimeError(f"Cannot find {fn} on type {type_name(v)}")


def _keys(*dicts: Any) -> list[Any]:
    out: list[Any] = []
    for d in dicts:
        out.extend(_map("keys", d).keys())
    return out


def _set(d: Any, key: Any, value: Any) -> Any:
    m = _map("set", d)
    if isinstance(m, dict):
        m[strval(key)] = value
    return m


def _uniq(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list_arg("uniq", v):
        if x not in out:
            out.append(x)
    return out


def _join(sep: Any, v: Any) -> str:
    items = v if isinstance(v, (list, tuple)) else [v]
    return strval(sep).join(strval(x) for x in items if x is not None)


def _split(sep: Any, s: Any) -> dict[str, str]:
    return {f"_{i}": part for i, part in enumerate(_s("split", s).split(_s("split", sep)))}


def _int_op(fn: Callable[[int, int], int]) -> Callable[[Any, Any], int]:
    return lambda a, b: fn(to_int64(a), to_int64(b))


def _div(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise ExprRuntimeError("runtime error: integer divide by zero")
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y >= 0) else -q


def _mod(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise ExprRuntimeError("runtime error: integer divide by zero")
    r = abs(x) % abs(y)
    return -r if x < 0 else r


def _round(a: Any, places: Any, round_on: Any = 0.5) -> float:
    value, p, r = to_float64(a), to_int64(places), to_float64(round_on)
    scaled = value * (10 ** p)
    whole = math.floor(scaled) if scaled >= 0 else math.ceil(scaled)
    frac = abs(scaled - whole)
    rounded = whole + (math.copysign(1, scaled) if frac >= r else 0)
    return rounded / (10 ** p)


def _seq(*params: Any) -> str:
    nums = [to_int64(p) for p in params]
    if len(nums) == 1:
        start, step, end = 1, 1 if nums[0] >= 1 else -1, nums[0]
    elif len(nums) == 2:
        start, end = nums
        step = 1 if end >= start else -1
    elif len(nums) == 3:
        start, step, end = nums
        if step == 0 or (end - start) * step < 0:
            return ""
    else:
        return ""
    if abs(end - start) > 1_000_000:
        raise ExprRuntimeError("seq range is too large")
    values = range(start, end + (1 if step > 0 else -1), step)
    return " ".join(str(v) for v in values)


def _until(n: Any) -> list[int]:
    count = to_int64(n)
    if abs(count) > 1_000_000:
        raise ExprRuntimeError("until range is too large")
    return list(range(0, count)) if count >= 0 else list(range(0, count, -1))


def _regex(fn: str, pattern: Any) -> re.Pattern[str]:
    try:
        return compile_regex(_s(fn, pattern))
    except ValueError as exc:
        raise ExprRuntimeError(str(exc)) from None


def _regex_match(pattern: Any, s: Any) -> bool:
    try:
        return compile_regex(_s("regexMatch", pattern)).search(_s("regexMatch", s)) is not None
    except ValueError:
        return False


def _regex_find(pattern: Any, s: Any) -> str:
    m = _regex("regexFind", pattern).search(_s("regexFind", s))
    return m.group(0) if m else ""


def _regex_find_all(pattern: Any, s: Any, n: Any) -> list[str]:
    found = [m.group(0) for m in _regex("regexFindAll", pattern).finditer(_s("regexFindAll", s))]
    limit = to_int64(n)
    return found if limit < 0 else found[:limit]


def _go_expand(template: str, m: re.Match[str]) -> str:
    """Go's Regexp.Expand: `$1`, `${1}`, `$name`, `$$`; unknown groups expand to ""."""
    out, i = [], 0
    while i < len(template):
        ch = template[i]
        if ch != "$" or i + 1 >= len(template):
            out.append(ch)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if template[i + 1] == "{":
            end = template.find("}", i + 2)
            name = template[i + 2:end] if end > 0 else ""
            nxt = end + 1 if end > 0 else i + 1
        else:
            j = i + 1
            while j < len(template) and (template[j].isalnum() or template[j] == "_"):
                j += 1
            name, nxt = template[i + 1:j], j
        if not name:
            out.append("$")
            i += 1
            continue
        try:
            group = m.group(int(name)) if name.isdigit() else m.group(name)
        except IndexError:
            group = ""
        out.append(group or "")
        i = nxt
    return "".join(out)


def _regex_replace_all(pattern: Any, s: Any, repl: Any) -> str:
    template = _s("regexReplaceAll", repl)
    return _regex("regexReplaceAll", pattern).sub(lambda m: _go_expand(template, m), _s("regexReplaceAll", s))


def _rand_alpha_num(n: Any) -> str:
    count = max(min(to_int64(n), 100_000), 0)
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(count))


def _first(v: Any) -> Any:
    items = _list_arg("first", v)
    return items[0] if items else None


def _last(v: Any) -> Any:
    items = _list_arg("last", v)
    return items[-1] if items else None


def _as_time(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    if isinstance(value, int) and not isinstance(value, bool):
        return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    return _dt.datetime.now(_dt.timezone.utc)  # sprig formats "now" for anything else


def _to_date(layout: Any, value: Any) -> _dt.datetime:
    text = _s("toDate", value)
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExprRuntimeError(f'parsing time "{text}" as "{layout}": cannot parse') from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)


SPRIG: dict[str, Callable[..., Any]] = {
    "now": lambda: _dt.datetime.now(_dt.timezone.utc),
    "date": lambda layout, value: format_time(_as_time(value).astimezone(_dt.timezone.utc), _s("date", layout)),
    "dateInZone": lambda layout, value, _zone: format_time(_as_time(value), _s("dateInZone", layout)),
    "toDate": _to_date, "unixEpoch": lambda value: str(int(_as_time(value).timestamp())),
    "upper": lambda s: _s("upper", s).upper(), "lower": lambda s: _s("lower", s).lower(),
    "title": _title, "untitle": lambda s: (_s("untitle", s)[:1].lower() + s[1:]),
    "trim": lambda s: _s("trim", s).strip(),
    "trimAll": lambda cutset, s: _s("trimAll", s).strip(_s("trimAll", cutset)),
    "trimPrefix": lambda p, s: _s("trimPrefix", s).removeprefix(_s("trimPrefix", p)),
    "trimSuffix": lambda p, s: _s("trimSuffix", s).removesuffix(_s("trimSuffix", p)),
    "replace": lambda old, new, src: _s("replace", src).replace(_s("replace", old), _s("replace", new)),
    "contains": lambda sub, s: _s("contains", sub) in _s("contains", s),
    "hasPrefix": lambda p, s: _s("hasPrefix", s).startswith(_s("hasPrefix", p)),
    "hasSuffix": lambda p, s: _s("hasSuffix", s).endswith(_s("hasSuffix", p)),
    "repeat": lambda n, s: _s("repeat", s) * max(min(to_int64(n), 1_000_000 // max(len(s), 1)), 0),
    "substr": _substr, "trunc": _trunc, "nospace": lambda s: "".join(_s("nospace", s).split()),
    "quote": _quote, "squote": lambda *a: " ".join(f"'{strval(x)}'" for x in a if x is not None),
    "cat": _cat, "indent": _indent, "nindent": lambda n, s: "\n" + _indent(n, s),
    "b64enc": lambda s: base64.b64encode(strval(s).encode()).decode(), "b64dec": _b64dec,
    "toString": strval, "toStrings": lambda v: [strval(x) for x in _list_arg("toStrings", v)],
    "toJson": _to_json, "toPrettyJson": _to_pretty_json, "toRawJson": _to_json, "fromJson": _from_json,
    "default": _default, "empty": empty, "coalesce": _coalesce, "ternary": _ternary,
    "list": lambda *a: list(a), "dict": _dict,
    "get": lambda d, k: _map("get", d).get(strval(k), ""), "set": _set,
    "unset": lambda d, k: (_map("unset", d).pop(strval(k), None), d)[1],
    "keys": _keys, "values": lambda d: list(_map("values", d).values()),
    "hasKey": lambda d, k: strval(k) in _map("hasKey", d),
    "first": _first, "last": _last, "rest": lambda v: _list_arg("rest", v)[1:],
    "initial": lambda v: _list_arg("initial", v)[:-1], "uniq": _uniq,
    "append": lambda v, x: [*_list_arg("append", v), x], "prepend": lambda v, x: [x, *_list_arg("prepend", v)],
    "reverse": lambda v: list(reversed(_list_arg("reverse", v))),
    "has": lambda x, v: x in _list_arg("has", v),
    "join": _join, "split": _split, "splitList": lambda sep, s: _s("splitList", s).split(_s("splitList", sep)),
    "sortAlpha": lambda v: sorted(strval(x) for x in (v if isinstance(v, (list, tuple)) else [v])),
    "atoi": lambda s: int(s) if isinstance(s, str) and re.fullmatch(r"[+-]?[0-9]+", s) else 0,
    "int": to_int64, "int64": to_int64, "float64": to_float64,
    "add": lambda *a: sum(to_int64(x) for x in a), "add1": lambda a: to_int64(a) + 1,
    "sub": _int_op(lambda a, b: a - b), "mul": lambda *a: math.prod(to_int64(x) for x in a),
    "div": _div, "mod": _mod,
    "max": lambda a, *r: max([to_int64(a), *(to_int64(x) for x in r)]),
    "min": lambda a, *r: min([to_int64(a), *(to_int64(x) for x in r)]),
    "round": _round, "floor": lambda a: float(math.floor(to_float64(a))),
    "ceil": lambda a: float(math.ceil(to_float64(a))),
    "until": _until, "seq": _seq,
    "regexMatch": _regex_match, "regexFind": _regex_find, "regexFindAll": _regex_find_all,
    "regexReplaceAll": _regex_replace_all,
    "regexReplaceAllLiteral": lambda p, s, r: _regex("regexReplaceAllLiteral", p).sub(
        lambda _m: _s("regexReplaceAllLiteral", r), _s("regexReplaceAllLiteral", s)),
    "regexSplit": lambda p, s, n: _regex("regexSplit", p).split(_s("regexSplit", s),
                                                                 maxsplit=max(to_int64(n) - 1, 0)),
    "sha1sum": lambda s: hashlib.sha1(strval(s).encode()).hexdigest(),
    "sha256sum": lambda s: hashlib.sha256(strval(s).encode()).hexdigest(),
    "randAlphaNum": _rand_alpha_num,
}
