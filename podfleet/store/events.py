"""The events table: what `watch` reads, and how it is kept short.

Every write appends one event whose seq is the write's resourceVersion, inside the
write's own transaction. Writers are serialised by SQLite's write lock, so events
become visible strictly in seq order, to this process and to every other process on
the file: a reader that has seen seq N never later finds an event below N. That is
what lets a watcher keep a single number (`after`) as its position.

The table is trimmed to the newest `keep` events and to `max_age` seconds; the highest
trimmed seq is remembered in `meta`, so a watch resuming from before it learns that it
missed events (ResourceVersionTooOldError, Kubernetes' 410) instead of skipping them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .objects import current_rv
from .sqlerrors import ResourceVersionTooOldError

_SQL_TRIMMED = "SELECT value FROM meta WHERE key = 'trimmed_through'"
_SQL_SET_TRIMMED = "UPDATE meta SET value = ? WHERE key = 'trimmed_through'"


@dataclass(frozen=True)
class EventRow:
    seq: int
    type: str
    kind: str
    namespace: str
    name: str
    body: bytes | None


def trimmed_through(conn: sqlite3.Connection) -> int:
    return int(conn.execute(_SQL_TRIMMED).fetchone()[0])


def read_events(conn: sqlite3.Connection, after: int, kind: str | None, namespace: str | None,
                limit: int) -> tuple[list[EventRow], int]:
    """Events with seq > after matching the filters, and the position to read from next.

    The position moves past non-matching events too, so a filtered watcher does not
    rescan them on every poll.
    """
    lost = trimmed_through(conn)
    if after < lost:
        raise ResourceVersionTooOldError(
            f"resourceVersion {after} is too old: events up to {lost} were trimmed; list again and "
            f"watch from the newest resourceVersion")
    high = current_rv(conn)
    if high <= after:
        return [], after
    sql = ["SELECT seq, type, kind, namespace, name, body FROM events WHERE seq > ? AND seq <= ?"]
    params: list[object] = [after, high]
    if kind is not None:
        sql.append("AND kind = ?")
        params.append(kind)
    if namespace is not None:
        sql.append("AND namespace = ?")
        params.append(namespace)
    sql.append("ORDER BY seq LIMIT ?")
    params.append(limit)
    rows = [EventRow(*r) for r in conn.execute(" ".join(sql), params).fetchall()]
    position = rows[-1].seq if len(rows) == limit else high
    return rows, position


def trim(conn: sqlite3.Connection, *, keep: int, max_age: float, now: float) -> int:
    """Drop events beyond the newest `keep` or older than `max_age`; returns rows dropped."""
    cutoff = current_rv(conn) - keep
    oldest = conn.execute("SELECT ts FROM events ORDER BY seq LIMIT 1").fetchone()
    if oldest is not None and oldest[0] < now - max_age:  # skip the scan while nothing is old
        aged = conn.execute("SELECT max(seq) FROM events WHERE ts < ?", (now - max_age,)).fetchone()[0]
        cutoff = max(cutoff, int(aged))
    if cutoff <= trimmed_through(conn):
        return 0
    dropped = conn.execute("DELETE FROM events WHERE seq <= ?", (cutoff,)).rowcount
    conn.execute(_SQL_SET_TRIMMED, (cutoff,))
    return dropped


__all__ = ["EventRow", "read_events", "trim", "trimmed_through"]
