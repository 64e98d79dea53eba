"""The store's file: opening it, recognising it as ours, creating and migrating its tables.

A podfleet store is marked by `PRAGMA application_id` (so another program's SQLite
file is refused instead of being written into) and versioned by `PRAGMA user_version`
(so an older podfleet refuses a newer file, and a newer podfleet migrates an older one
step by step through `MIGRATIONS`).

Tables (one idea each):
  counter  the global resourceVersion, like etcd's revision; one row
  objects  one row per object; `id` is the resourceVersion at creation, so ordering
           by id is ordering by creation, and it identifies this incarnation of a
           name (a re-created Workflow never sees its predecessor's nodes)
  labels   (object, key, value) for label selectors
  nodes    a Workflow's status.nodes, one row per node, so a one-node change writes
           one row whatever the workflow's size
  events   the watch log: seq = resourceVersion; trimmed to a bounded tail
  leases   (key, holder, expires_at) for ownership among processes
  meta     small facts such as how far the events have been trimmed
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from podfleet.errors import StoreError

from .sqlerrors import translate

APPLICATION_ID = 0x50444654  # "PDFT"
SCHEMA_VERSION = 1

# from-version -> function bringing a connection (inside a transaction) to from-version + 1.
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: Mapping[int, Migration] = {}

_DDL_V1 = """
CREATE TABLE counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rv INTEGER NOT NULL
);
INSERT INTO counter (id, rv) VALUES (1, 0);
CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL,
    rv INTEGER NOT NULL,
    created TEXT NOT NULL,
    labels BLOB NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (kind, namespace, name)
);
CREATE INDEX objects_by_kind ON objects (kind);
CREATE TABLE labels (
    obj_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (obj_id, key)
) WITHOUT ROWID;
CREATE INDEX labels_by_pair ON labels (key, value);
CREATE TABLE nodes (
    obj_id INTEGER NOT NULL,
    node_id TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (obj_id, node_id)
) WITHOUT ROWID;
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    ts REAL NOT NULL,
    body BLOB
);
CREATE TABLE leases (
    key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value
);
INSERT INTO meta (key, value) VALUES ('trimmed_through', 0);
"""


def connect(path: Path, *, busy_timeout_ms: int) -> sqlite3.Connection:
    """An autocommit connection (we issue BEGIN/COMMIT ourselves) tuned for the store."""
    if path.is_dir():
        raise StoreError(f"the store path {path} is a directory; give a file path such as {path / 'store.db'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for the store file {path}: {exc.strerror or exc}") from None
    try:
        # check_same_thread=False: the store is used from one event loop, which need not be
        # the thread that opened it (e.g. asyncio.run in a worker thread).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               cached_statements=256)
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        ensure_schema(conn, path)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"the store file {path} cannot use write-ahead logging (journal_mode={mode}); "
                             f"put it on a local disk")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from None
    except BaseException:
        conn.close()
        raise
    return conn


def ensure_schema(conn: sqlite3.Connection, path: Path, *, target: int = SCHEMA_VERSION,
                  migrations: Mapping[int, Migration] | None = None) -> None:
    """Create the tables in an empty file, migrate an older store, refuse anything else."""
    steps = MIGRATIONS if migrations is None else migrations
    conn.execute("BEGIN IMMEDIATE")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and version == 0 and tables == 0:
            for statement in _statements(_DDL_V1):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("PRAGMA user_version = 1")
            version = 1
        elif app_id != APPLICATION_ID:
            raise StoreError(
                f"{path} is an SQLite file but not a podfleet store (application_id={app_id}); "
                f"podfleet will not write into it. Use another path, or move the file aside.")
        if version > target:
            raise StoreError(
                f"the store {path} has schema version {version}, newer than this podfleet understands "
                f"({target}); upgrade podfleet, or use another store path.")
        while version < target:
            step = steps.get(version)
            if step is None:
                raise StoreError(f"the store {path} has schema version {version} and no migration to "
                                 f"{version + 1} exists; use another store path.")
            step(conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a DDL script; executescript would commit our open transaction."""
    return [s.strip() for s in script.split(";") if s.strip()]


__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "MIGRATIONS", "Migration", "connect", "ensure_schema"]
