"""A pod simulator for driving `reconcile`: PodStatus updates are the controller's real input.

`Sim` keeps the node map and pod statuses the runner would keep, applies `Actions`, and
moves pods along (Pending → Running → Succeeded/Failed) as a test's `behave` function
says, with an injected clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import yaml

from podfleet.controller import Actions, reconcile
from podfleet.providers.contract import ContainerState, PodPhase, PodStatus, TaskResult
from podfleet.resources.kinds import Workflow

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


class Mode:
    """How the simulated runner keeps nodes: NodeStatus models, or plain dicts as the real runner does."""

    dict_nodes = False


@dataclass
class Outcome:
    exit_code: int = 0
    result: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    pod_message: str | None = None
    hold: bool = False          # keep the pod Running


Behave = Callable[[str, dict[str, Any]], Outcome]


def ok(_pod: str, _tmpl: dict[str, Any]) -> Outcome:
    return Outcome()


class DictResolver:
    def __init__(self, templates: dict[str, dict] | None = None, config_maps: dict[str, dict] | None = None) -> None:
        self.templates = templates or {}
        self.config_maps = config_maps or {}

    def workflow_template(self, namespace: str, name: str, cluster_scope: bool) -> dict | None:
        return self.templates.get(name)

    def config_map(self, namespace: str, name: str) -> dict | None:
        return self.config_maps.get(name)


class Sim:
    def __init__(self, text: str, *, resolver: Any = None, name: str = "wf") -> None:
        doc = yaml.safe_load(text)
        doc.setdefault("metadata", {})
        doc["metadata"].pop("generateName", None)
        doc["metadata"]["name"] = name
        doc["metadata"].setdefault("namespace", "default")
        doc["metadata"]["uid"] = "uid-1"
        doc["metadata"]["creationTimestamp"] = "2024-01-01T00:00:00Z"
        self.wf = Workflow.model_validate(doc)
        self.nodes: dict[str, Any] = {}
        self.pods: dict[str, PodStatus] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.now = T0
        self.resolver = resolver
        self.last: Actions | None = None
        self.max_running = 0

    # --- the runner's part -------------------------------------------------------
    def reconcile(self) -> Actions:
        actions = reconcile(self.wf, self.nodes, self.pods, now=self.now, resolver=self.resolver)
        if Mode.dict_nodes:
            self.nodes.update({k: v.dump() for k, v in actions.changed_nodes.items()})
        else:
            self.nodes.update(actions.changed_nodes)
        for pod in actions.pods_to_create:
            data = pod.dump() if hasattr(pod, "dump") else pod
            pname = data["metadata"]["name"]
            if pname in self.pods:
                continue
            self.created.append(pname)
            ann = data["metadata"]["annotations"]
            self.templates[pname] = json.loads(ann["podfleet.io/template"])
            self.pods[pname] = PodStatus(namespace="default", name=pname, phase=PodPhase.PENDING,
                                         annotations=dict(ann), labels=dict(data["metadata"].get("labels") or {}))
        for _ns, pname, _grace in actions.pods_to_delete:
            self.deleted.append(pname)
            pod = self.pods.pop(pname, None)
            if pod is not None and not pod.phase.completed:
                pass
        self.last = actions
        return actions

    @property
    def phase(self) -> str:
        status = self.wf.status
        return status.phase.value if status is not None and status.phase is not None else ""

    def node(self, name: str) -> dict[str, Any]:
        for node in self.nodes.values():
            data = node if isinstance(node, dict) else node.dump()
            if data["name"] == name:
                return data
        raise KeyError(name)

    def names(self) -> set[str]:
        return {n["name"] if isinstance(n, dict) else n.name for n in self.nodes.values()}

    def name_of(self, nid: str) -> str:
        n = self.nodes[nid]
        return n["name"] if isinstance(n, dict) else n.name

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    # --- the provider's part -----------------------------------------------------
    def move_pods(self, behave: Behave) -> bool:
        moved = False
        running = 0
        for pname, pod in list(self.pods.items()):
            if pod.phase == PodPhase.PENDING:
                pod.phase = PodPhase.RUNNING
                pod.started_at = self.now.timestamp()
                pod.pod_ip = "10.0.0.1"
                pod.containers = [ContainerState(name="main", started_at=self.now.timestamp())]
                moved = True
                running += 1
            elif pod.phase == PodPhase.RUNNING:
                out = behave(pname, self.templates[pname])
                if out.hold:
                    running += 1
                    continue
                end = self.now.timestamp()
                pod.finished_at = end
                pod.containers = [ContainerState(name="main", exit_code=out.exit_code, started_at=pod.started_at,
                                                 finished_at=end, reason=out.reason or ("Completed" if out.exit_code == 0 else "Error"))]
                pod.phase = PodPhase.SUCCEEDED if out.exit_code == 0 else PodPhase.FAILED
                pod.message = out.pod_message
                pod.task_result = TaskResult(parameters=dict(out.parameters), result=out.result, exit_code=out.exit_code)
                moved = True
        self.max_running = max(self.max_running, running + sum(1 for p in self.pods.values() if p.phase == PodPhase.RUNNING) - running)
        return moved

    def run(self, behave: Behave = ok, *, limit: int = 200, tick: float = 1.0) -> str:
        for _ in range(limit):
            self.reconcile()
            if self.phase in ("Succeeded", "Failed", "Error"):
                return self.phase
            self.advance(tick)
            moved = self.move_pods(behave)
            if not moved and self.last is not None and self.last.requeue_after:
                self.advance(self.last.requeue_after)
        raise AssertionError(f"workflow did not finish: {self.phase}, nodes={sorted(self.names())}")
