"""Go behaviours both expression languages need: `%v` printing, JSON marshalling, RE2-ish regexes.

Argo's expression results are Go values printed with `fmt.Sprintf("%v")` or
`json.Marshal`, and users see those strings in parameters and node messages, so
podfleet must print `1e+06`, `[a b]` and `{"a":1}` exactly as Go would, not as
Python would (`1000000.0`, `['a', 'b']`, `{'a': 1}`).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
import re
from functools import lru_cache
from typing import Any

from podfleet.gofloat import format_float


def go_repr(value: Any) -> str:
    """Go's `fmt.Sprintf("%v", value)` for the value shapes expressions produce."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{go_repr(k)}:{go_repr(v)}" for k, v in items) + "]"
    if isinstance(value, _dt.timedelta):
        return format_duration(value)
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f %z").replace(".000000", "")
    if isinstance(value, (bytes, bytearray)):
        return "[" + " ".join(str(b) for b in value) + "]"
    return str(value)


def format_duration(value: _dt.timedelta) -> str:
    """Go's time.Duration.String(): 1h2m3.5s, 150ms, 0s."""
    total_ns = (value.days * 86400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000
    if total_ns == 0:
        return "0s"
    sign = "-" if total_ns < 0 else ""
    ns = abs(total_ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim_frac(ns / size) + unit
    hours, rem = divmod(ns, 3_600_000_000_000)
    minutes, rem = divmod(rem, 60_000_000_000)
    secs = _trim_frac(rem / 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}"
    if minutes:
        return f"{sign}{minutes}m{secs}"
    return sign + secs


def _trim_frac(x: float) -> str:
    text = f"{x:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, _dt.timedelta):
        return (value.days * 86400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return value


def _json_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"json: unsupported value: {format_float(value)}")
        return format_float(value, json_style=True)
    if isinstance(value, str):
        return _json_string(value)
    raise ValueError(f"json: unsupported type: {type(value).__name__}")


def _json_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    # encoding/json escapes HTML-significant characters and the JS line separators.
    return (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def to_json(value: Any, indent: str | None = None) -> str:
    """Go's json.Marshal (indent=None) or json.MarshalIndent(v, "", indent); keys sorted like Go maps."""
    return _marshal(_to_jsonable(value), indent, 0)


def _marshal(value: Any, indent: str | None, depth: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        keys = sorted(value)
        if indent is None:
            return "{" + ",".join(f"{_json_string(k)}:{_marshal(value[k], None, 0)}" for k in keys) + "}"
        pad, inner = indent * depth, indent * (depth + 1)
        body = ",\n".join(f"{inner}{_json_string(k)}: {_marshal(value[k], indent, depth + 1)}" for k in keys)
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if indent is None:
            return "[" + ",".join(_marshal(v, None, 0) for v in value) + "]"
        pad, inner = indent * depth, indent * (depth + 1)
        return "[\n" + ",\n".join(inner + _marshal(v, indent, depth + 1) for v in value) + "\n" + pad + "]"
    return _json_scalar(value)


def from_json(text: str) -> Any:
    """Go's json.Unmarshal into `any`: every number becomes float64."""
    return json.loads(text, parse_int=float, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


_GO_ONLY_ESCAPES = re.compile(r"\\z|\\C|\[\[:(\^?)(\w+):\]\]")
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7F", "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z",
    "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}


@lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Go RE2 pattern with Python's `re`; raises ValueError with RE2-like wording.

    The common RE2 syntax is Python syntax too; the few RE2-only spellings (`\\z`,
    POSIX classes) are translated. Python accepts some things RE2 rejects
    (backreferences, lookaround); those are allowed rather than refused.
    """

    def translate(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "\\z":
            return "\\Z"
        if token == "\\C":
            return "."
        cls = _POSIX_CLASSES.get(m.group(2))
        if cls is None:
            return token
        return f"[{m.group(1)}{cls}]"

    try:
        return re.compile(_GO_ONLY_ESCAPES.sub(translate, pattern))
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        raise ValueError(f"error parsing regexp: {exc}: `{pattern}`") from None


_LAYOUT_TOKENS = re.compile(
    r"January|Jan|Monday|Mon|MST|2006|Z07:00|Z0700|-07:00|-0700|\.0+|\.9+|01|02|_2|15|03|04|05|06|PM|pm|1|2|3|4|5")


def format_time(value: _dt.datetime, layout: str) -> str:
    """Go's Time.Format with a reference-time layout (`2006-01-02T15:04:05Z07:00`)."""

    def zone(colon: bool, z: bool) -> str:
        offset = value.utcoffset() or _dt.timedelta(0)
        if z and offset == _dt.timedelta(0):
            return "Z"
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hh, mm = divmod(abs(minutes), 60)
        return f"{sign}{hh:02d}:{mm:02d}" if colon else f"{sign}{hh:02d}{mm:02d}"

    def token(m: re.Match[str]) -> str:
        t = m.group(0)
        if t.startswith(".0"):
            return "." + f"{value.microsecond:06d}000"[: len(t) - 1]
        if t.startswith(".9"):
            frac = f"{value.microsecond:06d}000"[: len(t) - 1].rstrip("0")
            return "." + frac if frac else ""
        hour12 = value.hour % 12 or 12
        table = {
            "January": value.strftime("%B"), "Jan": value.strftime("%b"), "Monday": value.strftime("%A"),
            "Mon": value.strftime("%a"), "MST": value.tzname() or "UTC", "2006": f"{value.year:04d}",
            "Z07:00": zone(True, True), "Z0700": zone(False, True), "-07:00": zone(True, False),
            "-0700": zone(False, False), "01": f"{value.month:02d}", "02": f"{value.day:02d}",
            "_2": f"{value.day:2d}", "15": f"{value.hour:02d}", "03": f"{hour12:02d}", "04": f"{value.minute:02d}",
            "05": f"{value.second:02d}", "06": f"{value.year % 100:02d}", "PM": "PM" if value.hour >= 12 else "AM",
            "pm": "pm" if value.hour >= 12 else "am", "1": str(value.month), "2": str(value.day),
            "3": str(hour12), "4": str(value.minute), "5": str(value.second),
        }
        return table[t]

    return _LAYOUT_TOKENS.sub(token, layout)
