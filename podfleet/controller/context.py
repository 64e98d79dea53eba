"""What one reconcile pass carries: inputs, the node table, and the actions it decides.

Kept as small per-concern objects (not one god object): `Actions` is the output,
`Resolver` is the only way out to the store, and `Pass` bundles what every template
kind needs to read. Template kinds keep their own context (steps/dag) in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Protocol

from podfleet.controller.nodes import NodeTable
from podfleet.providers.contract import PodStatus


class Resolver(Protocol):
    """Synchronous look-ups the runner serves from a snapshot of the store."""

    def workflow_template(self, namespace: str, name: str, cluster_scope: bool) -> dict | None: ...

    def config_map(self, namespace: str, name: str) -> dict | None: ...

    def secret(self, namespace: str, name: str) -> dict | None: ...


class NullResolver:
    """A resolver that knows nothing (workflows without templateRef or configMapKeyRef)."""

    def workflow_template(self, namespace: str, name: str, cluster_scope: bool) -> dict | None:
        return None

    def config_map(self, namespace: str, name: str) -> dict | None:
        return None

    def secret(self, namespace: str, name: str) -> dict | None:
        return None


@dataclass
class Actions:
    """What the runner must do after a reconcile: persist, create, delete, wait."""

    changed_nodes: dict[str, Any] = field(default_factory=dict)
    pods_to_create: list[Any] = field(default_factory=list)
    pods_to_delete: list[tuple[str, str, float | None]] = field(default_factory=list)
    configmaps_to_write: list[dict] = field(default_factory=list)
    requeue_after: float | None = None

    def requeue(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds

    def delete_pod(self, namespace: str, name: str, grace: float | None = None) -> None:
        entry = (namespace, name, grace)
        if entry not in self.pods_to_delete:
            self.pods_to_delete.append(entry)


# p.cache key: facts derived from the workflow's own spec that outlive the pass (see specmemo).
SPEC_DERIVED = "spec-derived"


def spec_derived(p: "Pass", tmpl: dict[str, Any] | None = None) -> dict[Any, Any] | None:
    """The cross-pass memo of facts about the spec, if `tmpl` (when given) is one of its templates."""
    derived = p.cache.get(SPEC_DERIVED)
    if derived is None:
        return None
    if tmpl is not None:
        ids = derived.get("template-ids")
        if ids is None:
            ids = derived["template-ids"] = frozenset(id(t) for t in p.spec.get("templates") or ())
        if id(tmpl) not in ids:
            return None
    return derived  # type: ignore[no-any-return]


class ParallelismReached(Exception):
    """Not an error: the node must wait because a parallelism limit is reached (Argo's ErrParallelismReached)."""


@dataclass
class Pass:
    """The shared, read-mostly state of one reconcile pass."""

    name: str
    namespace: str
    uid: str
    spec: dict[str, Any]
    metadata: dict[str, Any]
    nodes: NodeTable
    pods: Mapping[str, PodStatus]
    now: datetime
    resolver: Resolver
    actions: Actions
    # workflow.* variables and exported globals (workflow.outputs.parameters.X)
    globals: dict[str, str]
    global_outputs: dict[str, dict[str, Any]]
    deadline: datetime | None
    shutdown: str | None
    stored_templates: dict[str, Any]
    active_pods: int = 0
    # nodes that were created/changed this pass and count against parallelism
    stored_changed: bool = False
    # per-pass caches (never outlive the pass): resolved templates, DAG dependency logic
    cache: dict[Any, Any] = field(default_factory=dict)

    def deadline_exceeded(self) -> bool:
        return self.deadline is not None and self.now >= self.deadline

    @property
    def parallelism(self) -> int | None:
        value = self.spec.get("parallelism")
        return value if isinstance(value, int) else None


__all__ = ["Actions", "Resolver", "NullResolver", "Pass", "ParallelismReached", "SPEC_DERIVED", "spec_derived"]
