"""The provider contract: what every pod runner (process, container, kubernetes) guarantees.

Shaped like virtual-kubelet's PodLifecycleHandler + PodNotifier. The controller hands a
provider a core/v1 Pod (`podfleet.resources.pod.Pod`) and never anything else; the
provider never reads a Workflow. What the pod's executor produced (output parameters,
result, exit code — Argo's WorkflowTaskResult) travels back on the pod's status.

Pod names are deterministic (workflow + node), so creating a pod that already exists is
a no-op, and a restarted controller adopts running pods instead of starting duplicates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from podfleet.resources.pod import Pod


class PodPhase(str, Enum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"

    @property
    def completed(self) -> bool:
        return self in (PodPhase.SUCCEEDED, PodPhase.FAILED)


@dataclass
class ContainerState:
    name: str
    exit_code: int | None = None
    # Kubernetes' terminated reason: "Completed", "Error", "OOMKilled", "DeadlineExceeded"…
    reason: str | None = None
    message: str | None = None
    started_at: float | None = None
    finished_at: float | None = None


@dataclass
class TaskResult:
    """What the executor collected after main exited (Argo's WorkflowTaskResult outputs)."""

    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    result: str | None = None
    exit_code: int | None = None
    # Set when collecting an output failed (missing valueFrom.path without default…):
    # the node ends in Error with this message.
    error: str | None = None


@dataclass
class PodStatus:
    namespace: str
    name: str
    phase: PodPhase
    # Kubernetes pod-level reason/message, e.g. reason "DeadlineExceeded",
    # message "Pod was active on the node longer than the specified deadline".
    reason: str | None = None
    message: str | None = None
    started_at: float | None = None    # unix seconds
    finished_at: float | None = None
    pod_ip: str | None = None
    containers: list[ContainerState] = field(default_factory=list)
    task_result: TaskResult | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    def container(self, name: str) -> ContainerState | None:
        return next((c for c in self.containers if c.name == name), None)


@runtime_checkable
class Provider(Protocol):
    """Runs pods. Every method is safe to call concurrently."""

    name: str

    async def create_pod(self, pod: Pod) -> None:
        """Start the pod. Returns once it is accepted (not once it runs).

        Idempotent: creating a pod whose name exists does nothing. Failures to start
        are reported as a Failed PodStatus event with a message, not raised, except
        when the provider itself is unusable (ProviderError).
        """

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: float | None = None) -> None:
        """Stop the pod (SIGTERM, then SIGKILL after the grace period) and forget it.

        May be called more than once. A pod stopped before it completed is reported
        through `events()` as Failed before it is forgotten.
        """

    async def get_pod_status(self, namespace: str, name: str) -> PodStatus | None:
        """The pod's current status (a copy), or None if the provider has no such pod."""

    async def list_pods(self) -> list[PodStatus]:
        """Every pod the provider knows, including ones started before a restart (adoption)."""

    def logs(self, namespace: str, name: str, container: str = "main", follow: bool = False) -> AsyncIterator[str]:
        """Lines of a container's log (stdout and stderr interleaved), kept after the pod is gone."""

    def events(self) -> AsyncIterator[PodStatus]:
        """Every change of any pod's phase, as it happens. Never blocks the provider."""

    async def close(self) -> None:
        """Release resources; running pods keep running where the provider allows (adoption)."""


__all__ = ["PodPhase", "ContainerState", "TaskResult", "PodStatus", "Provider"]
