"""Leases: which process runs which workflow.

Take-or-renew is one upsert whose DO UPDATE only fires when the row is ours or has
expired, so two processes racing for the same key cannot both win: the statement runs
under the write lock (BEGIN IMMEDIATE) and exactly one of them changes the row.
Expiry uses wall-clock time (`time.time`), the only clock processes share; a lease
should therefore be much longer than the clock skew between them (on one machine, 0).
"""

from __future__ import annotations

import sqlite3

_SQL_ACQUIRE = (
    "INSERT INTO leases (key, holder, expires_at) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?"
)
_SQL_RELEASE = "DELETE FROM leases WHERE key = ? AND holder = ?"
_SQL_HOLDER = "SELECT holder, expires_at FROM leases WHERE key = ?"


def acquire(conn: sqlite3.Connection, key: str, holder: str, ttl_seconds: float, now: float) -> bool:
    return conn.execute(_SQL_ACQUIRE, (key, holder, now + ttl_seconds, now)).rowcount == 1


def release(conn: sqlite3.Connection, key: str, holder: str) -> None:
    conn.execute(_SQL_RELEASE, (key, holder))


def holder(conn: sqlite3.Connection, key: str, now: float) -> str | None:
    row = conn.execute(_SQL_HOLDER, (key,)).fetchone()
    if row is None or row[1] <= now:
        return None
    return str(row[0])


__all__ = ["acquire", "release", "holder"]
