"""How objects become rows: JSON bytes, Kubernetes-style metadata, generated names.

Bodies are stored as UTF-8 JSON bytes. orjson is used when it is importable (it is not
a declared dependency, so the stdlib `json` is the fallback); both read the other's
output, so processes with and without orjson can share one store file.

The store only interprets `metadata`: it fills in what Kubernetes' API server fills in
(uid, creationTimestamp with second precision and `Z`, resourceVersion as a string of
the global counter, a name from `generateName`) and decides the namespace, which is ""
for cluster-scoped kinds whatever the caller wrote.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timezone
from typing import Any

from podfleet.errors import InvalidError, StoreError

try:  # orjson is optional: faster, same bytes on the wire
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

Obj = dict[str, Any]

# Kinds whose objects live outside namespaces (stored under namespace "").
CLUSTER_SCOPED_KINDS = frozenset({
    "ClusterWorkflowTemplate", "ImageCache", "Namespace", "Node", "PersistentVolume", "StorageClass",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass",
})

DEFAULT_NAMESPACE = "default"

# Kubernetes' generateName alphabet (no vowels, no confusable 0/1/3): k8s.io/apimachinery rand.String.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
NAME_SUFFIX_LENGTH = 5
# Kubernetes truncates the prefix so that prefix + suffix fits in 63 characters.
MAX_GENERATE_NAME_PREFIX = 63 - NAME_SUFFIX_LENGTH


def dumps(value: Any) -> bytes:
    """Compact JSON bytes; InvalidError for values JSON cannot hold."""
    try:
        if _orjson is not None:
            return _orjson.dumps(value)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError is a TypeError
        raise InvalidError(f"object cannot be stored as JSON: {exc}") from None


def loads(data: bytes | str) -> Any:
    """Parse a stored body; a body that is not JSON means the file was damaged."""
    try:
        if _orjson is not None:
            return _orjson.loads(data)
        return json.loads(data)
    except ValueError as exc:  # orjson.JSONDecodeError and json.JSONDecodeError are ValueErrors
        raise StoreError(f"a stored object is not valid JSON ({exc}); the store file may be corrupt") from None


def now_rfc3339() -> str:
    """Current UTC time the way Kubernetes writes creationTimestamp: seconds and `Z`."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uid() -> str:
    return str(uuid.uuid4())


def generated_name(prefix: str) -> str:
    return prefix[:MAX_GENERATE_NAME_PREFIX] + "".join(
        secrets.choice(NAME_ALPHABET) for _ in range(NAME_SUFFIX_LENGTH))


def namespace_for(kind: str, namespace: str | None) -> str:
    """The namespace an object of `kind` is stored under."""
    if kind in CLUSTER_SCOPED_KINDS:
        return ""
    return namespace or DEFAULT_NAMESPACE


def object_key(obj: Any, *, for_create: bool) -> tuple[str, str, str | None, str | None]:
    """(kind, namespace, name, generateName) of an object handed to create/update.

    Raises InvalidError for shapes the store cannot key.
    """
    if not isinstance(obj, dict):
        raise InvalidError(f"an object must be a mapping, not {type(obj).__name__}")
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise InvalidError("kind is required", field_path="kind")
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise InvalidError("metadata is required", field_path="metadata")
    name = meta.get("name") or None
    generate = meta.get("generateName") or None
    if name is not None and not isinstance(name, str):
        raise InvalidError("metadata.name must be a string", field_path="metadata.name")
    if generate is not None and not isinstance(generate, str):
        raise InvalidError("metadata.generateName must be a string", field_path="metadata.generateName")
    if name is None and (generate is None or not for_create):
        what = "metadata.name or metadata.generateName" if for_create else "metadata.name"
        raise InvalidError(f"{what} is required", field_path="metadata.name")
    namespace = meta.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise InvalidError("metadata.namespace must be a string", field_path="metadata.namespace")
    return kind, namespace_for(kind, namespace), name, generate


def labels_of(meta: Obj) -> dict[str, str]:
    labels = meta.get("labels") or {}
    if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise InvalidError("metadata.labels must map strings to strings", field_path="metadata.labels")
    return labels


def parse_resource_version(value: Any) -> int:
    """metadata.resourceVersion as sent by a caller (a string, like Kubernetes, or an int)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if value is None or value == "":
        raise InvalidError("metadata.resourceVersion is required to update an object (get it first)",
                           field_path="metadata.resourceVersion")
    raise InvalidError(f"metadata.resourceVersion {value!r} is not a resourceVersion",
                       field_path="metadata.resourceVersion")


def split_nodes(obj: Obj) -> tuple[Obj, dict[str, Any] | None]:
    """A shallow copy of a Workflow without `status.nodes`, and the nodes that were there.

    Shallow on purpose: the caller's 10,000-node map is neither copied nor serialized.
    """
    status = obj.get("status")
    if not isinstance(status, dict) or "nodes" not in status:
        return dict(obj), None
    status = dict(status)
    nodes = status.pop("nodes")
    out = dict(obj)
    if status:
        out["status"] = status
    else:  # only the nodes were there; `get` puts them back under a fresh status
        del out["status"]
    return out, nodes if isinstance(nodes, dict) else None


__all__ = [
    "Obj", "CLUSTER_SCOPED_KINDS", "DEFAULT_NAMESPACE", "NAME_ALPHABET", "dumps", "loads",
    "now_rfc3339", "new_uid", "generated_name", "namespace_for", "object_key", "labels_of",
    "parse_resource_version", "split_nodes",
]
