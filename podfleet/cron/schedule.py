"""When a CronWorkflow falls due: the latest fire time of its schedules in (after, now]."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta, timezone
from typing import Any

from croniter import croniter

from podfleet.durations import parse_duration
from podfleet.errors import InvalidError

_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


def schedules_of(spec: dict[str, Any]) -> list[str]:
    """`spec.schedules`, else the legacy `spec.schedule` (comma separated in some Argo versions)."""
    listed = spec.get("schedules")
    if isinstance(listed, list) and listed:
        return [str(s).strip() for s in listed if str(s).strip()]
    single = spec.get("schedule")
    if isinstance(single, str) and single.strip():
        return [single.strip()]
    return []


def _zone(name: str | None) -> zoneinfo.ZoneInfo | timezone:
    if not name:
        return timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidError(f"unknown timezone {name!r}", field_path="spec.timezone") from None


def _latest_cron(expr: str, after: datetime, now: datetime) -> datetime | None:
    if not croniter.is_valid(expr):
        raise InvalidError(f"invalid cron schedule {expr!r}", field_path="spec.schedules")
    # croniter's get_prev is strictly before its start: start just past `now`.
    it = croniter(expr, now + timedelta(seconds=1))
    for _ in range(3):
        moment: datetime = it.get_prev(datetime)
        if moment <= now:
            return moment if moment > after else None
    return None


def last_due(schedule: str, *, after: datetime, now: datetime, timezone_name: str | None = None) -> datetime | None:
    """The latest time `schedule` fired in (after, now], or None. Times are timezone-aware."""
    expr = schedule.strip()
    zone_name = timezone_name
    if expr.startswith(("TZ=", "CRON_TZ=")):
        prefix, _, expr = expr.partition(" ")
        zone_name = prefix.split("=", 1)[1]
        expr = expr.strip()
    zone = _zone(zone_name)
    if expr.startswith("@every"):
        try:
            interval = parse_duration(expr[len("@every"):].strip())
        except Exception:  # noqa: BLE001 — any parse failure is the user's bad schedule
            raise InvalidError(f"invalid cron schedule {schedule!r}") from None
        if interval <= 0:
            raise InvalidError(f"invalid cron schedule {schedule!r}: the interval must be positive")
        steps = int((now - after).total_seconds() // interval)
        return after + timedelta(seconds=steps * interval) if steps >= 1 else None
    expr = _DESCRIPTORS.get(expr, expr)
    moment = _latest_cron(expr, after.astimezone(zone), now.astimezone(zone))
    return moment.astimezone(timezone.utc) if moment is not None else None


def latest_due(spec: dict[str, Any], *, after: datetime, now: datetime) -> datetime | None:
    """The latest due time over every schedule of a CronWorkflow spec."""
    found = [last_due(s, after=after, now=now, timezone_name=spec.get("timezone") or None)
             for s in schedules_of(spec)]
    due = [t for t in found if t is not None]
    return max(due) if due else None


__all__ = ["schedules_of", "last_due", "latest_due"]
