"""WorkflowStatus and NodeStatus exactly as Argo shows them, plus the phase/type enums.

Enum values are Argo's exact strings. Timestamps stay RFC 3339 strings (see times.py).
Predicates follow Argo's Go methods: `completed` is Succeeded/Failed/Error (a Skipped
node is *not* completed in Argo), `fulfilled` is completed or Skipped or Omitted, i.e.
"no longer Pending or Running".
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field

from podfleet.resources.base import ArgoModel, Bool, Int, Str
from podfleet.resources.common import TemplateRef
from podfleet.resources.parameters import Inputs, Outputs
from podfleet.resources.spec import WorkflowSpec
from podfleet.resources.template import Template


class NodePhase(str, Enum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    SKIPPED = "Skipped"
    FAILED = "Failed"
    ERROR = "Error"
    OMITTED = "Omitted"

    @property
    def completed(self) -> bool:
        """Argo's Completed(): Succeeded, Failed or Error (Skipped/Omitted are not)."""
        return self in (NodePhase.SUCCEEDED, NodePhase.FAILED, NodePhase.ERROR)

    @property
    def fulfilled(self) -> bool:
        """Argo's Fulfilled(): completed, Skipped or Omitted — nothing more will happen."""
        return self not in (NodePhase.PENDING, NodePhase.RUNNING)

    @property
    def failed_or_error(self) -> bool:
        return self in (NodePhase.FAILED, NodePhase.ERROR)


class NodeType(str, Enum):
    POD = "Pod"
    CONTAINER = "Container"
    STEPS = "Steps"
    STEP_GROUP = "StepGroup"
    DAG = "DAG"
    TASK_GROUP = "TaskGroup"
    RETRY = "Retry"
    SKIPPED = "Skipped"
    SUSPEND = "Suspend"
    HTTP = "HTTP"
    PLUGIN = "Plugin"


class WorkflowPhase(str, Enum):
    UNKNOWN = ""
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"

    @property
    def completed(self) -> bool:
        return self in (WorkflowPhase.SUCCEEDED, WorkflowPhase.FAILED, WorkflowPhase.ERROR)


class NodeFlag(ArgoModel):
    hooked: Bool | None = None
    retried: Bool | None = None


class MemoizationStatus(ArgoModel):
    hit: Bool
    key: Str
    cache_name: Str


class NodeSynchronizationStatus(ArgoModel):
    waiting: Str | None = None


class Condition(ArgoModel):
    # PodRunning, Completed, SpecWarning, SpecError, MetricsError, ArtifactGCError, SubmissionError.
    type: Str | None = None
    # "True" / "False" / "Unknown".
    status: Str | None = None
    message: Str | None = None


class NodeStatus(ArgoModel):
    id: Str
    name: Str
    display_name: Str | None = None
    type: NodeType
    template_name: Str | None = None
    template_ref: TemplateRef | None = None
    template_scope: Str | None = None
    phase: NodePhase | None = None
    # Irregular spellings: the alias generator alone would give `boundaryId`, `podIp`.
    boundary_id: Str | None = Field(None, alias="boundaryID")
    message: Str | None = None
    started_at: Str | None = None
    finished_at: Str | None = None
    estimated_duration: Int | None = None
    progress: Str | None = None
    resources_duration: dict[str, Int] | None = None
    pod_ip: Str | None = Field(None, alias="podIP")
    daemoned: Bool | None = None
    node_flag: NodeFlag | None = None
    inputs: Inputs | None = None
    outputs: Outputs | None = None
    children: list[Str] | None = None
    outbound_nodes: list[Str] | None = None
    host_node_name: Str | None = None
    memoization_status: MemoizationStatus | None = None
    synchronization_status: NodeSynchronizationStatus | None = None
    task_result_synced: Bool | None = None
    failed_pod_restarts: Int | None = None
    restarting_pod_uid: Str | None = Field(None, alias="restartingPodUID")

    @property
    def completed(self) -> bool:
        return self.phase is not None and self.phase.completed

    @property
    def fulfilled(self) -> bool:
        """Argo's NodeStatus.Fulfilled(): phase fulfilled (and task result synced), or a started daemon."""
        synced = self.task_result_synced is None or self.task_result_synced
        phase = self.phase or NodePhase.PENDING
        if self.daemoned and phase != NodePhase.PENDING:
            return True
        if phase in (NodePhase.SKIPPED, NodePhase.OMITTED):
            return True
        return phase.completed and synced

    @property
    def failed_or_error(self) -> bool:
        return self.phase is not None and self.phase.failed_or_error

    @property
    def is_daemoned(self) -> bool:
        return bool(self.daemoned)




class WorkflowStatus(ArgoModel):
    phase: WorkflowPhase | None = None
    started_at: Str | None = None
    finished_at: Str | None = None
    estimated_duration: Int | None = None
    progress: Str | None = None
    message: Str | None = None
    compressed_nodes: Str | None = None
    nodes: dict[str, NodeStatus] | None = None
    offload_node_status_version: Str | None = None
    stored_templates: dict[str, Template] | None = None
    persistent_volume_claims: list[dict[str, Any]] | None = None
    outputs: Outputs | None = None
    conditions: list[Condition] | None = None
    resources_duration: dict[str, Int] | None = None
    stored_workflow_template_spec: WorkflowSpec | None = None
    synchronization: dict[str, Any] | None = None
    artifact_repository_ref: dict[str, Any] | None = None
    artifact_gc_status: dict[str, Any] | None = Field(None, alias="artifactGCStatus")
    task_results_completion_status: dict[str, Bool] | None = None

    @property
    def completed(self) -> bool:
        return self.phase is not None and self.phase.completed

    def node_by_name(self, name: str) -> NodeStatus | None:
        """The node whose `name` (not id) is `name` — O(nodes); index yourself in hot loops."""
        return next((n for n in (self.nodes or {}).values() if n.name == name), None)



__all__ = [
    "NodePhase", "NodeType", "WorkflowPhase", "NodeStatus", "NodeFlag", "MemoizationStatus",
    "NodeSynchronizationStatus", "Condition", "WorkflowStatus",
]
