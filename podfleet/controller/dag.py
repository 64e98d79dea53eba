"""DAG templates: tasks run when their `depends`/`dependencies` allow (Argo's dag.go).

Task nodes are `<dag>.<task>` (`<dag>.<task>(i:item)` under a TaskGroup for loops), hung
from the outbound nodes of what they depend on. A task whose dependencies finished but
whose `depends` is false is Omitted (`omitted: depends condition not met`). The DAG's
phase follows its target tasks (default: tasks nothing depends on); with `failFast`
(default true) the first failed target fails the DAG.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from podfleet.controller import depends as dep
from podfleet.controller.context import ParallelismReached, Pass
from podfleet.controller.execute import (Call, Opts, count_active, execute, init_exec_node, pod_in_flight,
                                         parallelism_blocks, set_boundary_limit)
from podfleet.controller.exits import exit_hook, run_hooks, run_on_exit
from podfleet.controller.globals import export_outputs
from podfleet.controller.graph import kill_daemons, outbound
from podfleet.controller.loops import expand_names, materialise, should_expand
from podfleet.controller.memo import save as memo_save
from podfleet.controller.nodes import (ERROR, FAILED, OMITTED, PENDING, RUNNING, SKIPPED, SUCCEEDED, Node, completed,
                                       failed_or_error, fulfilled, node_fulfilled)
from podfleet.controller.scope import LocalScope, references, template_outputs
from podfleet.controller.resolve import resolve_references
from podfleet.controller.steps import continues
from podfleet.controller.templates import Scope
from podfleet.controller.text import evaluate_when
from podfleet.errors import PodfleetError


@dataclass
class DagContext:
    boundary_name: str
    boundary_id: str
    tasks: dict[str, dict[str, Any]]
    tmpl: dict[str, Any]
    tscope: Scope
    on_exit: bool
    visited: set[str] = field(default_factory=set)
    deps: dict[str, tuple[list[str], str]] = field(default_factory=dict)

    def node_name(self, task: str) -> str:
        return f"{self.boundary_name}.{task}"

    def dependencies(self, task: str) -> tuple[list[str], str]:
        if task not in self.deps:
            self.deps[task] = dep.dependencies(self.tasks[task], self.tasks)
        return self.deps[task]


def execute_dag(p: Pass, call: Call, tmpl: dict[str, Any], child_scope: Scope, node: Node | None) -> Node:
    if node is None:
        node = init_exec_node(p, call, tmpl, "DAG", RUNNING)
    dag = tmpl.get("dag") or {}
    tasks = {t["name"]: t for t in dag.get("tasks") or ()}
    ctx = DagContext(call.name, node["id"], tasks, tmpl, child_scope, call.opts.on_exit)
    try:
        return _run(p, ctx, node, dag)
    finally:
        if node_fulfilled(p.nodes.get(node["id"]) or node):
            kill_daemons(p, node["id"])


def _targets(ctx: DagContext, dag: dict[str, Any]) -> list[str]:
    if dag.get("target"):
        return str(dag["target"]).split(" ")
    depended = {d for name in ctx.tasks for d in ctx.dependencies(name)[0]}
    return sorted(name for name in ctx.tasks if name not in depended)


def _run(p: Pass, ctx: DagContext, node: Node, dag: dict[str, Any]) -> Node:
    targets = _targets(ctx, dag)
    task_ids = [p.nodes.id_of(ctx.node_name(t)) for t in ctx.tasks]
    set_boundary_limit(p, ctx.boundary_id, ctx.tmpl.get("parallelism"), count_active(p, task_ids))
    exits_done = True
    for name in targets:
        if name not in ctx.tasks:
            return p.nodes.mark(node, ERROR, f"target {name} does not exist")
        execute_task(p, ctx, name)
        tnode_id = p.nodes.id_of(ctx.node_name(name))
        if completed(p.nodes.phase(tnode_id)) and exit_hook(ctx.tasks[name]):
            exit_node = p.nodes.by_name(ctx.node_name(name) + ".onExit")
            if exit_node is not None and not fulfilled(exit_node.get("phase")):
                exits_done = False
    phase = _assess(p, ctx, targets, bool(p.shutdown) and exits_done and not ctx.on_exit, dag)
    if phase == RUNNING:
        return node
    if phase in (ERROR, FAILED):
        _update_outbound(p, ctx, targets, node)
        return p.nodes.mark(node, phase)
    scope = LocalScope()
    for name in ctx.tasks:
        tnode = p.nodes.by_name(ctx.node_name(name))
        if tnode is None:
            continue
        if tnode.get("type") == "TaskGroup":
            kids = [k for k in (p.nodes.get(c) for c in tnode.get("children") or ()) if k]
            scope.add_aggregate("tasks", name, kids)
        scope.add_node("tasks", name, tnode, p.nodes)
        export_outputs(p, tnode.get("outputs"))
    try:
        outputs = template_outputs(ctx.tmpl, scope, p.globals)
    except PodfleetError as err:
        return p.nodes.mark(node, ERROR, str(err))
    if outputs is not None:
        p.nodes.set(node, "outputs", outputs)
        export_outputs(p, outputs)
    _update_outbound(p, ctx, targets, node)
    node = p.nodes.mark(node, SUCCEEDED)
    memo_save(p, node)
    return node


def _update_outbound(p: Pass, ctx: DagContext, targets: list[str], node: Node) -> None:
    out: list[str] = []
    for name in targets:
        nid = p.nodes.id_of(ctx.node_name(name))
        if p.nodes.phase(nid) is not None:
            out.extend(outbound(p, nid))
    p.nodes.set(node, "outboundNodes", out)


def _assess(p: Pass, ctx: DagContext, targets: list[str], shutdown: bool, dag: dict[str, Any]) -> str:
    """Argo's assessDAGPhase: BFS from the DAG's children carrying each branch's phase."""
    if shutdown:
        return FAILED
    target_phase: dict[str, str] = {p.nodes.id_of(ctx.node_name(t)): "" for t in targets}
    queue: deque[tuple[str, str]] = deque((c, SUCCEEDED) for c in p.nodes.peek(ctx.boundary_id, "children") or ())
    seen: set[tuple[str, str]] = set()
    while queue:
        nid, branch = queue.popleft()
        if (nid, branch) in seen:
            continue
        seen.add((nid, branch))
        phase = p.nodes.phase(nid)
        if phase is None:
            return RUNNING
        daemoned = bool(p.nodes.peek(nid, "daemoned"))
        if not (fulfilled(phase) or (daemoned and phase != PENDING)):
            node_type = p.nodes.peek(nid, "type")
            kids = p.nodes.peek(nid, "children") or []
            if node_type != "TaskGroup" or not kids or not all(fulfilled(p.nodes.phase(k)) for k in kids):
                return RUNNING
            group_phase = SUCCEEDED
            for k in kids:
                if failed_or_error(p.nodes.phase(k)):
                    group_phase = p.nodes.phase(k) or FAILED
            group = p.nodes.get(nid)
            if group is not None:
                p.nodes.mark(group, group_phase)
            branch = group_phase
        elif completed(phase):
            branch = phase
        if nid in target_phase and not failed_or_error(target_phase[nid]):
            target_phase[nid] = branch
        if p.nodes.peek(nid, "type") == "Retry":
            kids = p.nodes.peek(nid, "children") or []
            next_ids: list[str] = []
            for k in reversed(kids):
                flag = p.nodes.peek(k, "nodeFlag")
                hooked = flag.get("hooked") if isinstance(flag, dict) else getattr(flag, "hooked", None)
                if hooked:
                    next_ids.append(k)
                else:
                    next_ids.extend(p.nodes.peek(k, "children") or [])
        else:
            next_ids = list(p.nodes.peek(nid, "children") or [])
        queue.extend((k, branch) for k in next_ids)
    fail_fast = dag.get("failFast") is None or bool(dag.get("failFast"))
    result = SUCCEEDED
    for name in targets:
        branch = target_phase[p.nodes.id_of(ctx.node_name(name))]
        if branch == "":
            result = RUNNING
            if not fail_fast:
                break
        elif failed_or_error(branch):
            if continues(ctx.tasks[name], branch):
                continue
            result = branch
            if fail_fast:
                break
    return result


