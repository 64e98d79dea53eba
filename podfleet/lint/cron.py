"""Is this a cron schedule robfig/cron's `ParseStandard` (Argo's CronWorkflow parser) accepts?

Five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists, ranges,
steps and month/day names, an optional `TZ=`/`CRON_TZ=` prefix, or a descriptor
(`@hourly`, `@every 1h30m`). Only the syntax is checked; when it fires is the
scheduler's business.
"""

from __future__ import annotations

import zoneinfo

from podfleet.durations import parse_duration
from podfleet.errors import PodfleetError

_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
# (name, low, high, names)
_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def _number(text: str, low: int, high: int, names: dict[str, int], what: str) -> int:
    value = names.get(text.lower())
    if value is None:
        if not text.isdigit():
            raise ValueError(f"failed to parse int from {text}")
        value = int(text)
    if value < low or value > high:
        raise ValueError(f"{what} value {value} out of range [{low}, {high}]")
    return value


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> None:
    for part in text.split(","):
        rng, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            raise ValueError(f"bad step {step!r} in {what}")
        if rng in ("*", "?"):
            continue
        start, dash, end = rng.partition("-")
        lo = _number(start, low, high, names, what)
        if dash:
            hi = _number(end, low, high, names, what)
            if lo > hi:
                raise ValueError(f"beginning of range ({lo}) beyond end of range ({hi}) in {what}")


def cron_problem(schedule: str) -> str | None:
    """Why `schedule` is not a valid standard cron spec, or None."""
    spec = schedule.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        zone, _, spec = spec.partition(" ")
        try:
            zoneinfo.ZoneInfo(zone.split("=", 1)[1])
        except Exception:
            return f"provided bad location {zone.split('=', 1)[1]}"
        spec = spec.strip()
    if not spec:
        return "empty spec string"
    if spec.startswith("@"):
        if spec.startswith("@every "):
            try:
                parse_duration(spec[len("@every "):].strip())
            except PodfleetError:
                return f"failed to parse duration {spec}"
            return None
        return None if spec in _DESCRIPTORS else f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: {fields}"
    try:
        for text, (what, low, high, names) in zip(fields, _FIELDS):
            _field(text, low, high, names, what)
    except ValueError as error:
        return str(error)
    return None


__all__ = ["cron_problem"]
