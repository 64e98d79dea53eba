"""executeTemplate: turn (node name, what to run, arguments) into a node, one step further.

This is Argo's `executeTemplate` without its god-object: resolve the template, bind
arguments, honour `timeout`, parallelism, memoization and retries, then hand the node to
the module that owns its template kind (`KINDS`). A node that is already fulfilled is
returned at once, before any resolution or substitution — that is what keeps a reconcile
of a large, mostly finished workflow cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from podfleet.controller import retry as retry_mod
from podfleet.controller.context import ParallelismReached, Pass
from podfleet.controller.ids import pod_name
from podfleet.controller.memo import check_memo
from podfleet.controller.nodes import ERROR, FAILED, PENDING, RUNNING, Node, fulfilled, parse_time
from podfleet.controller.params import process_args, substitute_params
from podfleet.controller.templates import Scope, resolve, template_type
from podfleet.durations import parse_duration
from podfleet.errors import PodfleetError

NODE_TYPES = {
    "container": "Pod", "script": "Pod", "resource": "Pod", "data": "Pod", "containerSet": "Pod",
    "steps": "Steps", "dag": "DAG", "suspend": "Suspend", "http": "HTTP", "plugin": "Plugin",
}
POD_KINDS = frozenset({"container", "script", "resource", "data", "containerSet"})


@dataclass
class Opts:
    boundary_id: str | None = None
    on_exit: bool = False
    node_flag: dict[str, Any] | None = None
    execution_deadline: datetime | None = None


@dataclass
class Call:
    """One invocation: the node to produce and what it runs."""

    name: str
    holder: dict[str, Any]          # the step / task / {"template": entrypoint}
    scope: Scope                    # where the holder's template name is looked up
    args: dict[str, Any] | None
    opts: Opts = field(default_factory=Opts)
    holder_kind: str = ""           # "step" | "task" | ""


Executor = Callable[[Pass, Call, dict[str, Any], Scope, Node | None], Node]


def _kinds() -> dict[str, Executor]:
    from podfleet.controller import dag, podnode, steps, suspend

    return {
        "container": podnode.execute_pod, "script": podnode.execute_pod, "resource": podnode.execute_pod,
        "data": podnode.execute_pod, "containerSet": podnode.execute_pod,
        "steps": steps.execute_steps, "dag": dag.execute_dag, "suspend": suspend.execute_suspend,
    }


def error_node(p: Pass, call: Call, message: str, node: Node | None = None) -> Node:
    """Argo's initializeNodeOrMarkError."""
    if node is not None:
        return p.nodes.mark(node, ERROR, message)
    return p.nodes.init(
        call.name, "Skipped", boundary_id=call.opts.boundary_id, phase=ERROR,
        template_name=call.holder.get("template") if not call.holder.get("templateRef") else None,
        template_ref=call.holder.get("templateRef"), template_scope=call.scope.text,
        message=message, node_flag=call.opts.node_flag,
    )


def init_exec_node(p: Pass, call: Call, tmpl: dict[str, Any], node_type: str, phase: str,
                   message: str | None = None) -> Node:
    """Argo's initializeExecutableNode: the node plus its inputs and memoization status."""
    holder = call.holder
    node = p.nodes.init(
        call.name, node_type, boundary_id=call.opts.boundary_id, phase=phase,
        template_name=None if holder.get("templateRef") or holder.get("inline") else holder.get("template"),
        template_ref=holder.get("templateRef"), template_scope=call.scope.text,
        message=message, node_flag=call.opts.node_flag,
    )
    inputs = tmpl.get("inputs") or {}
    if inputs.get("parameters") or inputs.get("artifacts"):
        node["inputs"] = inputs
    memo = tmpl.get("memoize")
    if memo and "memoizationStatus" not in node:
        node["memoizationStatus"] = {"hit": False, "key": memo.get("key", ""),
                                     "cacheName": ((memo.get("cache") or {}).get("configMap") or {}).get("name", "")}
    if node_type == "Suspend":
        from podfleet.controller.suspend import raw_outputs

        outputs = raw_outputs(tmpl)
        if outputs:
            node["outputs"] = outputs
    return node


def pod_in_flight(p: Pass, nid: str, phase: str | None) -> bool:
    """A pod node whose pod exists and runs: pod reconciliation owns it, nothing to re-evaluate."""
    if phase not in (PENDING, RUNNING) or p.nodes.peek(nid, "type") != "Pod":
        return False
    if phase == RUNNING:
        return True
    name = p.nodes.peek(nid, "name")
    tname = p.nodes.peek(nid, "templateName")
    if tname is None:
        ref = p.nodes.peek(nid, "templateRef")
        tname = (ref.get("template") if isinstance(ref, dict) else getattr(ref, "template", None)) if ref else None
    return pod_name(p.name, name, tname) in p.pods


