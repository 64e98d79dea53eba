"""Kubernetes object metadata (metav1.ObjectMeta) and Argo's small `Metadata` (labels/annotations).

Timestamps stay RFC 3339 strings (`2026-11-28T10:00:00Z`) because that is what Argo and
Kubernetes show; `podfleet.resources.times` converts when arithmetic is needed.
"""

from __future__ import annotations

from typing import Any


from podfleet.resources.base import ArgoModel, Bool, Int, Str


class OwnerReference(ArgoModel):
    api_version: Str | None = None
    kind: Str | None = None
    name: Str | None = None
    uid: Str | None = None
    controller: Bool | None = None
    block_owner_deletion: Bool | None = None


class ObjectMeta(ArgoModel):
    name: Str | None = None
    generate_name: Str | None = None
    namespace: Str | None = None
    uid: Str | None = None
    resource_version: Str | None = None
    generation: Int | None = None
    creation_timestamp: Str | None = None
    deletion_timestamp: Str | None = None
    deletion_grace_period_seconds: Int | None = None
    labels: dict[str, Str] | None = None
    annotations: dict[str, Str] | None = None
    owner_references: list[OwnerReference] | None = None
    finalizers: list[Str] | None = None
    managed_fields: list[dict[str, Any]] | None = None

    def label(self, key: str, default: str | None = None) -> str | None:
        return (self.labels or {}).get(key, default)

    def annotation(self, key: str, default: str | None = None) -> str | None:
        return (self.annotations or {}).get(key, default)


class Metadata(ArgoModel):
    """Argo's template `metadata` / `podMetadata`: extra labels and annotations for pods."""

    annotations: dict[str, Str] | None = None
    labels: dict[str, Str] | None = None


class LabelValueFrom(ArgoModel):
    expression: Str


class WorkflowMetadata(ArgoModel):
    """`spec.workflowMetadata`: labels/annotations added to the Workflow itself."""

    labels: dict[str, Str] | None = None
    annotations: dict[str, Str] | None = None
    labels_from: dict[str, LabelValueFrom] | None = None


class KeySelector(ArgoModel):
    """core/v1 ConfigMapKeySelector / SecretKeySelector."""

    name: Str | None = None
    key: Str
    optional: Bool | None = None


class LocalObjectReference(ArgoModel):
    name: Str | None = None


__all__ = [
    "ObjectMeta", "OwnerReference", "Metadata", "WorkflowMetadata", "LabelValueFrom",
    "KeySelector", "LocalObjectReference",
]
