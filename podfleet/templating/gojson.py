"""Go's string forms of values, as Argo's templating shows them to users.

Argo builds every substituted value with Go: `json.Marshal` (compact, map keys
sorted, `<>&` escaped as `\\u003c`..., floats `1` not `1.0`), `strconv.Quote`
(which can emit escapes JSON does not accept, making substitution fail), and
`fmt.Sprint` of floats (`1e+06`). Users see these strings in parameters, so
podfleet reproduces them here instead of using Python's `json.dumps`/`str`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass
from typing import Any

from podfleet.gofloat import format_float as go_float


@dataclass(frozen=True)
class GoNumber:
    """A JSON number kept as its source text (Go's `json.RawMessage` keeps `1.0` as `1.0`)."""

    text: str

    def __str__(self) -> str:
        return self.text


def loads_raw(text: str) -> Any:
    """Parse JSON keeping numbers as written (`GoNumber`), the way Argo's `Item` keeps raw JSON."""
    return json.loads(text, parse_int=GoNumber, parse_float=GoNumber, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def format_float(value: float, *, json_style: bool = True) -> str:
    """Go's encoding/json float (json_style: NaN and ±Inf are errors) or `fmt.Sprint` float."""
    if json_style and (math.isnan(value) or math.isinf(value)):
        raise ValueError(f"json: unsupported value: {go_float(value)}")
    return go_float(value, json_style=json_style)


def go_sprint(value: Any) -> str:
    """`fmt.Sprint` for the scalar shapes Argo prints (bools, ints, floats, strings)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return format_float(value, json_style=False)
    return str(value)


_SHORT_QUOTE = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                "\v": "\\v", "\\": "\\\\", '"': '\\"'}


def go_quote(text: str) -> str:
    """Go's `strconv.Quote`: printable characters as they are, the rest as Go escapes."""
    out = ['"']
    for ch in text:
        short = _SHORT_QUOTE.get(ch)
        if short is not None:
            out.append(short)
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            if code < 0x80:
                out.append(f"\\x{code:02x}")
            elif 0xD800 <= code <= 0xDFFF:
                out.append("\\ufffd")  # a lone surrogate is invalid UTF-8 to Go
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def json_string(text: str, *, escape_html: bool = True) -> str:
    """A Go-encoded JSON string literal."""
    out = json.dumps(text, ensure_ascii=False)
    out = out.replace("\\u0008", "\\b").replace("\\u000c", "\\f")
    if any("\ud800" <= c <= "\udfff" for c in text):  # Go sees invalid UTF-8 and writes U+FFFD
        out = "".join("\\ufffd" if "\ud800" <= c <= "\udfff" else c for c in out)
    out = out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    if escape_html:
        out = out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return out


def marshal(value: Any, *, sort_keys: bool = True, escape_html: bool = True) -> str:
    """Go's `json.Marshal`: compact; dict keys sorted like a Go map unless `sort_keys=False`
    (a Go struct, whose fields keep declaration order — pass the dict in that order)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, GoNumber):
        return value.text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return json_string(value, escape_html=escape_html)
    if isinstance(value, dict):
        keys = sorted(value, key=str) if sort_keys else list(value)
        return "{" + ",".join(
            json_string(str(k), escape_html=escape_html) + ":"
            + marshal(value[k], sort_keys=sort_keys, escape_html=escape_html) for k in keys) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(marshal(v, sort_keys=sort_keys, escape_html=escape_html) for v in value) + "]"
    if isinstance(value, _dt.datetime):
        return json_string(rfc3339(value, nano=True), escape_html=escape_html)
    if isinstance(value, _dt.timedelta):
        # time.Duration marshals as integer nanoseconds
        return str((value.days * 86400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000)
    raise ValueError(f"json: unsupported type: {type(value).__name__}")


def json_fix(text: str) -> str:
    """Undo encoding/json's HTML escaping (Argo's `jsonutil.Fix`)."""
    return text.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")


def to_utc(value: _dt.datetime) -> _dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc)


def rfc3339(value: _dt.datetime, *, nano: bool = False) -> str:
    """Go's time.RFC3339 (seconds) or RFC3339Nano (trailing zeros trimmed), in UTC as `Z`."""
    value = to_utc(value)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if nano and value.microsecond:
        text += ("." + f"{value.microsecond:06d}").rstrip("0")
    return text + "Z"


def parse_time(value: Any) -> _dt.datetime | None:
    """An RFC 3339 string or datetime from a dumped model, as an aware datetime (None if empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return to_utc(value)
    if isinstance(value, str):
        try:
            return to_utc(_dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None
