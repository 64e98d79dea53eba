"""CronWorkflow scheduling, as Argo's cron controller does it.

`schedule.py` answers "when did this CronWorkflow last fall due?" (standard five-field
specs via croniter, `@every`, `TZ=` prefixes, `spec.timezone`); `scheduler.py` turns a
due time into a Workflow while honouring suspend, `when`, startingDeadlineSeconds,
concurrencyPolicy and the history limits. The clock is injected, so tests decide what
"now" is instead of waiting for the minute.
"""

from podfleet.cron.schedule import last_due, schedules_of
from podfleet.cron.scheduler import CronScheduler

__all__ = ["CronScheduler", "last_due", "schedules_of"]
