"""Go methods on time.Time and time.Duration that expressions call, e.g. `(now() - t).Seconds() > 360`."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from podfleet.expressions.gocompat import format_duration, format_time


def _ns(d: _dt.timedelta) -> int:
    return (d.days * 86400 + d.seconds) * 1_000_000_000 + d.microseconds * 1000


def _aware(t: _dt.datetime) -> _dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)


def time_method(base: Any, name: str) -> Callable[..., Any] | None:
    """The bound Go method `name` of a duration or time, or None if Go has no such method."""
    if isinstance(base, _dt.timedelta):
        d = base
        methods: dict[str, Callable[..., Any]] = {
            "Seconds": lambda: _ns(d) / 1e9, "Minutes": lambda: _ns(d) / 6e10, "Hours": lambda: _ns(d) / 3.6e12,
            "Milliseconds": lambda: _ns(d) // 1_000_000, "Microseconds": lambda: _ns(d) // 1000,
            "Nanoseconds": lambda: _ns(d), "String": lambda: format_duration(d), "Abs": lambda: abs(d),
        }
        return methods.get(name)
    t = _aware(base)
    methods = {
        "Unix": lambda: int(t.timestamp()), "UnixMilli": lambda: int(t.timestamp() * 1000),
        "Year": lambda: t.year, "Month": lambda: t.month, "Day": lambda: t.day, "Hour": lambda: t.hour,
        "Minute": lambda: t.minute, "Second": lambda: t.second, "Weekday": lambda: (t.weekday() + 1) % 7,
        "YearDay": lambda: t.timetuple().tm_yday, "UTC": lambda: t.astimezone(_dt.timezone.utc),
        "Format": lambda layout: format_time(t, layout), "Sub": lambda other: t - _aware(other),
        "Add": lambda d: t + d, "Before": lambda other: t < _aware(other), "After": lambda other: t > _aware(other),
        "Equal": lambda other: t == _aware(other), "IsZero": lambda: t.year == 1 and t.month == 1 and t.day == 1,
        "String": lambda: format_time(t, "2006-01-02 15:04:05.999999999 -0700 MST"),
    }
    return methods.get(name)
