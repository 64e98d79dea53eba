"""Template: the unit of work in Argo. A template has exactly one type (container, script,
steps, dag, resource, suspend, data, http, containerSet, plugin); lint checks that with
`types_set()`, the controller dispatches on `template_type`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


from podfleet.resources.base import ArgoModel, Bool, Int, IntOrString, Str
from podfleet.resources.common import Memoize, Metrics, Synchronization
from podfleet.resources.container import Container, ContainerNode, ResourceRequirements, ScriptTemplate, UserContainer, VolumeMount
from podfleet.resources.dag import DAGTask, DAGTemplate
from podfleet.resources.meta import KeySelector, Metadata
from podfleet.resources.parameters import Artifact, ArtifactLocation, Inputs, Outputs
from podfleet.resources.retry import RetryStrategy
from podfleet.resources.steps import WorkflowStep


class TemplateType(str, Enum):
    """Argo's TemplateType strings."""

    CONTAINER = "Container"
    CONTAINER_SET = "ContainerSet"
    STEPS = "Steps"
    SCRIPT = "Script"
    RESOURCE = "Resource"
    DAG = "DAG"
    SUSPEND = "Suspend"
    DATA = "Data"
    HTTP = "HTTP"
    PLUGIN = "Plugin"
    UNKNOWN = "Unknown"


# Argo's GetType() order: when several are set (lint reports it), the first one wins.
_TYPE_FIELDS: tuple[tuple[str, TemplateType], ...] = (
    ("container", TemplateType.CONTAINER),
    ("container_set", TemplateType.CONTAINER_SET),
    ("steps", TemplateType.STEPS),
    ("dag", TemplateType.DAG),
    ("script", TemplateType.SCRIPT),
    ("resource", TemplateType.RESOURCE),
    ("data", TemplateType.DATA),
    ("suspend", TemplateType.SUSPEND),
    ("http", TemplateType.HTTP),
    ("plugin", TemplateType.PLUGIN),
)


class SuspendTemplate(ArgoModel):
    # A Go duration or a number of seconds (`"20"`, `20`, `"1m"`); see podfleet.durations.
    duration: IntOrString | None = None


class ManifestFrom(ArgoModel):
    artifact: Artifact


class ResourceTemplate(ArgoModel):
    action: Str
    merge_strategy: Str | None = None
    manifest: Str | None = None
    manifest_from: ManifestFrom | None = None
    set_owner_reference: Bool | None = None
    success_condition: Str | None = None
    failure_condition: Str | None = None
    flags: list[Str] | None = None


class HTTPHeaderSource(ArgoModel):
    secret_key_ref: KeySelector | None = None


class HTTPHeader(ArgoModel):
    name: Str
    value: Str | None = None
    value_from: HTTPHeaderSource | None = None


class HTTPTemplate(ArgoModel):
    method: Str | None = None
    url: Str
    headers: list[HTTPHeader] | None = None
    timeout_seconds: Int | None = None
    success_condition: Str | None = None
    body: Str | None = None
    body_from: dict[str, Any] | None = None
    insecure_skip_verify: Bool | None = None


class TransformationStep(ArgoModel):
    expression: Str


class DataSource(ArgoModel):
    # ArtifactPaths inlines an Artifact (a name plus a location such as s3).
    artifact_paths: dict[str, Any] | None = None


class DataTemplate(ArgoModel):
    source: DataSource
    transformation: list[TransformationStep]


class ContainerSetRetryStrategy(ArgoModel):
    duration: Str | None = None
    retries: IntOrString


class ContainerSetTemplate(ArgoModel):
    containers: list[ContainerNode]
    volume_mounts: list[VolumeMount] | None = None
    retry_strategy: ContainerSetRetryStrategy | None = None


class Template(ArgoModel):
    name: Str | None = None
    inputs: Inputs | None = None
    outputs: Outputs | None = None
    node_selector: dict[str, Str] | None = None
    affinity: dict[str, Any] | None = None
    metadata: Metadata | None = None
    daemon: Bool | None = None
    steps: list[list[WorkflowStep]] | None = None
    container: Container | None = None
    container_set: ContainerSetTemplate | None = None
    script: ScriptTemplate | None = None
    resource: ResourceTemplate | None = None
    dag: DAGTemplate | None = None
    suspend: SuspendTemplate | None = None
    data: DataTemplate | None = None
    http: HTTPTemplate | None = None
    # Executor plugin call: `{plugin-name: {config…}}`, interpreted by the plugin.
    plugin: dict[str, Any] | None = None
    volumes: list[dict[str, Any]] | None = None
    init_containers: list[UserContainer] | None = None
    sidecars: list[UserContainer] | None = None
    archive_location: ArtifactLocation | None = None
    active_deadline_seconds: IntOrString | None = None
    retry_strategy: RetryStrategy | None = None
    parallelism: Int | None = None
    fail_fast: Bool | None = None
    tolerations: list[dict[str, Any]] | None = None
    scheduler_name: Str | None = None
    priority_class_name: Str | None = None
    service_account_name: Str | None = None
    automount_service_account_token: Bool | None = None
    executor: dict[str, Any] | None = None
    host_aliases: list[dict[str, Any]] | None = None
    security_context: dict[str, Any] | None = None
    pod_spec_patch: Str | None = None
    metrics: Metrics | None = None
    synchronization: Synchronization | None = None
    memoize: Memoize | None = None
    timeout: Str | None = None
    annotations: dict[str, Str] | None = None
    pending_timeout: Str | None = None
    pod_resources: ResourceRequirements | None = None
    resource_claims: list[dict[str, Any]] | None = None

    def types_set(self) -> list[TemplateType]:
        """Every template type set on this template, in Argo's order (lint: must be exactly one)."""
        return [kind for attr, kind in _TYPE_FIELDS if getattr(self, attr) is not None]

    @property
    def template_type(self) -> TemplateType:
        """The type Argo would run this template as (`Unknown` when none is set)."""
        for attr, kind in _TYPE_FIELDS:
            if getattr(self, attr) is not None:
                return kind
        return TemplateType.UNKNOWN

    @property
    def is_pod(self) -> bool:
        """Whether this template runs as a pod (container, script, containerSet, resource, data)."""
        return self.template_type in (TemplateType.CONTAINER, TemplateType.SCRIPT, TemplateType.CONTAINER_SET,
                                      TemplateType.RESOURCE, TemplateType.DATA)

    @property
    def is_leaf(self) -> bool:
        """Not a steps or dag template: it does not call other templates."""
        return self.template_type not in (TemplateType.STEPS, TemplateType.DAG)

    def main_container(self) -> Container | None:
        """The container of a container/script template."""
        return self.container if self.container is not None else self.script


# The circular references: a step or task can define its template inline.
WorkflowStep.model_rebuild(_types_namespace={"Template": Template})
DAGTask.model_rebuild(_types_namespace={"Template": Template})
DAGTemplate.model_rebuild(_types_namespace={"Template": Template, "DAGTask": DAGTask})
Template.model_rebuild()

__all__ = [
    "Template", "TemplateType", "SuspendTemplate", "ResourceTemplate", "ManifestFrom", "HTTPTemplate",
    "HTTPHeader", "HTTPHeaderSource", "DataTemplate", "DataSource", "TransformationStep",
    "ContainerSetTemplate", "ContainerSetRetryStrategy",
]