def _ancestors(ctx: DagContext, name: str) -> list[str]:
    seen: dict[str, None] = {}

    def walk(task: str) -> None:
        for d in ctx.dependencies(task)[0]:
            if d not in seen and d in ctx.tasks:
                walk(d)
                seen.setdefault(d, None)

    walk(name)
    return list(seen)


def task_scope(p: Pass, ctx: DagContext, name: str) -> LocalScope:
    scope = LocalScope()
    for anc in _ancestors(ctx, name):
        anode = p.nodes.by_name(ctx.node_name(anc))
        if anode is None:
            continue
        if anode.get("type") == "TaskGroup" and references(p, ctx.tasks[name], "tasks", anc):
            kids = [k for k in (p.nodes.get(c) for c in anode.get("children") or ()) if k]
            scope.add_aggregate("tasks", anc, kids)
        scope.add_node("tasks", anc, anode, p.nodes)
    return scope


def _depends_ok(p: Pass, ctx: DagContext, name: str) -> tuple[bool, bool]:
    """(execute, proceed): proceed once every dependency is fulfilled."""
    deps, logic = ctx.dependencies(name)
    facts: dict[str, dict[str, bool]] = {}
    for d in deps:
        dnode = p.nodes.by_name(ctx.node_name(d))
        if dnode is None or not node_fulfilled(dnode):
            return False, False
        phase = dnode.get("phase")
        any_ok, all_failed = False, False
        if dnode.get("type") == "TaskGroup":
            kids = dnode.get("children") or []
            all_failed = bool(kids)
            for k in kids:
                kp = p.nodes.phase(k)
                any_ok = any_ok or kp == SUCCEEDED
                all_failed = all_failed and kp == FAILED
        facts[d] = {
            "Succeeded": phase == SUCCEEDED, "Failed": phase == FAILED, "Errored": phase == ERROR,
            "Skipped": phase == SKIPPED, "Omitted": phase == OMITTED,
            "Daemoned": bool(dnode.get("daemoned")) and phase != PENDING,
            "AnySucceeded": any_ok, "AllFailed": all_failed,
        }
    return dep.evaluate(logic, lambda task, result: facts.get(task, {}).get(result, False)), True


