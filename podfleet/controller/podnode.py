"""Container and script nodes: create the pod once, then follow what the provider reports.

`execute_pod` is Argo's executeContainer/executeScript: the node starts Pending and its
pod is asked for while no pod is seen (creation is idempotent by name, so asking again
after a crash is safe). `assess` is Argo's assessNodeStatus: it maps a PodStatus (and the
executor's TaskResult) onto the node — phase, message (`Error (exit code 1)`), outputs,
exitCode, finishedAt, resourcesDuration, progress.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from podfleet.controller.context import Pass
from podfleet.controller.ids import pod_name
from podfleet.controller.nodes import ERROR, FAILED, PENDING, RUNNING, SUCCEEDED, Node, fulfilled, parse_time, rfc3339
from podfleet.controller.podspec import MAIN, build_pod, to_pod_model
from podfleet.controller.templates import Scope, template_of_node
from podfleet.resources.podlayout import COST_ANNOTATION
from podfleet.providers.contract import PodPhase, PodStatus

_SUPPORTED = ("container", "script")


def execute_pod(p: Pass, call: Any, tmpl: dict[str, Any], _scope: Scope, node: Node | None) -> Node:
    from podfleet.controller.execute import init_exec_node

    is_new = node is None
    if node is None:
        node = init_exec_node(p, call, tmpl, "Pod", PENDING)
        p.nodes.set(node, "progress", "0/1")
    kind = next((k for k in _SUPPORTED if tmpl.get(k) is not None), None)
    if kind is None:
        other = next(k for k in ("resource", "data", "containerSet") if tmpl.get(k) is not None)
        return p.nodes.mark(node, ERROR, f"{other} templates are not supported by podfleet yet")
    name = pod_name(p.name, call.name, tmpl.get("name"))
    if node.get("phase") == PENDING and name not in p.pods:
        if (p.shutdown and (p.shutdown == "Terminate" or not call.opts.on_exit)) or (
                p.deadline_exceeded() and not call.opts.on_exit):
            return node  # shutdown/deadline handling fails it
        pod = build_pod(p, node_name=call.name, node_id=node["id"], pod_name=name, tmpl=tmpl,
                        on_exit=call.opts.on_exit, started=parse_time(node.get("startedAt")),
                        execution_deadline=call.opts.execution_deadline)
        p.actions.pods_to_create.append(to_pod_model(pod))
        if is_new:  # an existing Pending node is already counted by the pass's scan
            p.active_pods += 1
    return node


def _ts(value: float | None) -> str | None:
    if value is None:
        return None
    return rfc3339(datetime.fromtimestamp(value, tz=timezone.utc))


def _failure(status: PodStatus) -> tuple[str, str]:
    """Argo's inferFailedReason: the pod's message, else main's exit, else a sidecar's."""
    if status.message:
        return FAILED, status.message
    ordered = sorted(status.containers, key=lambda c: 0 if c.name == MAIN else 1)
    for ctr in ordered:
        if ctr.exit_code is None or ctr.exit_code == 0:
            continue
        msg = f"{ctr.reason or 'Error'} (exit code {ctr.exit_code})"
        if ctr.message:
            msg = f"{msg}: {ctr.message}"
        # Argo ≥ 3.7 names the container: `main: Error (exit code 1)`.
        msg = f"{ctr.name}: {msg}"
        if ctr.name == MAIN:
            return FAILED, msg
        if ctr.exit_code not in (137, 143):
            return FAILED, msg
    main = status.container(MAIN)
    if main is not None and main.exit_code == 0:
        return SUCCEEDED, ""
    if status.reason:
        return FAILED, status.reason
    return FAILED, f"can't find failed message for pod {status.name} namespace {status.namespace}"


def _outputs(node: Node, tmpl: dict[str, Any] | None, status: PodStatus) -> dict[str, Any] | None:
    result = status.task_result
    outputs: dict[str, Any] = dict(node.get("outputs") or {})
    if result is not None:
        declared = ((tmpl or {}).get("outputs") or {}).get("parameters") or []
        params = []
        for decl in declared:
            if decl.get("name") in result.parameters:
                params.append({**decl, "value": result.parameters[decl["name"]]})
        for name, value in result.parameters.items():
            if not any(d.get("name") == name for d in declared):
                params.append({"name": name, "value": value})
        if params:
            outputs["parameters"] = params
        if result.artifacts:
            outputs["artifacts"] = [dict(a) for a in result.artifacts]
        if result.result is not None:
            outputs["result"] = result.result
    main = status.container(MAIN)
    exit_code = main.exit_code if main is not None and main.exit_code is not None else (
        result.exit_code if result is not None else None)
    if exit_code is not None:
        outputs["exitCode"] = str(exit_code)
    return outputs or None


def resources_duration(tmpl: dict[str, Any] | None, status: PodStatus, now: datetime) -> dict[str, int]:
    """Argo's DurationForPod: per container, seconds × request/base (cpu 1 core, memory 100Mi)."""
    from podfleet.resources.quantity import parse_quantity

    specs = {MAIN: (tmpl or {}).get("container") or (tmpl or {}).get("script") or {}}
    for side in (tmpl or {}).get("sidecars") or ():
        specs[side.get("name", "")] = side
    totals: dict[str, float] = {}
    for ctr in status.containers:
        start = ctr.started_at or status.started_at
        end = ctr.finished_at or status.finished_at or now.timestamp()
        if start is None:
            continue
        seconds = max(0.0, end - start)
        res = (specs.get(ctr.name) or {}).get("resources") or {}
        requests = {**(res.get("limits") or {}), **(res.get("requests") or {})}
        requests.setdefault("cpu", "100m")
        requests.setdefault("memory", "100Mi")
        for name, qty in requests.items():
            try:
                amount = parse_quantity(qty)
            except Exception:  # a malformed quantity: leave it out of the estimate
                continue
            base = 100 * 1024 * 1024 if name == "memory" else (10 * 1024 ** 3 if "storage" in name else 1.0)
            totals[name] = totals.get(name, 0.0) + seconds * amount / base
    return {k: int(v) for k, v in totals.items() if int(v) > 0 or k in ("cpu", "memory")}


