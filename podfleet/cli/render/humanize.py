"""Times and durations written the way the `argo` CLI writes them.

Users compare podfleet's output with Argo's docs and muscle memory, so the
wording has to match: `argo get` says "5 minutes ago" and "1 minute 30 seconds",
its tree and `argo list` say "5s"/"1m"/"2h" (a single truncated unit), and
kubectl-style tables say "1h12m". Every function takes `now` explicitly so the
output is reproducible in tests and stable within one redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

_US = 1
_SECOND = 1_000_000 * _US
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_MONTH = 30 * _DAY
_YEAR = 12 * _MONTH
_LONG_TIME = 37 * _YEAR
_FOREVER = 1 << 62


@dataclass(frozen=True)
class _Magnitude:
    """Below `upto` microseconds, write `fmt` (`%d` = diff // `div`, `%s` = the label)."""

    upto: int
    fmt: str
    div: int = 1


# "5 minutes ago" for timestamps.
_AGO = (
    _Magnitude(_SECOND, "now"),
    _Magnitude(2 * _SECOND, "1 second %s"),
    _Magnitude(_MINUTE, "%d seconds %s", _SECOND),
    _Magnitude(2 * _MINUTE, "1 minute %s"),
    _Magnitude(_HOUR, "%d minutes %s", _MINUTE),
    _Magnitude(2 * _HOUR, "1 hour %s"),
    _Magnitude(_DAY, "%d hours %s", _HOUR),
    _Magnitude(2 * _DAY, "1 day %s"),
    _Magnitude(_WEEK, "%d days %s", _DAY),
    _Magnitude(2 * _WEEK, "1 week %s"),
    _Magnitude(_MONTH, "%d weeks %s", _WEEK),
    _Magnitude(2 * _MONTH, "1 month %s"),
    _Magnitude(_YEAR, "%d months %s", _MONTH),
    _Magnitude(18 * _MONTH, "1 year %s"),
    _Magnitude(2 * _YEAR, "2 years %s"),
    _Magnitude(_LONG_TIME, "%d years %s", _YEAR),
    _Magnitude(_FOREVER, "a long while %s"),
)

# The leading unit of a long duration ("1 minute", "5 hours").
_LONG_UNIT = (_Magnitude(_SECOND, "0 seconds"),) + _AGO[1:]

# "5s", "1m", "3h", "2d" for tree and list columns.
_SHORT = (
    _Magnitude(_SECOND, "0s"),
    _Magnitude(2 * _SECOND, "1s %s"),
    _Magnitude(_MINUTE, "%ds %s", _SECOND),
    _Magnitude(2 * _MINUTE, "1m %s"),
    _Magnitude(_HOUR, "%dm %s", _MINUTE),
    _Magnitude(2 * _HOUR, "1h %s"),
    _Magnitude(_DAY, "%dh %s", _HOUR),
    _Magnitude(2 * _DAY, "1d %s"),
    _Magnitude(_WEEK, "%dd %s", _DAY),
)


def parse_time(value: object) -> datetime | None:
    """An aware datetime from an RFC 3339 string or datetime; None when absent or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    # Go's zero time is how an unset metav1.Time sometimes gets serialised.
    if parsed.year <= 1:
        return None
    return parsed


def now_or(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _rel(a: datetime, b: datetime, before: str, after: str, table: tuple[_Magnitude, ...]) -> str:
    label, diff = before, _micros(b - a)
    if diff < 0:
        label, diff = after, -diff
    mag = next((m for m in table if m.upto > diff), table[-1])
    out = mag.fmt.replace("%d", str(diff // mag.div)) if "%d" in mag.fmt else mag.fmt
    return out.replace("%s", label).strip()


def time_ago(ts: datetime, now: datetime | None = None) -> str:
    """`5 minutes ago`, `now`, `2 hours from now`."""
    return _rel(ts, now_or(now), "ago", "from now", _AGO)


def timestamp(ts: datetime, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """`Sat Nov 28 10:25:50 +0000 (5 minutes ago)`, shown in `tz` (default: local time)."""
    shown = ts.astimezone(tz) if tz is not None else ts.astimezone()
    return f"{shown.strftime('%a %b %d %H:%M:%S %z')} ({time_ago(ts, now)})"


def _leading_unit(micros: int) -> str:
    start = datetime(2000, 1, 1, tzinfo=timezone.utc)
    return _rel(start, start + timedelta(microseconds=micros), "", "", _LONG_UNIT)


def duration_long(seconds: float) -> str:
    """`42 seconds`, `1 minute 30 seconds`, `2 hours 5 minutes`, `1 day 3 hours`."""
    micros = int(round(seconds * _SECOND))
    first = _leading_unit(micros)
    if seconds < 60:
        return first
    if seconds < 3600:
        return f"{first} {int(seconds % 60)} seconds"
    if seconds < 86400:
        return f"{first} {int((seconds / 60) % 60)} minutes"
    return f"{first} {int((seconds / 3600) % 24)} hours"


def relative_duration(start: datetime | None, finish: datetime | None,
                      now: datetime | None = None) -> str:
    """Long-form duration between two times; an open end is measured to `now`."""
    if start is not None and finish is None:
        finish = now_or(now)
    if start is None or finish is None:
        return duration_long(0)
    return duration_long((finish - start).total_seconds())


def relative_duration_short(start: datetime | None, finish: datetime | None,
                            now: datetime | None = None) -> str:
    """`5s`, `1m`, `3h`, `2d`; an open end is measured to `now`, no start reads `0s`."""
    if start is None:
        return "0s"
    end = finish if finish is not None else now_or(now)
    return _rel(start, end, "", "", _SHORT)


def kube_age(seconds: float) -> str:
    """kubectl's AGE column: `45s`, `3m20s`, `1h12m`, `5d3h`, `2y10d`."""
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        return f"{hours // 24 // 365}y{rest}d" if rest else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def go_duration(seconds: int) -> str:
    """Go's `time.Duration.String()` for whole seconds: `0s`, `45s`, `1m5s`, `2h0m3s`."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


__all__ = [
    "parse_time", "now_or", "time_ago", "timestamp", "duration_long", "relative_duration",
    "relative_duration_short", "kube_age", "go_duration",
]
