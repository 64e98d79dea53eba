"""RFC 3339 timestamps as Argo shows them (`2026-11-28T10:00:00Z`): models keep strings,
these helpers convert for arithmetic. Argo (metav1.Time) writes whole seconds in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from podfleet.errors import InvalidError


def format_time(value: datetime | float) -> str:
    """A datetime (naive = UTC) or a Unix time as `YYYY-MM-DDTHH:MM:SSZ`."""
    if isinstance(value, (int, float)):
        dt = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        dt = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_str() -> str:
    return format_time(datetime.now(timezone.utc))


def parse_time(text: str) -> datetime:
    """An RFC 3339 string (`Z` or an offset, optional fraction) as an aware UTC datetime."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise InvalidError(f"invalid timestamp {text!r}: expected RFC 3339 like 2026-11-28T10:00:00Z") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def to_unix(text: str) -> float:
    return parse_time(text).timestamp()


def seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from `start` to `end` (None when either is missing)."""
    if not start or not end:
        return None
    return (parse_time(end) - parse_time(start)).total_seconds()


__all__ = ["format_time", "now_str", "parse_time", "to_unix", "seconds_between"]
