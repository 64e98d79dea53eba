"""Turn sqlite3 exceptions into podfleet's error vocabulary.

A raw `sqlite3.DatabaseError: file is not a database` tells a user nothing about which
file or what to do, so every sqlite3 call in the store goes through `translate`, which
names the store file and the way out. Lock contention is kept apart (`is_busy`) because
it is the one failure that goes away by itself: the store retries it, and only when the
lock outlives the store's patience does the caller see `StoreLockedError`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from podfleet.errors import ConflictError, StoreError, TransientError


class StoreLockedError(TransientError, StoreError):
    """Another process held the store's write lock for longer than the store waits.

    Both a TransientError (retrying later can work) and a StoreError (the store is
    unusable right now), so either `except` catches it.
    """


class ResourceVersionTooOldError(ConflictError):
    """A watch asked for changes after a resourceVersion whose events were trimmed
    (Kubernetes' `410 Gone`): list again and watch from the list's resourceVersion."""


_BUSY_CODES = {"SQLITE_BUSY", "SQLITE_LOCKED"}


def is_busy(exc: sqlite3.Error) -> bool:
    """True when the error is lock contention (another connection is writing)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if any(name.startswith(code) for code in _BUSY_CODES):
        return True
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text or "database is busy" in text


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """A StoreError that names the file and says what to do."""
    text = str(exc)
    lowered = text.lower()
    if "file is not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return StoreError(
            f"{path} is not a readable podfleet store ({text}); it may be corrupt or another program's file. "
            f"Move it aside to start a new empty store, or point PODFLEET_HOME at another folder.")
    if "unable to open database file" in lowered:
        return StoreError(
            f"cannot open the store file {path} ({text}); check that the folder exists, is writable, "
            f"and that the path is not a directory.")
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(f"the store file {path} is read-only ({text}); make it and its folder writable.")
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return StoreError(f"no space left for the store file {path} ({text}); free some disk space.")
    if "disk i/o error" in lowered:
        return StoreError(f"I/O error on the store file {path} ({text}); check the disk and the file's permissions.")
    if is_busy(exc):
        return StoreLockedError(f"the store file {path} is locked by another process ({text}); retry later.")
    return StoreError(f"store {path}: {type(exc).__name__}: {text}")


__all__ = ["StoreLockedError", "ResourceVersionTooOldError", "is_busy", "translate"]
