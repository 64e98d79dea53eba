"""core/v1 Pod: the one object the controller hands to a provider.

Only the subset podfleet's providers interpret is typed; every other field of the
Kubernetes Pod (affinity, tolerations, probes, dnsConfig …) is kept as extra and passed
on unchanged, so the Kubernetes provider can send the Pod exactly as it was built.
Containers reuse the Argo template's `Container` model: a template's container *is* a
core/v1 Container, so the controller copies it over without conversion.
"""

from __future__ import annotations

from typing import Any

from pydantic import StrictInt

from podfleet.resources.base import ArgoModel, Bool, Int, Str
from podfleet.resources.container import (
    Container,
    ContainerPort,
    EnvVar,
    EnvVarSource,
    ResourceRequirements,
    VolumeMount,
)
from podfleet.resources.meta import ObjectMeta


class KeyToPath(ArgoModel):
    key: Str
    path: Str
    mode: Int | None = None


class EmptyDirVolumeSource(ArgoModel):
    medium: Str | None = None
    size_limit: Str | StrictInt | None = None


class HostPathVolumeSource(ArgoModel):
    path: Str
    type: Str | None = None


class ConfigMapVolumeSource(ArgoModel):
    name: Str | None = None
    items: list[KeyToPath] | None = None
    default_mode: Int | None = None
    optional: Bool | None = None


class SecretVolumeSource(ArgoModel):
    secret_name: Str | None = None
    items: list[KeyToPath] | None = None
    default_mode: Int | None = None
    optional: Bool | None = None


class PersistentVolumeClaimVolumeSource(ArgoModel):
    claim_name: Str
    read_only: Bool | None = None


class Volume(ArgoModel):
    name: Str
    empty_dir: EmptyDirVolumeSource | None = None
    host_path: HostPathVolumeSource | None = None
    config_map: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = None


class PodSpec(ArgoModel):
    containers: list[Container]
    init_containers: list[Container] | None = None
    volumes: list[Volume] | None = None
    active_deadline_seconds: Int | None = None
    termination_grace_period_seconds: Int | None = None
    restart_policy: Str | None = None
    scheduler_name: Str | None = None
    node_selector: dict[str, Str] | None = None
    node_name: Str | None = None
    service_account_name: Str | None = None
    automount_service_account_token: Bool | None = None
    image_pull_secrets: list[dict[str, Any]] | None = None
    security_context: dict[str, Any] | None = None
    host_network: Bool | None = None
    share_process_namespace: Bool | None = None
    hostname: Str | None = None
    priority_class_name: Str | None = None
    priority: Int | None = None
    tolerations: list[dict[str, Any]] | None = None
    affinity: dict[str, Any] | None = None

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)

    def volume(self, name: str) -> Volume | None:
        return next((v for v in self.volumes or () if v.name == name), None)


class ContainerStateTerminated(ArgoModel):
    exit_code: Int
    reason: Str | None = None
    message: Str | None = None
    started_at: Str | None = None
    finished_at: Str | None = None


class ContainerStatus(ArgoModel):
    name: Str
    state: dict[str, Any] | None = None
    ready: Bool | None = None
    restart_count: Int | None = None
    image: Str | None = None


class PodStatusModel(ArgoModel):
    """core/v1 PodStatus as it appears on the wire (`podfleet.providers.contract.PodStatus` is the typed runtime view)."""

    phase: Str | None = None
    reason: Str | None = None
    message: Str | None = None
    pod_ip: Str | None = None
    start_time: Str | None = None
    container_statuses: list[ContainerStatus] | None = None
    init_container_statuses: list[ContainerStatus] | None = None


class Pod(ArgoModel):
    api_version: Str = "v1"
    kind: Str = "Pod"
    metadata: ObjectMeta
    spec: PodSpec
    status: PodStatusModel | None = None

    @property
    def name(self) -> str:
        return self.metadata.name or ""

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"

    def dump(self) -> dict[str, Any]:
        # apiVersion/kind are defaults, so exclude_unset would drop them; a Pod manifest
        # without them is not a valid Kubernetes object.
        data = super().dump()
        return {"apiVersion": self.api_version, "kind": self.kind, **data}


__all__ = [
    "Pod", "PodSpec", "PodStatusModel", "ContainerStatus", "ContainerStateTerminated",
    "Volume", "EmptyDirVolumeSource", "HostPathVolumeSource", "ConfigMapVolumeSource",
    "SecretVolumeSource", "PersistentVolumeClaimVolumeSource", "KeyToPath",
    "Container", "EnvVar", "EnvVarSource", "VolumeMount", "ResourceRequirements", "ContainerPort",
]
