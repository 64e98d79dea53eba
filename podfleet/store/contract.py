"""The store contract: the source of truth for every object podfleet knows.

Objects are Kubernetes-style JSON dicts (`apiVersion`, `kind`, `metadata`, `spec`,
`status`); the store does not interpret them beyond `metadata` (name, namespace, uid,
resourceVersion, labels). Updates are optimistic: an update whose
`metadata.resourceVersion` is not the stored one raises ConflictError.

A Workflow's `status.nodes` can hold 10,000 entries, so nodes are kept apart from the
object: `update(obj, nodes=...)` writes only the nodes given (O(changed), not
O(workflow)), and `get` puts the full map back into `status.nodes`. The `status.nodes`
inside the object handed to `update` is ignored.

Ownership: several podfleet processes may share one store; a workflow is run only by
the holder of its lease (`acquire_lease`), and a lease left by a dead process expires.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

Obj = dict[str, Any]


@dataclass(frozen=True)
class WatchEvent:
    type: Literal["ADDED", "MODIFIED", "DELETED"]
    kind: str
    namespace: str
    name: str
    resource_version: int
    object: Obj | None  # None for DELETED; without status.nodes for Workflows


@runtime_checkable
class Store(Protocol):
    async def create(self, obj: Obj) -> Obj:
        """Store a new object. `metadata.generateName` gets a random 5-char suffix when
        `name` is absent; uid, creationTimestamp (RFC 3339, UTC, `Z`) and resourceVersion
        are set. Raises ConflictError when kind/namespace/name exists."""

    async def get(self, kind: str, namespace: str, name: str, *, with_nodes: bool = True) -> Obj:
        """The stored object (a copy). Raises NotFoundError."""

    async def list(self, kind: str, namespace: str | None = None, *,
                   label_selector: Mapping[str, str] | None = None, with_nodes: bool = False) -> list[Obj]:
        """Objects of a kind, optionally in one namespace (None = all), sorted by creation."""

    async def update(self, obj: Obj, *, nodes: Mapping[str, Obj] | None = None,
                     deleted_nodes: list[str] | None = None) -> Obj:
        """Replace the object if its resourceVersion matches (else ConflictError).
        For Workflows, `nodes` are upserted by node id and `deleted_nodes` removed;
        returns the stored object with its new resourceVersion (without nodes)."""

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        """Remove the object (and a Workflow's nodes). Raises NotFoundError."""

    def watch(self, kind: str | None = None, namespace: str | None = None, *,
              since: int | None = None) -> AsyncIterator[WatchEvent]:
        """Changes after resourceVersion `since` (None = from now), in order, forever.
        Sees changes made by other processes on the same store too."""

    async def acquire_lease(self, key: str, holder: str, ttl_seconds: float) -> bool:
        """Take or renew the lease `key` for `holder`; False if another live holder has it."""

    async def release_lease(self, key: str, holder: str) -> None: ...

    async def close(self) -> None: ...


__all__ = ["Obj", "WatchEvent", "Store"]
