"""Pod reconciliation and execution control (Argo's podReconciliation, applyExecutionControl).

Before the template tree is walked, every unfinished pod node is matched with its pod's
status; pods gone missing error their node (`pod deleted`); on shutdown or past the
workflow deadline running pods are deleted and their nodes failed, and pending or
suspended nodes that never got a pod are failed too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from podfleet.controller.context import Pass
from podfleet.controller.nodes import FULFILLED_PHASES, ERROR, FAILED, PENDING, RUNNING, Node, fulfilled, parse_time
from podfleet.controller.podnode import assess
from podfleet.controller.podspec import TEMPLATE_ANNOTATION
from podfleet.controller.templates import Scope, resolve
from podfleet.errors import PodfleetError

RECENTLY_STARTED = timedelta(seconds=10)


def node_template(p: Pass, node: Node, annotations: dict[str, str] | None = None) -> dict[str, Any] | None:
    holder: dict[str, Any] = {}
    if node.get("templateRef"):
        holder["templateRef"] = node["templateRef"]
    elif node.get("templateName"):
        holder["template"] = node["templateName"]
    if holder:
        try:
            return resolve(p, holder, Scope.parse(node.get("templateScope"), p.name))[0]
        except PodfleetError:
            pass
    raw = (annotations or {}).get(TEMPLATE_ANNOTATION)
    if raw:
        import json

        try:
            value = json.loads(raw)
            return value if isinstance(value, dict) else None
        except ValueError:
            return None
    return None


def part_of_exit_handler(name: str) -> bool:
    return ".onExit" in name or ".hooks." in name


def scan(p: Pass) -> dict[str, Any]:
    """One pass over the node map: unfinished nodes by kind, and the counts status needs."""
    active_pods: list[str] = []
    unfinished: list[str] = []
    pods_total = pods_done = 0
    has_daemons = False
    for nid, node_type, phase, daemoned in p.nodes.rows("type", "phase", "daemoned"):
        if phase in FULFILLED_PHASES:
            if node_type == "Pod":
                pods_total += 1
                pods_done += 1
            continue
        if node_type == "Pod":
            pods_total += 1
            active_pods.append(nid)
        unfinished.append(nid)
        if daemoned:
            has_daemons = True
    return {"active_pods": active_pods, "unfinished": unfinished, "pods_total": pods_total,
            "pods_done": pods_done, "has_daemons": has_daemons}


def reconcile_pods(p: Pass, active_pod_ids: list[str]) -> None:
    from podfleet.controller.globals import export_outputs

    for nid in active_pod_ids:
        name = _pod_name_of(p, nid)
        status = p.pods.get(name)
        if status is not None and _unchanged(p, nid, status):
            continue
        node = p.nodes.get(nid)
        if node is None:
            continue
        if status is None:
            if node.get("phase") == PENDING:
                continue
            started = parse_time(node.get("startedAt"))
            if started is not None and p.now - started <= RECENTLY_STARTED:
                p.actions.requeue(RECENTLY_STARTED.total_seconds())
                continue
            node.pop("daemoned", None)
            p.nodes.mark(node, ERROR, "pod deleted")
            continue
        was_fulfilled = fulfilled(node.get("phase"))
        assess(p, node, status, node_template(p, node, status.annotations))
        if not was_fulfilled and fulfilled(node.get("phase")):
            export_outputs(p, node.get("outputs"))
            _gc_pod(p, node, name)
        _execution_control(p, node, name)


def _pod_name_of(p: Pass, nid: str) -> str:
    from podfleet.controller.ids import pod_name

    tname = p.nodes.peek(nid, "templateName")
    if tname is None:
        ref = p.nodes.peek(nid, "templateRef")
        tname = (ref.get("template") if isinstance(ref, dict) else getattr(ref, "template", None)) if ref else None
    return pod_name(p.name, p.nodes.peek(nid, "name"), tname)


def _unchanged(p: Pass, nid: str, status: Any) -> bool:
    """The pod still runs as the node says and nothing forces a decision: skip the node cheaply."""
    if p.shutdown or p.deadline_exceeded() or status.phase.completed:
        return False
    phase = p.nodes.phase(nid)
    if status.phase.value != phase:
        return False
    # A Pending pod's message may change (image pull…); a Running one has nothing new to say.
    return phase == RUNNING or not status.message


def _gc_pod(p: Pass, node: Node, name: str) -> None:
    strategy = (p.spec.get("podGC") or {}).get("strategy")
    if strategy == "OnPodCompletion" or (strategy == "OnPodSuccess" and node.get("phase") == "Succeeded"):
        p.actions.delete_pod(p.namespace, name, None)


def _execution_control(p: Pass, node: Node, pod: str) -> None:
    if fulfilled(node.get("phase")) and not node.get("daemoned"):
        return
    on_exit = part_of_exit_handler(node["name"])
    if p.shutdown and (p.shutdown == "Terminate" or not on_exit):
        p.actions.delete_pod(p.namespace, pod, 0)
        node.pop("daemoned", None)
        p.nodes.mark(node, FAILED, f"workflow shutdown with strategy:  {p.shutdown}")
        return
    if p.deadline_exceeded() and not on_exit:
        p.actions.delete_pod(p.namespace, pod, 0)
        node.pop("daemoned", None)
        p.nodes.mark(node, FAILED, "Step exceeded its deadline")


def fail_unstarted(p: Pass, unfinished: list[str]) -> None:
    """Argo's failNodesWithoutCreatedPodsAfterDeadlineOrShutdown."""
    if not p.shutdown and not p.deadline_exceeded():
        return
    for nid in unfinished:
        node = p.nodes.get(nid)
        if node is None or fulfilled(node.get("phase")):
            continue
        on_exit = part_of_exit_handler(node["name"])
        active_suspend = node.get("type") == "Suspend" and node.get("phase") == RUNNING
        if p.shutdown and (p.shutdown == "Terminate" or not on_exit):
            if active_suspend or (node.get("type") == "Pod" and node.get("phase") == PENDING):
                p.nodes.mark(node, FAILED, f"Stopped with strategy '{p.shutdown}'")
                continue
        if p.deadline_exceeded() and not on_exit and (node.get("phase") == PENDING or active_suspend):
            if node.get("type") in ("Pod", "Suspend"):
                p.nodes.mark(node, FAILED, "Step exceeded its deadline")


__all__ = ["scan", "reconcile_pods", "fail_unstarted", "node_template", "part_of_exit_handler"]
