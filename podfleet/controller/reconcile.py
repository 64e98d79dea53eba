"""reconcile: one pure pass of the workflow controller (Argo's operate).

Given the workflow, its persisted nodes, the current pod statuses and the time, it
returns what changed and what to do; the runner persists, creates/deletes pods and calls
again on pod events or after `requeue_after`. Pod names and node ids are deterministic,
so calling it twice with the same inputs decides the same things — a restarted runner
adopts running pods instead of starting duplicates.

Cost per call: one cheap scan of the node map (phase/type reads, no copies), plus work
proportional to the unfinished part of the tree and the children of the template
scopes still running; finished subtrees are skipped in O(1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Mapping

from podfleet.controller import progress
from podfleet.controller.artifacts import freeze_repository
from podfleet.controller.context import SPEC_DERIVED, Actions, NullResolver, ParallelismReached, Pass, Resolver
from podfleet.controller.execute import Call, Opts, execute
from podfleet.controller.ids import on_exit_node_name, pod_name
from podfleet.controller.nodes import FAILED, NodeTable, failed_or_error, fulfilled, node_fulfilled, parse_time
from podfleet.controller.params import build_globals
from podfleet.controller.podsync import fail_unstarted, reconcile_pods, scan
from podfleet.controller.specmemo import MEMO as SPEC_MEMO
from podfleet.controller.templates import Scope, template_of_node
from podfleet.controller.wfstatus import StatusWriter, merge_workflow_template
from podfleet.errors import PodfleetError
from podfleet.templating.variables import failures_value
from podfleet.providers.contract import PodStatus

_WF_PHASE = {"Pending": "Pending", "Running": "Running", "Succeeded": "Succeeded", "Skipped": "Succeeded",
             "Failed": "Failed", "Error": "Error", "Omitted": "Succeeded"}


def _dump(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    return obj.dump()  # type: ignore[no-any-return]


def _spec_of(workflow: Any) -> tuple[dict[str, Any], dict[Any, Any] | None]:
    """The spec as dicts, and the memo of facts derived from it (None when not memoised)."""
    spec = workflow.spec
    if spec is None or isinstance(spec, dict):
        return _dump(spec), None
    facts = SPEC_MEMO.facts(spec)
    return facts.spec, facts.derived


def reconcile(workflow: Any, nodes: Mapping[str, Any], pods: Mapping[str, PodStatus], *, now: datetime,
              resolver: Resolver | None = None) -> Actions:
    """Advance `workflow` one step; its status is updated in place, node changes are returned.

    `pods` maps pod name → PodStatus for this workflow's pods.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    actions = Actions()
    status = StatusWriter(workflow)
    if status.get("phase") in ("Succeeded", "Failed", "Error"):
        return actions
    meta = _dump(workflow.metadata)
    name = meta.get("name") or ""
    try:
        own_spec, derived = _spec_of(workflow)
        spec = merge_workflow_template(workflow, own_spec, status, resolver or NullResolver(),
                                       meta.get("namespace") or "default")
    except PodfleetError as err:
        status.set_phase("Error", str(err), now)
        return actions
    table = NodeTable(name, nodes, now)
    p = Pass(
        name=name, namespace=meta.get("namespace") or "default", uid=str(meta.get("uid") or ""),
        spec=spec, metadata=meta, nodes=table, pods=pods, now=now, resolver=resolver or NullResolver(),
        actions=actions, globals={}, global_outputs={}, deadline=None,
        shutdown=spec.get("shutdown") or None,
        stored_templates=dict(status.get("storedTemplates") or {}),
    )
    if spec is own_spec and derived is not None:
        p.cache[SPEC_DERIVED] = derived
    for param in (status.get("outputs") or {}).get("parameters") or ():
        p.global_outputs[param["name"]] = dict(param)
    for art in (status.get("outputs") or {}).get("artifacts") or ():
        p.cache.setdefault("global-artifacts", {})[art["name"]] = dict(art)
    try:
        p.globals = build_globals(p, parse_time(meta.get("creationTimestamp")))
        freeze_repository(p, status)
    except PodfleetError as err:
        status.set_phase("Error", str(err), now)
        return actions

    if not status.get("phase") or status.get("phase") == "Pending":
        status.set_phase("Running", None, now)
    started = parse_time(status.get("startedAt")) or now
    ads = spec.get("activeDeadlineSeconds")
    if isinstance(ads, (int, float)) and not isinstance(ads, bool):
        p.deadline = started + timedelta(seconds=ads)
        if not p.deadline_exceeded():
            actions.requeue((p.deadline - now).total_seconds())

    facts = scan(p)
    p.cache["has-daemons"] = facts["has_daemons"]
    p.active_pods = len(facts["active_pods"])
    reconcile_pods(p, facts["active_pods"])
    fail_unstarted(p, facts["unfinished"])
    p.active_pods = sum(1 for nid in facts["active_pods"] if not fulfilled(table.phase(nid)))

    if not spec.get("suspend"):
        try:
            _operate(p, status)
        except PodfleetError as err:
            status.set_phase("Error", str(err), now)
        except Exception as err:  # noqa: BLE001 — Argo's recover(): a controller bug errors the workflow, not the runner
            status.set_phase("Error", f"internal error: {type(err).__name__}: {err}", now)
    _finish(p, status, facts)
    return actions


