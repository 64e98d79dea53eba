"""Object and node rows: the synchronous SQL behind create/get/list/update/delete.

Every function here runs inside a transaction the caller opened (see sqlite.py) and
does a bounded amount of work: an update touches the object row, one event row, the
counter, and exactly the nodes it was given — never the rest of a 10,000-node map.
`WriteStats` reports what a write did so tests and benchmarks can check that.

SQL texts are module constants (or built from a few fixed shapes), so the sqlite3
module's statement cache (256 entries, see schema.connect) reuses each prepared
statement instead of compiling it per call; node rows go through executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podfleet.errors import ConflictError, InvalidError, NotFoundError

from .codec import (
    CLUSTER_SCOPED_KINDS, Obj, dumps, generated_name, labels_of, loads, new_uid, now_rfc3339,
    object_key, parse_resource_version, split_nodes,
)

WORKFLOW = "Workflow"
_GENERATE_ATTEMPTS = 8

_SQL_FIND = "SELECT id, uid, rv, created, labels FROM objects WHERE kind = ? AND namespace = ? AND name = ?"
_SQL_BODY = "SELECT id, body FROM objects WHERE kind = ? AND namespace = ? AND name = ?"
_SQL_EXISTS = "SELECT 1 FROM objects WHERE kind = ? AND namespace = ? AND name = ?"
_SQL_INSERT = ("INSERT INTO objects (id, kind, namespace, name, uid, rv, created, labels, body) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SQL_UPDATE = "UPDATE objects SET rv = ?, labels = ?, body = ? WHERE id = ?"
_SQL_BUMP = "UPDATE counter SET rv = rv + 1 WHERE id = 1"
_SQL_RV = "SELECT rv FROM counter WHERE id = 1"
_SQL_EVENT = "INSERT INTO events (seq, type, kind, namespace, name, ts, body) VALUES (?, ?, ?, ?, ?, ?, ?)"
_SQL_LABELS_DEL = "DELETE FROM labels WHERE obj_id = ?"
_SQL_LABELS_ADD = "INSERT INTO labels (obj_id, key, value) VALUES (?, ?, ?)"
_SQL_NODE_UPSERT = ("INSERT INTO nodes (obj_id, node_id, body) VALUES (?, ?, ?) "
                    "ON CONFLICT (obj_id, node_id) DO UPDATE SET body = excluded.body")
_SQL_NODE_DEL = "DELETE FROM nodes WHERE obj_id = ? AND node_id = ?"
_SQL_NODES_ALL = "SELECT node_id, body FROM nodes WHERE obj_id = ? ORDER BY node_id"
_SQL_NODES_DROP = "DELETE FROM nodes WHERE obj_id = ?"
_SQL_OBJ_DEL = "DELETE FROM objects WHERE id = ?"


@dataclass(frozen=True)
class WriteStats:
    """What one write transaction did. `rows_changed` is SQLite's own count of rows
    inserted, updated or deleted, so it cannot drift from what really happened."""
    resource_version: int
    rows_changed: int
    nodes_upserted: int = 0
    nodes_deleted: int = 0


def _describe(kind: str, namespace: str, name: str) -> str:
    return f'{kind} "{namespace}/{name}"' if namespace else f'{kind} "{name}"'


def filter_namespace(kind: str | None, namespace: str | None) -> str | None:
    """A namespace filter as stored: cluster-scoped kinds live under ""."""
    if namespace is not None and kind in CLUSTER_SCOPED_KINDS:
        return ""
    return namespace


def current_rv(conn: sqlite3.Connection) -> int:
    return int(conn.execute(_SQL_RV).fetchone()[0])


def _next_rv(conn: sqlite3.Connection) -> int:
    conn.execute(_SQL_BUMP)
    return current_rv(conn)


def _event(conn: sqlite3.Connection, rv: int, type_: str, kind: str, namespace: str, name: str,
           ts: float, body: bytes | None) -> None:
    conn.execute(_SQL_EVENT, (rv, type_, kind, namespace, name, ts, body))


def _write_labels(conn: sqlite3.Connection, obj_id: int, labels: Mapping[str, str]) -> None:
    conn.execute(_SQL_LABELS_DEL, (obj_id,))
    if labels:
        conn.executemany(_SQL_LABELS_ADD, [(obj_id, k, v) for k, v in labels.items()])


def _node_rows(obj_id: int, nodes: Mapping[str, Any]) -> list[tuple[int, str, bytes]]:
    rows = []
    for node_id, node in nodes.items():
        if not isinstance(node_id, str) or not node_id:
            raise InvalidError(f"node id {node_id!r} must be a non-empty string", field_path="status.nodes")
        if not isinstance(node, dict):
            raise InvalidError(f"node {node_id!r} must be a mapping", field_path=f"status.nodes.{node_id}")
        rows.append((obj_id, node_id, dumps(node)))
    return rows


def _attach_nodes(conn: sqlite3.Connection, obj_id: int, obj: Obj) -> None:
    rows = conn.execute(_SQL_NODES_ALL, (obj_id,)).fetchall()
    if not rows:
        return
    # One parse of a joined document is several times faster than a parse per node.
    joined = b"{" + b",".join(dumps(node_id) + b":" + body for node_id, body in rows) + b"}"
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    status["nodes"] = loads(joined)


def create(conn: sqlite3.Connection, obj: Obj, ts: float) -> tuple[Obj, WriteStats]:
    start = conn.total_changes
    kind, namespace, name, generate = object_key(obj, for_create=True)
    body, nodes = split_nodes(obj) if kind == WORKFLOW else (dict(obj), None)
    meta = dict(body["metadata"])
    body["metadata"] = meta
    labels = labels_of(meta)
    if name is None:
        assert generate is not None  # object_key guarantees one of them
        for _ in range(_GENERATE_ATTEMPTS):
            candidate = generated_name(generate)
            if conn.execute(_SQL_EXISTS, (kind, namespace, candidate)).fetchone() is None:
                name = candidate
                break
        else:
            raise ConflictError(f"could not find a free name for {kind} with generateName {generate!r}; "
                                f"retry or choose another prefix")
    elif conn.execute(_SQL_EXISTS, (kind, namespace, name)).fetchone() is not None:
        raise ConflictError(f"{_describe(kind, namespace, name)} already exists")
    rv = _next_rv(conn)
    meta["name"] = name
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = now_rfc3339()
    meta["resourceVersion"] = str(rv)
    data = dumps(body)
    conn.execute(_SQL_INSERT, (rv, kind, namespace, name, meta["uid"], rv, meta["creationTimestamp"],
                               dumps(labels), data))
    if labels:
        _write_labels(conn, rv, labels)
    node_count = 0
    if nodes:
        rows = _node_rows(rv, nodes)
        conn.executemany(_SQL_NODE_UPSERT, rows)
        node_count = len(rows)
    _event(conn, rv, "ADDED", kind, namespace, name, ts, data)
    return loads(data), WriteStats(rv, conn.total_changes - start, node_count)


def get(conn: sqlite3.Connection, kind: str, namespace: str, name: str, *, with_nodes: bool) -> Obj:
    namespace = filter_namespace(kind, namespace) or ""
    row = conn.execute(_SQL_BODY, (kind, namespace, name)).fetchone()
    if row is None:
        raise NotFoundError(f"{_describe(kind, namespace, name)} not found")
    obj: Obj = loads(row[1])
    if with_nodes and kind == WORKFLOW:
        _attach_nodes(conn, row[0], obj)
    return obj


def list_objects(conn: sqlite3.Connection, kind: str, namespace: str | None,
                 label_selector: Mapping[str, str] | None, *, with_nodes: bool) -> list[Obj]:
    sql = ["SELECT id, body FROM objects WHERE kind = ?"]
    params: list[Any] = [kind]
    namespace = filter_namespace(kind, namespace)
    if namespace is not None:
        sql.append("AND namespace = ?")
        params.append(namespace)
    for key, value in (label_selector or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidError("a label selector maps label names to values (strings)")
        sql.append("AND id IN (SELECT obj_id FROM labels WHERE key = ? AND value = ?)")
        params += [key, value]
    sql.append("ORDER BY id")
    out = []
    for obj_id, data in conn.execute(" ".join(sql), params).fetchall():
        obj = loads(data)
        if with_nodes and kind == WORKFLOW:
            _attach_nodes(conn, obj_id, obj)
        out.append(obj)
    return out


def update(conn: sqlite3.Connection, obj: Obj, nodes: Mapping[str, Any] | None,
           deleted_nodes: list[str] | None, ts: float) -> tuple[Obj, WriteStats]:
    start = conn.total_changes
    kind, namespace, name, _ = object_key(obj, for_create=False)
    assert name is not None
    given_meta = obj["metadata"]
    expected = parse_resource_version(given_meta.get("resourceVersion"))
    row = conn.execute(_SQL_FIND, (kind, namespace, name)).fetchone()
    if row is None:
        raise NotFoundError(f"{_describe(kind, namespace, name)} not found")
    obj_id, uid, stored_rv, created, stored_labels = row
    if given_meta.get("uid") and given_meta["uid"] != uid:
        raise ConflictError(f"{_describe(kind, namespace, name)} has uid {uid}, not {given_meta['uid']}: "
                            f"it was deleted and created again")
    if expected != stored_rv:
        raise ConflictError(f"{_describe(kind, namespace, name)} has been modified (resourceVersion "
                            f"{stored_rv}, not {expected}); get it again and reapply your change")
    if (nodes or deleted_nodes) and kind != WORKFLOW:
        raise InvalidError(f"only Workflows have nodes, not {kind}")
    body = split_nodes(obj)[0] if kind == WORKFLOW else dict(obj)
    meta = dict(given_meta)
    body["metadata"] = meta
    labels = labels_of(meta)
    rv = _next_rv(conn)
    meta["name"] = name
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    meta["uid"] = uid
    meta["creationTimestamp"] = created
    meta["resourceVersion"] = str(rv)
    data = dumps(body)
    label_data = dumps(labels)
    conn.execute(_SQL_UPDATE, (rv, label_data, data, obj_id))
    if label_data != stored_labels:
        _write_labels(conn, obj_id, labels)
    upserted = deleted = 0
    if nodes:
        rows = _node_rows(obj_id, nodes)
        conn.executemany(_SQL_NODE_UPSERT, rows)
        upserted = len(rows)
    if deleted_nodes:
        if isinstance(deleted_nodes, str):
            raise InvalidError("deleted_nodes is a list of node ids, not one string")
        deleted = max(conn.executemany(_SQL_NODE_DEL, [(obj_id, node_id) for node_id in deleted_nodes]).rowcount, 0)
    _event(conn, rv, "MODIFIED", kind, namespace, name, ts, data)
    return loads(data), WriteStats(rv, conn.total_changes - start, upserted, deleted)


def delete(conn: sqlite3.Connection, kind: str, namespace: str, name: str, ts: float) -> WriteStats:
    start = conn.total_changes
    namespace = filter_namespace(kind, namespace) or ""
    row = conn.execute(_SQL_FIND, (kind, namespace, name)).fetchone()
    if row is None:
        raise NotFoundError(f"{_describe(kind, namespace, name)} not found")
    obj_id = row[0]
    dropped = conn.execute(_SQL_NODES_DROP, (obj_id,)).rowcount
    conn.execute(_SQL_LABELS_DEL, (obj_id,))
    conn.execute(_SQL_OBJ_DEL, (obj_id,))
    rv = _next_rv(conn)
    _event(conn, rv, "DELETED", kind, namespace, name, ts, None)
    return WriteStats(rv, conn.total_changes - start, 0, max(dropped, 0))


__all__ = ["WORKFLOW", "WriteStats", "filter_namespace", "current_rv", "create", "get", "list_objects",
           "update", "delete"]
