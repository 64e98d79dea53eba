"""Durations the way Argo reads them.

Argo accepts Go durations (`"1h30m"`, `"10s"`, `"1.5m"`, `"300ms"`) and, in places such
as `suspend.duration` and `retryStrategy.backoff.duration`, a bare number meaning
seconds (`"20"`, `20`). Both forms are parsed here so lint and the controller agree.
"""

from __future__ import annotations

import re

from podfleet.errors import InvalidError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
# Go also allows a day unit nowhere; Argo's suspend additionally accepts "d" via its own parser.
_UNITS_WITH_DAYS = {**_UNITS, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")


def parse_duration(value: str | int | float, *, allow_days: bool = False) -> float:
    """Seconds in `value`; raises InvalidError naming the value when it is not a duration."""
    if isinstance(value, bool):
        raise InvalidError(f"invalid duration {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise InvalidError(f"invalid duration {value!r}: must not be negative")
        return float(value)
    text = str(value).strip()
    if not text:
        raise InvalidError("invalid duration '': empty")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    units = _UNITS_WITH_DAYS if allow_days else _UNITS
    total, pos = 0.0, 0
    for match in _PART.finditer(text):
        if match.start() != pos or match.group(2) not in units:
            break
        total += float(match.group(1)) * units[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise InvalidError(f"invalid duration {value!r}: expected a number of seconds or a Go duration like '90s', '1m30s', '2h'")
    if sign < 0:
        raise InvalidError(f"invalid duration {value!r}: must not be negative")
    return total


def format_duration(seconds: float) -> str:
    """Short human form used in trees and tables: `45s`, `3m12s`, `1h2m`."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60}s" if s % 60 else f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60}m"