def _operate(p: Pass, status: "StatusWriter") -> None:
    root_scope = Scope("local", p.name)
    entry = {"template": p.spec.get("entrypoint")}
    try:
        root = execute(p, Call(p.name, entry, root_scope, p.spec.get("arguments"), Opts()))
    except ParallelismReached:
        return
    except PodfleetError as err:
        status.set_phase("Error", f"error in entry template execution: {err}", p.now)
        return
    if root is None:
        return
    wf_phase = _WF_PHASE.get(root.get("phase", ""), "Running")
    p.globals["workflow.status"] = wf_phase
    if _exit_hook(p.spec) is not None or p.spec.get("hooks"):
        # Only the workflow's hooks and exit handler run after this point and can read it.
        p.globals["workflow.failures"] = _failures(p)
    hooks_done = _workflow_hooks_done(p, root_scope)
    if not hooks_done or not node_fulfilled(root):
        return
    exit_node = None
    hook = _exit_hook(p.spec)
    if hook is not None:
        exit_name = on_exit_node_name(p.name)
        existing = p.nodes.by_name(exit_name)
        if existing is not None or p.shutdown != "Terminate":
            try:
                exit_node = execute(p, Call(exit_name, hook, root_scope, hook.get("arguments") or p.spec.get("arguments"),
                                            Opts(on_exit=True, node_flag={"hooked": True})))
            except ParallelismReached:
                return
            if exit_node is None or not fulfilled(exit_node.get("phase")):
                return
    message = root.get("message", "")
    if failed_or_error(root.get("phase")) and p.shutdown:
        message = f"Stopped with strategy '{p.shutdown}'"
    if wf_phase == "Succeeded":
        if exit_node is not None and failed_or_error(exit_node.get("phase")):
            status.set_phase("Failed" if exit_node["phase"] == FAILED else "Error", exit_node.get("message", ""), p.now)
        else:
            status.set_phase("Succeeded", None, p.now)
    else:
        status.set_phase(wf_phase, message, p.now)


def _exit_hook(spec: dict[str, Any]) -> dict[str, Any] | None:
    hooks = spec.get("hooks") or {}
    if hooks.get("exit"):
        h = hooks["exit"]
        return {k: h[k] for k in ("template", "templateRef", "arguments") if h.get(k)}
    if spec.get("onExit"):
        return {"template": spec["onExit"]}
    return None


def _workflow_hooks_done(p: Pass, scope: Scope) -> bool:
    from podfleet.controller.exits import run_hooks

    hooks = {k: v for k, v in (p.spec.get("hooks") or {}).items() if k != "exit"}
    if not hooks:
        return True
    root = p.nodes.by_name(p.name)
    return root is None or run_hooks(p, {"hooks": hooks}, root, None, scope, None)


def _failures(p: Pass) -> str:
    """`{{workflow.failures}}`: the failed/errored nodes as a JSON list (Argo's failedNodeStatus)."""
    failures = []
    for nid in p.nodes.ids():
        if not failed_or_error(p.nodes.phase(nid)):
            continue
        node = p.nodes.get(nid)
        if node is None:
            continue
        tname = template_of_node(node) or ""
        failures.append({
            "displayName": node.get("displayName", ""), "message": node.get("message", ""),
            "templateName": tname, "phase": node.get("phase"),
            "podName": pod_name(p.name, node["name"], tname), "finishedAt": node.get("finishedAt"),
        })
    return failures_value(failures)