def assess(p: Pass, node: Node, status: PodStatus, tmpl: dict[str, Any] | None) -> None:
    """Update a pod node from its pod's status (no-op when nothing changed)."""
    daemon = bool((tmpl or {}).get("daemon"))
    old_phase = node.get("phase")
    phase, message = old_phase, node.get("message")
    if status.phase == PodPhase.PENDING:
        phase = PENDING
        message = status.message or status.reason or message
    elif status.phase == PodPhase.RUNNING:
        phase = RUNNING
        if daemon:
            p.nodes.set(node, "daemoned", True)
            if status.pod_ip:
                p.nodes.set(node, "podIP", status.pod_ip)
    elif status.phase == PodPhase.SUCCEEDED:
        phase = FAILED if daemon else SUCCEEDED
    elif status.phase == PodPhase.FAILED:
        phase, message = _failure(status)
    if status.task_result is not None and status.task_result.error and status.phase.completed:
        phase, message = ERROR if status.phase == PodPhase.SUCCEEDED else phase, status.task_result.error
        if phase not in (FAILED, ERROR):
            phase = ERROR
    if status.phase.completed:
        node.pop("daemoned", None)
        outputs = _outputs(node, tmpl, status)
        if outputs is not None:
            p.nodes.set(node, "outputs", outputs)
    if old_phase == PENDING and phase not in (PENDING, FAILED, ERROR) and message == node.get("message"):
        message = ""
    if status.pod_ip and node.get("daemoned"):
        p.nodes.set(node, "podIP", status.pod_ip)
    p.nodes.mark(node, phase or PENDING, message if message is not None else None)
    if fulfilled(phase):
        finished = _ts(status.finished_at) or max(
            (t for t in (_ts(c.finished_at) for c in status.containers) if t), default=None)
        if finished and node.get("finishedAt") != finished and old_phase != phase:
            p.nodes.set(node, "finishedAt", finished)
        if "resourcesDuration" not in node:
            p.nodes.set(node, "resourcesDuration", resources_duration(tmpl, status, p.now))
        cost = status.annotations.get(COST_ANNOTATION)
        if cost is not None and node.get("cost") != cost:
            # podfleet's extension next to resourcesDuration: what the placement layer
            # billed for this pod (per second at its instance spec), in the fleet's currency.
            p.nodes.set(node, "cost", cost)
        p.nodes.set(node, "progress", "1/1")
        if phase == SUCCEEDED:
            from podfleet.controller.memo import save

            save(p, node)
    elif node.get("progress") is None:
        p.nodes.set(node, "progress", "0/1")


def node_pod_name(p: Pass, node: Node) -> str:
    return pod_name(p.name, node["name"], template_of_node(node) or _inline_name(node))


def _inline_name(node: Node) -> str | None:
    return None


__all__ = ["execute_pod", "assess", "resources_duration", "node_pod_name"]
