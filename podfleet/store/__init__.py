"""The store: podfleet's source of truth (objects, workflow nodes, watch, leases).

`open_store(path)` opens the SQLite implementation; callers should type against the
`Store` protocol in `contract.py` so another backend (PostgreSQL) can replace it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .contract import Obj, Store, WatchEvent
from .objects import WriteStats
from .sqlerrors import ResourceVersionTooOldError, StoreLockedError
from .sqlite import SQLiteStore, open_sqlite_store


def open_store(path: Path, **options: Any) -> SQLiteStore:
    """Open the store file at `path`, creating its folder and the file when absent.

    Options (all optional): lock_timeout (s, default 5), poll_interval (s, 0.075),
    keep_events (10,000), max_event_age (s, 3600). Raises StoreError when the file is
    not a usable podfleet store.
    """
    return open_sqlite_store(Path(path), **options)


__all__ = ["Obj", "Store", "WatchEvent", "WriteStats", "SQLiteStore", "open_store",
           "ResourceVersionTooOldError", "StoreLockedError"]