def execute(p: Pass, call: Call) -> Node | None:
    """Run one step of `call`; returns its node (None when parallelism keeps it from starting)."""
    nid = p.nodes.id_of(call.name)
    phase = p.nodes.phase(nid)
    if fulfilled(phase) or pod_in_flight(p, nid, phase):
        return p.nodes.get(nid)
    node = p.nodes.get(nid) if phase is not None else None
    # A node that does not exist yet and may not start: decide before resolving and
    # substituting its template, so a 10,000-item loop held back by `parallelism` costs a
    # few lookups per waiting item per pass, not a template substitution each.
    if node is None and _parallelism_blocks(p, None, None, call.opts.boundary_id):
        return None
    try:
        tmpl, child_scope = resolve(p, call.holder, call.scope)
    except PodfleetError as err:
        return error_node(p, call, str(err), node)
    kind = template_type(tmpl)
    has_retry = retry_mod.strategy(p, tmpl) is not None
    local = {"node.name": call.name}
    if kind in POD_KINDS and not has_retry:
        local["pod.name"] = pod_name(p.name, call.name, tmpl.get("name"))
    if call.holder_kind == "task":
        local["tasks.name"] = call.holder.get("name", "")
    elif call.holder_kind == "step":
        local["steps.name"] = call.holder.get("name", "")
    try:
        processed = process_args(p, tmpl, call.args, local)
    except PodfleetError as err:
        return error_node(p, call, str(err), node)
    if kind is None:
        return error_node(p, call, f"Template '{tmpl.get('name', '')}' missing specification", node)

    if node is not None:
        timed_out = _check_timeout(p, processed, node)
        if timed_out:
            return timed_out
    if _parallelism_blocks(p, processed, node, call.opts.boundary_id):
        return node

    if processed.get("memoize") and node is None:
        node = check_memo(p, call, processed, init_exec_node)
        if node is not None and fulfilled(node.get("phase")):
            return node

    was_new = node is None
    if has_retry:
        result = retry_mod.execute_with_retry(p, call, processed, child_scope, node, _dispatch)
    else:
        result = _dispatch(p, call, processed, child_scope, node)
    if was_new and result is not None and result.get("phase") in (PENDING, RUNNING):
        note_started(p, call.opts.boundary_id)
    return result


def _dispatch(p: Pass, call: Call, tmpl: dict[str, Any], child_scope: Scope, node: Node | None) -> Node:
    kind = template_type(tmpl) or ""
    executor = _kinds().get(kind)
    if executor is None:
        msg = f"template type '{kind}' is not supported by podfleet"
        return error_node(p, call, msg, node)
    try:
        return executor(p, call, tmpl, child_scope, node)
    except ParallelismReached:
        raise
    except PodfleetError as err:
        current = p.nodes.by_name(call.name)
        if current is None:
            return error_node(p, call, str(err))
        return p.nodes.mark(current, ERROR, str(err))


def with_retry_locals(p: Pass, tmpl: dict[str, Any], name: str, locals_: dict[str, str]) -> dict[str, Any]:
    """Substitute `{{retries}}`, `{{lastRetry.*}}` and the attempt's `{{pod.name}}`."""
    if template_type(tmpl) in POD_KINDS:
        locals_ = {**locals_, "pod.name": pod_name(p.name, name, tmpl.get("name"))}
    return substitute_params(tmpl, {**p.globals, **locals_})


def _check_timeout(p: Pass, tmpl: dict[str, Any], node: Node) -> Node | None:
    """Template `timeout`: a node still Pending past it fails (running pods get activeDeadlineSeconds)."""
    timeout = tmpl.get("timeout")
    if not timeout or node.get("phase") != PENDING:
        return None
    started = parse_time(node.get("startedAt"))
    try:
        seconds = parse_duration(timeout)
    except PodfleetError:
        return None
    if started is None:
        return None
    deadline = started + timedelta(seconds=seconds)
    if p.now >= deadline:
        if node.get("type") == "Pod":
            tname = node.get("templateName") or (node.get("templateRef") or {}).get("template")
            p.actions.delete_pod(p.namespace, pod_name(p.name, node["name"], tname), 0)
        return p.nodes.mark(node, FAILED, f"Step exceeded its deadline (timeout {timeout})"[: 200])
    p.actions.requeue((deadline - p.now).total_seconds())
    return None


def _parallelism_blocks(p: Pass, tmpl: dict[str, Any] | None, node: Node | None, boundary_id: str | None) -> bool:
    """Argo's checkParallelism: the workflow's limit on active pods, and the enclosing template's limit."""
    limit = p.parallelism
    if limit is not None and p.active_pods >= limit:
        return True
    if boundary_id and (node is None or node.get("phase") not in (PENDING, RUNNING)):
        entry = p.cache.get(("par", boundary_id))
        if entry is not None and entry[1] >= entry[0]:
            return True
    return False


def parallelism_blocks(p: Pass, boundary_id: str | None) -> bool:
    """May a node that does not exist yet start under `boundary_id` now?"""
    return _parallelism_blocks(p, None, None, boundary_id)


def set_boundary_limit(p: Pass, boundary_id: str, limit: Any, active: int) -> None:
    """A steps/DAG template with `parallelism`: how many of its children may be active."""
    if isinstance(limit, int):
        p.cache[("par", boundary_id)] = [limit, active]


def note_started(p: Pass, boundary_id: str | None) -> None:
    """A node just started under `boundary_id`: count it against that boundary's parallelism."""
    if boundary_id:
        entry = p.cache.get(("par", boundary_id))
        if entry is not None:
            entry[1] += 1


def count_active(p: Pass, child_ids: Any) -> int:
    """Active (Pending/Running) leaves among a template's children, seen through Retry/TaskGroup wrappers."""
    n = 0
    for cid in child_ids:
        node_type = p.nodes.peek(cid, "type")
        if node_type in ("Retry", "TaskGroup"):
            if p.nodes.phase(cid) in (PENDING, RUNNING):
                kids = p.nodes.peek(cid, "children") or ()
                n += count_active(p, kids[-1:] if node_type == "Retry" else kids)
            continue
        if p.nodes.phase(cid) in (PENDING, RUNNING):
            n += 1
    return n


__all__ = ["Call", "Opts", "execute", "init_exec_node", "error_node", "NODE_TYPES", "POD_KINDS", "with_retry_locals",
           "set_boundary_limit", "note_started", "parallelism_blocks", "count_active", "pod_in_flight"]
