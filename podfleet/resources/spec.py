"""WorkflowSpec: the `spec` of a Workflow and a WorkflowTemplate (and a CronWorkflow's
`workflowSpec`). Kubernetes pod-level pass-through fields (affinity, tolerations …) are
kept as loose dicts and handed to the pod as they are.
"""

from __future__ import annotations

from typing import Any

from podfleet.resources.base import ArgoModel, Bool, Int, Str
from podfleet.resources.common import (
    ArtifactRepositoryRef, LifecycleHook, Metrics, PodGC, Synchronization, TTLStrategy, WorkflowTemplateRef,
)
from podfleet.resources.container import ResourceRequirements
from podfleet.resources.meta import LocalObjectReference, Metadata, WorkflowMetadata
from podfleet.resources.parameters import Arguments
from podfleet.resources.retry import RetryStrategy
from podfleet.resources.template import Template


class WorkflowLevelArtifactGC(ArgoModel):
    strategy: Str | None = None
    pod_metadata: Metadata | None = None
    service_account_name: Str | None = None
    force_finalizer_removal: Bool | None = None
    pod_spec_patch: Str | None = None


class WorkflowSpec(ArgoModel):
    templates: list[Template] | None = None
    entrypoint: Str | None = None
    arguments: Arguments | None = None
    service_account_name: Str | None = None
    automount_service_account_token: Bool | None = None
    executor: dict[str, Any] | None = None
    volumes: list[dict[str, Any]] | None = None
    volume_claim_templates: list[dict[str, Any]] | None = None
    parallelism: Int | None = None
    artifact_repository_ref: ArtifactRepositoryRef | None = None
    suspend: Bool | None = None
    node_selector: dict[str, Str] | None = None
    affinity: dict[str, Any] | None = None
    tolerations: list[dict[str, Any]] | None = None
    image_pull_secrets: list[LocalObjectReference] | None = None
    host_network: Bool | None = None
    dns_policy: Str | None = None
    dns_config: dict[str, Any] | None = None
    on_exit: Str | None = None
    ttl_strategy: TTLStrategy | None = None
    active_deadline_seconds: Int | None = None
    priority: Int | None = None
    scheduler_name: Str | None = None
    pod_gc: PodGC | None = None
    pod_priority_class_name: Str | None = None
    host_aliases: list[dict[str, Any]] | None = None
    security_context: dict[str, Any] | None = None
    pod_spec_patch: Str | None = None
    pod_disruption_budget: dict[str, Any] | None = None
    metrics: Metrics | None = None
    # "" (none), "Terminate" or "Stop".
    shutdown: Str | None = None
    workflow_template_ref: WorkflowTemplateRef | None = None
    synchronization: Synchronization | None = None
    volume_claim_gc: dict[str, Any] | None = None
    retry_strategy: RetryStrategy | None = None
    pod_metadata: Metadata | None = None
    template_defaults: Template | None = None
    archive_logs: Bool | None = None
    hooks: dict[str, LifecycleHook] | None = None
    workflow_metadata: WorkflowMetadata | None = None
    artifact_gc: WorkflowLevelArtifactGC | None = None
    executor_plugins: list[dict[str, Any]] | None = None
    pod_resources: ResourceRequirements | None = None
    resource_claims: list[dict[str, Any]] | None = None

    def template(self, name: str) -> Template | None:
        """The template called `name` (the first one, as Argo does), None when absent."""
        return next((t for t in self.templates or () if t.name == name), None)

    def template_names(self) -> list[str]:
        return [t.name for t in self.templates or () if t.name is not None]


__all__ = ["WorkflowSpec", "WorkflowLevelArtifactGC"]
