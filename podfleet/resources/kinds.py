"""Top-level objects (apiVersion + kind + metadata) and the registry that maps a
document's (apiVersion, kind) to its model.

Other areas add their kinds (data.fluid.io Dataset, eci ImageCache …) with
`@register` on a `Resource` subclass whose `api_version`/`kind` defaults name it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

from pydantic import Field

from podfleet.errors import InvalidError
from podfleet.resources.base import ArgoModel, Bool, Int, Str
from podfleet.resources.meta import ObjectMeta
from podfleet.resources.spec import WorkflowSpec
from podfleet.resources.status import Condition, WorkflowStatus

ARGO_API_VERSION = "argoproj.io/v1alpha1"


class Resource(ArgoModel):
    """A Kubernetes-style object. `apiVersion`, `kind` and `metadata` are always dumped,
    even when the object was built in code and they were left at their defaults."""

    api_version: Str = ""
    kind: Str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.update(("api_version", "kind", "metadata"))

    @property
    def name(self) -> str | None:
        return self.metadata.name

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace

    def ref(self) -> str:
        """`Kind/namespace/name` for messages."""
        parts = [p for p in (self.metadata.namespace, self.metadata.name or self.metadata.generate_name) if p]
        return "/".join([self.kind, *parts])


R = TypeVar("R", bound=type[Resource])

# (apiVersion, kind) → model. Filled only by @register at import time of model modules.
KINDS: dict[tuple[str, str], type[Resource]] = {}


def register(cls: R) -> R:
    """Class decorator: make `cls` the model for its default (apiVersion, kind)."""
    api_version = cls.model_fields["api_version"].default
    kind = cls.model_fields["kind"].default
    if not api_version or not kind:
        raise TypeError(f"{cls.__name__} needs default api_version and kind to be registered")
    KINDS[(api_version, kind)] = cls
    return cls


def known_kinds() -> list[str]:
    """`Kind (apiVersion)` of every registered kind, sorted (for error messages)."""
    return sorted(f"{kind} ({api})" for api, kind in KINDS)


def model_for(api_version: str, kind: str) -> type[Resource]:
    """The model for (apiVersion, kind); InvalidError listing the known kinds otherwise."""
    cls = KINDS.get((api_version, kind))
    if cls is not None:
        return cls
    same_kind = [api for api, k in KINDS if k == kind]
    if same_kind:
        raise InvalidError(
            f"unknown apiVersion {api_version!r} for kind {kind!r}: expected {', '.join(sorted(same_kind))}",
            field_path="apiVersion")
    raise InvalidError(f"unknown kind {kind!r} (apiVersion {api_version!r}): known kinds are {', '.join(known_kinds())}",
                       field_path="kind")


@register
class Workflow(Resource):
    api_version: Str = ARGO_API_VERSION
    kind: Str = "Workflow"
    spec: WorkflowSpec
    status: WorkflowStatus | None = None


@register
class WorkflowTemplate(Resource):
    api_version: Str = ARGO_API_VERSION
    kind: Str = "WorkflowTemplate"
    spec: WorkflowSpec


@register
class ClusterWorkflowTemplate(Resource):
    api_version: Str = ARGO_API_VERSION
    kind: Str = "ClusterWorkflowTemplate"
    spec: WorkflowSpec


class StopStrategy(ArgoModel):
    expression: Str


class CronWorkflowSpec(ArgoModel):
    workflow_spec: WorkflowSpec
    # Allow (default) / Forbid / Replace.
    concurrency_policy: Str | None = None
    suspend: Bool | None = None
    starting_deadline_seconds: Int | None = None
    successful_jobs_history_limit: Int | None = None
    failed_jobs_history_limit: Int | None = None
    timezone: Str | None = None
    workflow_metadata: ObjectMeta | None = None
    stop_strategy: StopStrategy | None = None
    schedules: list[Str] | None = None
    # Removed in Argo v4.0 (use `schedules`), still accepted so older files load.
    schedule: Str | None = None
    when: Str | None = None

    def all_schedules(self) -> list[str]:
        """`schedules`, or the legacy single `schedule`."""
        if self.schedules:
            return list(self.schedules)
        return [self.schedule] if self.schedule else []


class CronWorkflowStatus(ArgoModel):
    active: list[dict[str, Any]] | None = None
    last_scheduled_time: Str | None = None
    conditions: list[Condition] | None = None
    succeeded: Int | None = None
    failed: Int | None = None
    # Active / Stopped.
    phase: Str | None = None


@register
class CronWorkflow(Resource):
    api_version: Str = ARGO_API_VERSION
    kind: Str = "CronWorkflow"
    spec: CronWorkflowSpec
    status: CronWorkflowStatus | None = None


@register
class ConfigMap(Resource):
    api_version: Str = "v1"
    kind: Str = "ConfigMap"
    data: dict[str, Str] | None = None
    binary_data: dict[str, Str] | None = None
    immutable: Bool | None = None


@register
class Secret(Resource):
    api_version: Str = "v1"
    kind: Str = "Secret"
    # base64-encoded values, as in Kubernetes.
    data: dict[str, Str] | None = None
    # Plain values, merged over `data` (Kubernetes semantics).
    string_data: dict[str, Str] | None = None
    type: Str | None = None
    immutable: Bool | None = None

    def decoded(self) -> dict[str, bytes]:
        """All values as bytes: `data` decoded from base64, then `stringData` over it."""
        out: dict[str, bytes] = {}
        for key, value in (self.data or {}).items():
            try:
                out[key] = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidError(f"Secret {self.metadata.name or ''}: data.{key} is not valid base64",
                                   field_path=f"data.{key}") from None
        for key, value in (self.string_data or {}).items():
            out[key] = value.encode()
        return out

    def value(self, key: str) -> str | None:
        """One value as text (UTF-8), None when the key is absent."""
        raw = self.decoded().get(key)
        return None if raw is None else raw.decode("utf-8", errors="replace")


__all__ = [
    "Resource", "Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "CronWorkflowSpec",
    "CronWorkflowStatus", "StopStrategy", "ConfigMap", "Secret", "KINDS", "register", "model_for", "known_kinds",
    "ARGO_API_VERSION",
]
