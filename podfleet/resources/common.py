"""Small building blocks shared by steps, DAG tasks, templates and the workflow spec.

References to other templates, loop sources, continue-on rules, lifecycle hooks,
synchronization, memoization and metrics. Kept in one place so steps.py and dag.py
say the same thing with the same types.
"""

from __future__ import annotations

from typing import Any

from podfleet.resources.base import ArgoModel, Bool, Int, IntOrString, Str, int_or_string_value
from podfleet.resources.meta import KeySelector, LocalObjectReference
from podfleet.resources.parameters import Arguments


class TemplateRef(ArgoModel):
    """`templateRef`: a template of a WorkflowTemplate (or ClusterWorkflowTemplate)."""

    name: Str | None = None
    template: Str | None = None
    cluster_scope: Bool | None = None


class WorkflowTemplateRef(ArgoModel):
    """`spec.workflowTemplateRef`: the whole spec comes from a (Cluster)WorkflowTemplate."""

    name: Str | None = None
    cluster_scope: Bool | None = None


class ArtifactRepositoryRef(ArgoModel):
    config_map: Str | None = None
    key: Str | None = None


class ContinueOn(ArgoModel):
    error: Bool | None = None
    failed: Bool | None = None


class Sequence(ArgoModel):
    """`withSequence`: `count` or `start`/`end`, each an IntOrString, and a printf `format`."""

    count: IntOrString | None = None
    start: IntOrString | None = None
    end: IntOrString | None = None
    format: Str | None = None

    def count_int(self) -> int | None:
        return int_or_string_value(self.count)

    def start_int(self) -> int | None:
        return int_or_string_value(self.start)

    def end_int(self) -> int | None:
        return int_or_string_value(self.end)


class LifecycleHook(ArgoModel):
    """A hook (`hooks: {exit: …, running: …}`): run `template` when `expression` holds."""

    template: Str | None = None
    arguments: Arguments | None = None
    template_ref: TemplateRef | None = None
    expression: Str | None = None


class SyncDatabaseRef(ArgoModel):
    key: Str


class SemaphoreRef(ArgoModel):
    config_map_key_ref: KeySelector | None = None
    namespace: Str | None = None
    database: SyncDatabaseRef | None = None


class Mutex(ArgoModel):
    name: Str | None = None
    namespace: Str | None = None
    database: Bool | None = None


class Synchronization(ArgoModel):
    semaphores: list[SemaphoreRef] | None = None
    mutexes: list[Mutex] | None = None
    # Removed in Argo v4.0 but still seen in older YAML; kept so lint can point at them.
    semaphore: SemaphoreRef | None = None
    mutex: Mutex | None = None


class Cache(ArgoModel):
    config_map: LocalObjectReference | None = None


class Memoize(ArgoModel):
    key: Str | None = None
    cache: Cache | None = None
    max_age: Str | None = None


class Metrics(ArgoModel):
    """Prometheus metrics; kept loose — podfleet records them but does not interpret every kind."""

    prometheus: list[dict[str, Any]] | None = None


class PodGC(ArgoModel):
    strategy: Str | None = None
    label_selector: dict[str, Any] | None = None
    delete_delay_duration: Str | None = None


class TTLStrategy(ArgoModel):
    seconds_after_completion: Int | None = None
    seconds_after_success: Int | None = None
    seconds_after_failure: Int | None = None


LifecycleHooks = dict[str, LifecycleHook]

__all__ = [
    "TemplateRef", "WorkflowTemplateRef", "ArtifactRepositoryRef", "ContinueOn", "Sequence",
    "LifecycleHook", "LifecycleHooks", "Synchronization", "SemaphoreRef", "Mutex", "SyncDatabaseRef",
    "Memoize", "Cache", "Metrics", "PodGC", "TTLStrategy",
]
