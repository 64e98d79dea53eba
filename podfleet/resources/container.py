"""core/v1 Container as Argo templates use it (`container`, `script`, sidecars, containerSet).

Only the fields podfleet reads are typed; everything else of the Kubernetes Container
(probes, lifecycle, ports …) is kept as extra and passed on to the Pod unchanged.
Quantities (`cpu: 1`, `cpu: "500m"`, `cpu: 0.5`) keep their YAML type.
"""

from __future__ import annotations

from typing import Any

from pydantic import StrictFloat

from podfleet.resources.base import ArgoModel, Bool, Int, IntOrString, Str
from podfleet.resources.meta import KeySelector

Quantity = Str | Int | StrictFloat


class EnvVarSource(ArgoModel):
    config_map_key_ref: KeySelector | None = None
    secret_key_ref: KeySelector | None = None
    field_ref: dict[str, Any] | None = None
    resource_field_ref: dict[str, Any] | None = None


class EnvVar(ArgoModel):
    name: Str
    value: Str | None = None
    value_from: EnvVarSource | None = None


class VolumeMount(ArgoModel):
    name: Str
    mount_path: Str
    read_only: Bool | None = None
    sub_path: Str | None = None
    sub_path_expr: Str | None = None
    mount_propagation: Str | None = None


class ResourceRequirements(ArgoModel):
    limits: dict[str, Quantity] | None = None
    requests: dict[str, Quantity] | None = None
    claims: list[dict[str, Any]] | None = None


class ContainerPort(ArgoModel):
    container_port: IntOrString
    name: Str | None = None
    protocol: Str | None = None
    host_port: Int | None = None


class Container(ArgoModel):
    name: Str | None = None
    image: Str | None = None
    command: list[Str] | None = None
    args: list[Str] | None = None
    working_dir: Str | None = None
    ports: list[ContainerPort] | None = None
    env_from: list[dict[str, Any]] | None = None
    env: list[EnvVar] | None = None
    resources: ResourceRequirements | None = None
    volume_mounts: list[VolumeMount] | None = None
    image_pull_policy: Str | None = None
    security_context: dict[str, Any] | None = None
    stdin: Bool | None = None
    tty: Bool | None = None

    def env_value(self, name: str) -> str | None:
        """The literal value of env var `name` (None when absent or from a valueFrom)."""
        return next((e.value for e in self.env or () if e.name == name), None)


class UserContainer(Container):
    """A sidecar or init container; `mirrorVolumeMounts` copies the main container's mounts."""

    mirror_volume_mounts: Bool | None = None


class ScriptTemplate(Container):
    """`script`: a container whose `source` is written to a file and run by `command`."""

    source: Str


class ContainerNode(Container):
    """One container of a `containerSet`, with the names of the containers it waits for."""

    dependencies: list[Str] | None = None


__all__ = [
    "Container", "ScriptTemplate", "UserContainer", "ContainerNode", "EnvVar", "EnvVarSource",
    "VolumeMount", "ResourceRequirements", "ContainerPort", "Quantity",
]