def _finish(p: Pass, status: "StatusWriter", facts: dict[str, Any]) -> None:
    """Status fields derived from the nodes, pod clean-up, and the node changes for the runner."""
    table = p.nodes
    # Totals only move when a pod node appears or changes; they are carried forward from
    # the persisted status by this pass's changes (O(changed)), and summed over every node
    # only when the status has none yet (a new workflow, or an operation dropped them).
    if any(table.peek(nid, "type") == "Pod" for nid in table.dirty) or status.get("progress") is None:
        full = status.get("progress") is None
        totals = _Totals.summed(table) if full else _Totals.carried(status, table)
        status.set("progress", f"{totals.done}/{totals.total}")
        if totals.durations:
            status.set("resourcesDuration", totals.durations)
        if totals.cost:
            status.set("cost", f"{totals.cost:.8f}")
        progress.update(p, full=full)
    if p.stored_changed:
        status.set("storedTemplates", p.stored_templates)
    if p.cache.get("outputs-changed"):
        outputs: dict[str, Any] = {}
        if p.global_outputs:
            outputs["parameters"] = list(p.global_outputs.values())
        if p.cache.get("global-artifacts"):
            outputs["artifacts"] = list(p.cache["global-artifacts"].values())
        status.set("outputs", outputs)
    running = any(table.phase(nid) == "Running" and table.peek(nid, "type") == "Pod" for nid in facts["active_pods"])
    status.set_condition("PodRunning", "True" if running else "False")
    if status.get("phase") in ("Succeeded", "Failed", "Error"):
        status.set_condition("Completed", "True")
        strategy = (p.spec.get("podGC") or {}).get("strategy")
        for pname, pstat in p.pods.items():
            if not pstat.phase.completed:
                p.actions.delete_pod(p.namespace, pname, 0)
            elif strategy == "OnWorkflowCompletion" or (
                    strategy == "OnWorkflowSuccess" and status.get("phase") == "Succeeded"):
                p.actions.delete_pod(p.namespace, pname, None)
        p.actions.requeue_after = None
    p.actions.changed_nodes = _to_models(table.changed())


@dataclass
class _Totals:
    """The workflow's pod totals: progress, resourcesDuration, and the billed cost."""

    done: int = 0
    total: int = 0
    cost: Decimal = Decimal(0)
    durations: dict[str, int] = field(default_factory=dict)

    def add(self, sign: int, phase: str | None, durations: Any, cost: Any) -> None:
        self.total += sign
        if fulfilled(phase):
            self.done += sign
        for key, value in (durations or {}).items():
            self.durations[key] = self.durations.get(key, 0) + sign * int(value)
        if cost:
            # Decimal, not float: the carried total must equal the summed one to the last digit.
            self.cost += sign * Decimal(str(cost))

    @classmethod
    def summed(cls, table: NodeTable) -> "_Totals":
        totals = cls()
        for nid in table.ids():
            if table.peek(nid, "type") == "Pod":
                totals.add(1, table.phase(nid), table.peek(nid, "resourcesDuration"), table.peek(nid, "cost"))
        return totals

    @classmethod
    def carried(cls, status: "StatusWriter", table: NodeTable) -> "_Totals":
        done, _, total = str(status.get("progress")).partition("/")
        totals = cls(int(done or 0), int(total or 0), Decimal(str(status.get("cost") or 0)),
                     {k: int(v) for k, v in (status.get("resourcesDuration") or {}).items()})
        for nid in table.dirty:
            if table.persisted(nid, "type") == "Pod":
                totals.add(-1, table.persisted(nid, "phase"), table.persisted(nid, "resourcesDuration"),
                           table.persisted(nid, "cost"))
            if table.peek(nid, "type") == "Pod":
                totals.add(1, table.phase(nid), table.peek(nid, "resourcesDuration"), table.peek(nid, "cost"))
        return totals


def _to_models(changed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    try:
        from podfleet.resources.status import NodeStatus
    except ImportError:
        return changed
    return {nid: NodeStatus.model_validate(node) for nid, node in changed.items()}


__all__ = ["reconcile", "Actions", "Resolver"]
