"""SQLiteStore: the store contract on one SQLite file (WAL mode).

Where the SQL runs — on the event loop thread, directly. Every store call is one short
transaction with no `await` inside it, over local I/O. Measured on the project machine
(bench/store_call_cost.py, 2 shared cores, several runs): a `get` costs ~8 us and a
1-node `update` ~50-60 us on the loop; through a one-thread executor the same calls
cost ~40-130 us and ~80-210 us with the loop idle, and 0.1-14 ms with the loop busy,
because the worker must wait for the GIL (switch interval 5 ms) and the loop for its
turn — slower and far less predictable. A worker thread
would buy only one thing: not blocking the loop while another process holds the
write lock. That one thing is handled differently here: the connection's busy_timeout
is short (BUSY_MS = 20 ms), and a write that still finds the file locked is retried with
`asyncio.sleep` back-off until `lock_timeout`, so the loop keeps serving other work
while it waits. When the lock outlives `lock_timeout` the caller gets
StoreLockedError (a TransientError and a StoreError).

Each call yields to the loop once before its transaction (asyncio.sleep(0), a few us),
so loops of store calls stay fair to other tasks. Reading a 10,000-node Workflow
whole takes ~30 ms and holds the loop that long; readers that do not need the nodes
should pass with_nodes=False.

Because no transaction spans an `await`, two coroutines of one process can never hold
or wait for the lock at the same time, and cancellation cannot leave a transaction
half-done.

Watch: writes made through this instance wake its watchers at once (an asyncio.Event
swapped on every write); writes by other processes are found by polling the events
table every `poll_interval` seconds, which is one indexed range query.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from podfleet.errors import InvalidError, StoreError

from . import events as ev
from . import leases, objects
from .codec import Obj, loads
from .contract import WatchEvent
from .schema import connect
from .sqlerrors import StoreLockedError, is_busy, translate

T = TypeVar("T")

BUSY_MS = 20


class _Busy(Exception):
    """Internal: the file was locked; the transaction was rolled back and may be retried."""


class SQLiteStore:
    """The Store contract (podfleet.store.contract.Store) on an SQLite file."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, lock_timeout: float = 5.0,
                 poll_interval: float = 0.075, keep_events: int = 10_000, max_event_age: float = 3600.0,
                 trim_every: int = 256, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        self._lock_timeout = lock_timeout
        self._poll_interval = poll_interval
        self._keep_events = keep_events
        self._max_event_age = max_event_age
        self._trim_every = trim_every
        self._clock = clock
        self._writes_since_trim = 0
        self._wakeup = asyncio.Event()
        self.last_write: objects.WriteStats | None = None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")

    # -- transactions ---------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._conn

    def _run_once(self, fn: Callable[[sqlite3.Connection], T], write: bool) -> T:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            raise (_Busy() if is_busy(exc) else translate(exc, self.path)) from None
        try:
            result = fn(conn)
            conn.execute("COMMIT")
            return result
        except sqlite3.Error as exc:
            self._rollback(conn)
            raise (_Busy() if is_busy(exc) else translate(exc, self.path)) from None
        except BaseException:
            self._rollback(conn)
            raise

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:  # the original error is the one worth reporting
                pass

    async def _txn(self, fn: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        """Run `fn` in one transaction, retrying while another process holds the lock."""
        # Yield once first: every call is then a real suspension point, so a coroutine
        # looping over store calls cannot starve the rest of the loop.
        await asyncio.sleep(0)
        deadline: float | None = None
        delay = 0.002
        while True:
            try:
                return self._run_once(fn, write)
            except _Busy:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self._lock_timeout
                if now >= deadline:
                    raise StoreLockedError(
                        f"the store {self.path} stayed locked by another process for "
                        f"{self._lock_timeout:g}s; retry later", delay=1.0) from None
                await asyncio.sleep(min(delay, deadline - now))
                delay = min(delay * 2, 0.1)

    async def _write(self, fn: Callable[[sqlite3.Connection], tuple[T, objects.WriteStats]]) -> T:
        result, stats = await self._txn(fn, write=True)
        self.last_write = stats
        self._notify()
        self._writes_since_trim += 1
        if self._writes_since_trim >= self._trim_every:
            self._writes_since_trim = 0
            try:
                await self.trim_events()
            except StoreLockedError:
                pass  # the write itself succeeded; trimming waits for a later write
        return result

    def _notify(self) -> None:
        fired, self._wakeup = self._wakeup, asyncio.Event()
        fired.set()

    # -- objects --------------------------------------------------------------------

    async def create(self, obj: Obj) -> Obj:
        now = self._clock()
        return await self._write(lambda c: objects.create(c, obj, now))

    async def get(self, kind: str, namespace: str, name: str, *, with_nodes: bool = True) -> Obj:
        return await self._txn(lambda c: objects.get(c, kind, namespace, name, with_nodes=with_nodes),
                               write=False)

    async def list(self, kind: str, namespace: str | None = None, *,
                   label_selector: Mapping[str, str] | None = None, with_nodes: bool = False) -> list[Obj]:
        return await self._txn(
            lambda c: objects.list_objects(c, kind, namespace, label_selector, with_nodes=with_nodes),
            write=False)

    async def update(self, obj: Obj, *, nodes: Mapping[str, Obj] | None = None,
                     deleted_nodes: list[str] | None = None) -> Obj:
        now = self._clock()
        return await self._write(lambda c: objects.update(c, obj, nodes, deleted_nodes, now))

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        now = self._clock()
        await self._write(lambda c: (None, objects.delete(c, kind, namespace, name, now)))

    # -- watch ----------------------------------------------------------------------

    def resource_version(self) -> int:
        """The newest resourceVersion in the store (synchronous: one indexed read)."""
        try:
            return self._run_once(objects.current_rv, False)
        except _Busy:
            raise StoreLockedError(f"the store {self.path} is locked by another process; retry later") from None

    def watch(self, kind: str | None = None, namespace: str | None = None, *,
              since: int | None = None) -> AsyncIterator[WatchEvent]:
        """Changes after `since`, in resourceVersion order, until the store is closed.

        "Now" (since=None) is taken when watch() is called, not when iteration starts,
        so `w = store.watch(); items = await store.list(...); async for e in w` misses
        nothing (events already reflected in `items` may repeat).
        """
        start = self.resource_version() if since is None else int(since)
        if start < 0:
            raise InvalidError(f"since must be a resourceVersion (>= 0), not {since}")
        return self._watch(kind, objects.filter_namespace(kind, namespace), start)

    async def _watch(self, kind: str | None, namespace: str | None, after: int) -> AsyncIterator[WatchEvent]:
        limit = 512
        while self._conn is not None:
            wakeup = self._wakeup  # taken before reading, so a write after the read still wakes us
            rows, after = await self._txn(lambda c: ev.read_events(c, after, kind, namespace, limit),
                                          write=False)
            for row in rows:
                obj = loads(row.body) if row.body is not None else None
                yield WatchEvent(row.type, row.kind, row.namespace, row.name, row.seq, obj)  # type: ignore[arg-type]
            if len(rows) < limit:
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
                    # cancellation that races with the wake-up, leaving the watch unkillable.
                    async with asyncio.timeout(self._poll_interval):
                        await wakeup.wait()
                except TimeoutError:
                    pass
                except RuntimeError:
                    # The event was bound to an earlier event loop (the store outlived an
                    # asyncio.run); give this loop a fresh one and read again.
                    if self._wakeup is wakeup:
                        self._wakeup = asyncio.Event()

    async def trim_events(self) -> int:
        """Drop old events now (also done every `trim_every` writes); returns how many."""
        now = self._clock()
        return await self._txn(lambda c: ev.trim(c, keep=self._keep_events, max_age=self._max_event_age,
                                                 now=now), write=True)

    # -- leases ---------------------------------------------------------------------

    async def acquire_lease(self, key: str, holder: str, ttl_seconds: float) -> bool:
        if not key or not holder:
            raise InvalidError("a lease needs a key and a holder")
        if not ttl_seconds > 0:
            raise InvalidError(f"a lease's ttl_seconds must be positive, not {ttl_seconds}")
        now = self._clock()
        return await self._txn(lambda c: leases.acquire(c, key, holder, float(ttl_seconds), now), write=True)

    async def release_lease(self, key: str, holder: str) -> None:
        await self._txn(lambda c: leases.release(c, key, holder), write=True)

    async def lease_holder(self, key: str) -> str | None:
        """Who holds `key` now (None when free or expired)."""
        now = self._clock()
        return await self._txn(lambda c: leases.holder(c, key, now), write=False)

    # -- lifetime -------------------------------------------------------------------

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self._notify()  # watchers see the store closed and end
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from None

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()


def open_sqlite_store(path: Path, **options: Any) -> SQLiteStore:
    """Open (creating when absent) the store file at `path`."""
    lock_timeout = float(options.get("lock_timeout", 5.0))
    conn = connect(Path(path), busy_timeout_ms=int(lock_timeout * 1000))
    store = SQLiteStore(conn, Path(path), **options)
    try:
        store._run_once(lambda c: ev.trim(c, keep=store._keep_events, max_age=store._max_event_age,
                                          now=store._clock()), True)
    except _Busy:
        pass  # another process is writing; trimming can wait for a later write
    return store


__all__ = ["SQLiteStore", "open_sqlite_store"]
