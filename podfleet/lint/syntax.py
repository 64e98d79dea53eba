"""Syntax checks lint borrows from the rest of podfleet: expressions, durations, cron.

Each function returns None when the text is fine and a short reason when it is not, so
the checkers can attach the reason to a field path. Lint must never crash on input the
parsers dislike, so anything a parser raises becomes a reason; a parser that is missing
(or broken by a bug of its own) makes the check silently pass — a missing check is
better than a false error on a valid workflow.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from podfleet.durations import parse_duration
from podfleet.errors import PodfleetError
from podfleet.lint.cron import cron_problem
from podfleet.lint.tags import PLACEHOLDER, blank_tags, is_templated


@lru_cache(maxsize=None)
def _parser(module: str) -> Callable[[str], Any] | None:
    try:
        return getattr(importlib.import_module(module), "parse", None)
    except Exception:  # not written yet, or broken: the check is skipped, never a false error
        return None


def _reason(error: PodfleetError) -> str:
    return getattr(error, "reason", None) or error.message


@lru_cache(maxsize=4096)
def expr_problem(source: str) -> str | None:
    """Why `source` is not an expr-lang expression (`depends`, `expression:`, `{{= }}`), or None."""
    parse = _parser("podfleet.expressions.exprlang")
    if parse is None:
        return None
    try:
        parse(source)
    except PodfleetError as error:
        return _reason(error)
    except Exception:  # a bug in the parser is not the user's problem
        return None
    return None


@lru_cache(maxsize=4096)
def govaluate_problem(when: str) -> str | None:
    """Why a `when` is not govaluate after its tags are substituted (by placeholders), or None."""
    parse = _parser("podfleet.expressions.govaluate")
    if parse is None:
        return None
    try:
        parse(blank_tags(when, PLACEHOLDER))
    except PodfleetError as error:
        return _reason(error)
    except Exception:
        return None
    return None


def duration_problem(value: Any, *, allow_days: bool = False) -> str | None:
    """Why `value` is not a duration (bare seconds or Go form), or None; templated values pass."""
    if is_templated(value):
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return f"invalid duration {value!r}: must be a string such as '30s' or a number of seconds"
    try:
        parse_duration(value, allow_days=allow_days)
    except PodfleetError as error:
        return error.message
    return None


def schedule_problem(schedule: Any) -> str | None:
    if not isinstance(schedule, str):
        return f"cron schedule {schedule!r} is malformed: must be a string"
    reason = cron_problem(schedule)
    return f"cron schedule {schedule} is malformed: {reason}" if reason else None


__all__ = ["expr_problem", "govaluate_problem", "duration_problem", "schedule_problem"]