def _connect(p: Pass, ctx: DagContext, name: str, child_id: str, group: Node | None) -> None:
    deps = ctx.dependencies(name)[0]
    if group is not None:
        p.nodes.add_child(group, child_id)
        return
    if not deps:
        boundary = p.nodes.get(ctx.boundary_id)
        if boundary is not None:
            p.nodes.add_child(boundary, child_id)
        return
    for d in deps:
        did = p.nodes.id_of(ctx.node_name(d))
        if p.nodes.phase(did) is None:
            continue
        for out in outbound(p, did):
            out_node = p.nodes.get(out)
            if out_node is not None:
                p.nodes.add_child(out_node, child_id)


def _skip(p: Pass, ctx: DagContext, task: dict[str, Any], name: str, node_name: str, phase: str, message: str,
          group: Node | None = None) -> None:
    skipped = p.nodes.init(node_name, "Skipped", boundary_id=ctx.boundary_id, phase=phase,
                           template_name=task.get("template"), template_ref=task.get("templateRef"),
                           template_scope=ctx.tscope.text, message=message, node_flag={})
    _connect(p, ctx, name, skipped["id"], group)


def execute_task(p: Pass, ctx: DagContext, name: str) -> None:
    if name in ctx.visited:
        return
    ctx.visited.add(name)
    task = ctx.tasks[name]
    node_name = ctx.node_name(name)
    nid = p.nodes.id_of(node_name)
    phase = p.nodes.phase(nid)
    if phase is not None and (task.get("hooks") or task.get("onExit")):
        tnode = p.nodes.get(nid)
        if tnode is not None and (fulfilled(phase) or phase == RUNNING):
            scope = task_scope(p, ctx, name)
            scope.params[f"tasks.{name}.status"] = phase
            if not run_hooks(p, task, tnode, ctx.boundary_id, ctx.tscope, scope):
                return
            if completed(phase):
                run_on_exit(p, task, tnode, ctx.boundary_id, ctx.tscope, "tasks", name, scope)
    if fulfilled(phase):
        return
    deps, logic = ctx.dependencies(name)
    group = p.nodes.get(nid) if phase is not None else None
    if group is not None and group.get("type") != "TaskGroup":
        group = None
    if logic:
        for d in deps:
            if d in ctx.tasks:
                execute_task(p, ctx, d)
        if phase is None:
            try:
                run, proceed = _depends_ok(p, ctx, name)
            except PodfleetError as err:
                _skip(p, ctx, task, name, node_name, ERROR, str(err))
                return
            if not proceed:
                return
            if not run:
                _skip(p, ctx, task, name, node_name, OMITTED, "omitted: depends condition not met")
                return
    scope = task_scope(p, ctx, name)
    scope_map = {**p.globals, **scope.params}
    try:
        resolved = resolve_references(task, scope_map, scope, hooks_when_skipped=False)
        expanded = expand_names(resolved) if should_expand(resolved) else None
    except PodfleetError as err:
        if phase is None:
            _skip(p, ctx, task, name, node_name, ERROR, str(err))
        return
    if expanded is not None:
        if not expanded:
            if phase is None:
                _skip(p, ctx, task, name, node_name, SKIPPED, "Skipped, empty params")
            return
        if group is None:
            group = p.nodes.init(node_name, "TaskGroup", boundary_id=ctx.boundary_id, phase=RUNNING,
                                 template_name=task.get("template"), template_ref=task.get("templateRef"),
                                 template_scope=ctx.tscope.text, node_flag={})
            _connect(p, ctx, name, group["id"], None)
        jobs = [(e.name, e) for e in expanded]
    else:
        jobs = [(name, None)]
    for job_name, exp in jobs:
        child_name = ctx.node_name(job_name)
        cid = p.nodes.id_of(child_name)
        cphase = p.nodes.phase(cid)
        if fulfilled(cphase) or (pod_in_flight(p, cid, cphase) and not exit_hook(task)):
            continue
        if cphase is None and parallelism_blocks(p, ctx.boundary_id):
            continue  # cannot start now: skip substituting its item until it can
        try:
            holder = materialise(resolved, exp, scope_map) if exp else resolved
        except PodfleetError as err:
            p.nodes.mark(group or p.nodes.init(child_name, "Skipped", boundary_id=ctx.boundary_id, phase=ERROR,
                                               message=str(err)), ERROR, str(err))
            return
        if cphase is None:
            if holder.get("when"):
                try:
                    proceed = evaluate_when(holder["when"])
                except PodfleetError as err:
                    _skip(p, ctx, task, name, child_name, ERROR, str(err), group)
                    continue
                if not proceed:
                    _skip(p, ctx, task, name, child_name, SKIPPED, f"when '{holder['when']}' evaluated false", group)
                    continue
        try:
            child = execute(p, Call(child_name, holder, ctx.tscope, holder.get("arguments"),
                                    Opts(boundary_id=ctx.boundary_id, on_exit=ctx.on_exit), "task"))
        except ParallelismReached:
            continue
        if child is None:
            return
        if cphase is None:
            _connect(p, ctx, name, child["id"], group)
        if completed(child.get("phase")) and exit_hook(task):
            scope.params[f"tasks.{name}.status"] = child["phase"]
            has, exit_node = run_on_exit(p, task, child, ctx.boundary_id, ctx.tscope, "tasks", name, scope)
            if has and (exit_node is None or not fulfilled(exit_node.get("phase"))):
                return
    if group is not None:
        group_phase = SUCCEEDED
        for job_name, _ in jobs:
            kp = p.nodes.phase(p.nodes.id_of(ctx.node_name(job_name)))
            if kp is None or not fulfilled(kp):
                return
            if failed_or_error(kp):
                group_phase = kp
        p.nodes.mark(group, group_phase)


__all__ = ["execute_dag", "execute_task", "DagContext"]
