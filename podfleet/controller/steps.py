"""Steps templates: groups run one after another, the steps of a group in parallel.

Argo's steps.go: node `<parent>[i]` (StepGroup) per group, `<parent>[i].<step>` per step
(`<step>(j:item)` for loops), `when` decides Skipped nodes (`when '…' evaluated false`),
a group fails with `child '<id>' failed` unless the step has `continueOn`, and a steps
node takes its outputs from `{{steps.X.…}}` once every group succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from podfleet.controller.context import ParallelismReached, Pass
from podfleet.controller.execute import (Call, Opts, count_active, execute, init_exec_node, pod_in_flight,
                                         parallelism_blocks, set_boundary_limit)
from podfleet.controller.exits import exit_hook, run_hooks, run_on_exit
from podfleet.controller.graph import kill_daemons, outbound
from podfleet.controller.loops import EXPANSIONS, Expanded, materialise, should_expand
from podfleet.controller.memo import save as memo_save
from podfleet.controller.nodes import (ERROR, FAILED, RUNNING, SKIPPED, SUCCEEDED, Node, completed, failed_or_error,
                                       fulfilled, node_fulfilled)
from podfleet.controller.resolve import resolve_references
from podfleet.controller.scope import LocalScope, referenced_names, references, template_outputs
from podfleet.controller.templates import Scope
from podfleet.controller.text import evaluate_when
from podfleet.errors import PodfleetError


@dataclass
class StepsContext:
    boundary_id: str
    scope: LocalScope
    tscope: Scope
    on_exit: bool


def continues(holder: dict[str, Any], phase: str | None) -> bool:
    rule = holder.get("continueOn") or {}
    return bool((rule.get("error") and phase == ERROR) or (rule.get("failed") and phase == FAILED))


def execute_steps(p: Pass, call: Call, tmpl: dict[str, Any], child_scope: Scope, node: Node | None) -> Node:
    if node is None:
        node = init_exec_node(p, call, tmpl, "Steps", RUNNING)
    ctx = StepsContext(node["id"], LocalScope(), child_scope, call.opts.on_exit)
    try:
        return _run(p, call, tmpl, node, ctx)
    finally:
        if fulfilled(node.get("phase")):
            kill_daemons(p, node["id"])


def _run(p: Pass, call: Call, tmpl: dict[str, Any], node: Node, ctx: StepsContext) -> Node:
    groups = tmpl.get("steps") or []
    for i, group in enumerate(groups):
        steps = group if isinstance(group, list) else (group or {}).get("steps") or []
        sg_name = f"{call.name}[{i}]"
        sg = p.nodes.by_name(sg_name)
        if sg is None:
            sg = p.nodes.init(sg_name, "StepGroup", boundary_id=ctx.boundary_id, phase=RUNNING,
                              template_scope=ctx.tscope.text, node_flag={})
            _link_group(p, call.name, node, i, sg)
        elif not node_fulfilled(sg):
            p.nodes.mark(sg, RUNNING)
        sg = execute_step_group(p, steps, sg, ctx, tmpl)
        if not node_fulfilled(sg):
            return node
        if failed_or_error(sg.get("phase")):
            _update_outbound(p, call.name, node, len(groups))
            return p.nodes.mark(node, FAILED, sg.get("message", ""))
        _add_group_outputs(p, steps, sg, ctx, tmpl)
    _update_outbound(p, call.name, node, len(groups))
    try:
        outputs = template_outputs(tmpl, ctx.scope, p.globals)
    except PodfleetError as err:
        return p.nodes.mark(node, ERROR, str(err))
    if outputs is not None:
        p.nodes.set(node, "outputs", outputs)
        from podfleet.controller.globals import export_outputs

        export_outputs(p, outputs)
    node = p.nodes.mark(node, SUCCEEDED)
    memo_save(p, node)
    return node


def _link_group(p: Pass, name: str, node: Node, i: int, sg: Node) -> None:
    if i == 0:
        p.nodes.add_child(node, sg["id"])
        return
    prev = p.nodes.by_name(f"{name}[{i - 1}]")
    if prev is None:
        return
    if not prev.get("children"):
        p.nodes.add_child(prev, sg["id"])
        return
    for child in prev["children"]:
        for out in outbound(p, child):
            out_node = p.nodes.get(out)
            if out_node is not None:
                p.nodes.add_child(out_node, sg["id"])


def _update_outbound(p: Pass, name: str, node: Node, n_groups: int) -> None:
    last = None
    for i in range(n_groups - 1, -1, -1):
        last = p.nodes.by_name(f"{name}[{i}]")
        if last is not None:
            break
    if last is None:
        return
    out: list[str] = []
    for child in last.get("children") or ():
        out.extend(outbound(p, child))
    p.nodes.set(node, "outboundNodes", out)


def _add_group_outputs(p: Pass, steps: list[dict[str, Any]], sg: Node, ctx: StepsContext,
                       tmpl: dict[str, Any]) -> None:
    names, indexed = referenced_names(p, tmpl, "steps")
    if not names and not indexed:
        return  # nothing reads `steps.…`: a finished group costs O(1) per pass
    for step in steps:
        if not references(p, tmpl, "steps", step.get("name", "")):
            # Nothing in this template reads `steps.<name>.…`: a scope entry nobody looks up
            # would make every later pass pay for every finished group.
            continue
        child_name = f"{sg['name']}.{step.get('name')}"
        child = p.nodes.by_name(child_name)
        if child is None:
            prefix = child_name + "("
            kids = [k for k in (p.nodes.get(c) for c in sg.get("children") or ()) if k and k["name"].startswith(prefix)]
            if kids:
                ctx.scope.add_aggregate("steps", step.get("name", ""), [k for k in kids if k.get("type") != "Skipped"])
            ctx.scope.add_node("steps", step.get("name", ""), sg, p.nodes)
        else:
            ctx.scope.add_node("steps", step.get("name", ""), child, p.nodes)


def execute_step_group(p: Pass, steps: list[dict[str, Any]], sg: Node, ctx: StepsContext,
                       tmpl: dict[str, Any]) -> Node:
    if node_fulfilled(sg):
        return sg
    scope_map = {**p.globals, **ctx.scope.params}
    plan: list[tuple[dict[str, Any], Expanded | None, str | None]] = []
    try:
        for step in steps:
            resolved = resolve_references(step, scope_map, ctx.scope, hooks_when_skipped=True)
            if not should_expand(resolved):
                plan.append((resolved, None, None))
                continue
            expanded = EXPANSIONS.expand(resolved, sg["name"], p.nodes.id_of, p.name)
            if not expanded:
                child_name = f"{sg['name']}.{resolved.get('name')}"
                if p.nodes.by_name(child_name) is None:
                    skipped = p.nodes.init(child_name, "Skipped", boundary_id=ctx.boundary_id, phase=SKIPPED,
                                           template_name=resolved.get("template"), template_scope=ctx.tscope.text,
                                           message="Skipped, empty params", node_flag={})
                    p.nodes.add_child(sg, skipped["id"])
            plan.extend((resolved, e, nid) for e, _, nid in expanded)
    except PodfleetError as err:
        return p.nodes.mark(sg, ERROR, f"failed to resolve references: {err}" if "resolve" not in str(err) else str(err))

    set_boundary_limit(p, ctx.boundary_id, tmpl.get("parallelism"), count_active(p, sg.get("children") or ()))
    by_name: dict[str, dict[str, Any]] = {}
    for holder, exp, known_id in plan:
        child_name = f"{sg['name']}.{exp.name if exp else holder.get('name')}"
        nid = known_id or p.nodes.id_of(child_name)
        by_name[nid] = holder
        phase_now = p.nodes.phase(nid)
        if fulfilled(phase_now) or pod_in_flight(p, nid, phase_now):
            continue
        if phase_now is None and parallelism_blocks(p, ctx.boundary_id):
            continue  # cannot start now: skip substituting its item until it can
        try:
            step = materialise(holder, exp, scope_map) if exp else holder
        except PodfleetError as err:
            return p.nodes.mark(sg, ERROR, str(err))
        by_name[nid] = step
        if step.get("when") and p.nodes.phase(nid) is None:
            try:
                proceed = evaluate_when(step["when"])
            except PodfleetError as err:
                bad = p.nodes.init(child_name, "Skipped", boundary_id=ctx.boundary_id, phase=ERROR,
                                   template_name=step.get("template"), template_scope=ctx.tscope.text,
                                   message=str(err), node_flag={})
                p.nodes.add_child(sg, bad["id"])
                return p.nodes.mark(sg, ERROR, str(err))
            if not proceed:
                skipped = p.nodes.init(child_name, "Skipped", boundary_id=ctx.boundary_id, phase=SKIPPED,
                                       template_name=step.get("template"), template_ref=step.get("templateRef"),
                                       template_scope=ctx.tscope.text,
                                       message=f"when '{step['when']}' evaluated false", node_flag={})
                p.nodes.add_child(sg, skipped["id"])
                continue
        try:
            child = execute(p, Call(child_name, step, ctx.tscope, step.get("arguments"),
                                    Opts(boundary_id=ctx.boundary_id, on_exit=ctx.on_exit), "step"))
        except ParallelismReached:
            continue
        if child is not None:
            p.nodes.add_child(sg, child["id"])
    return _assess_group(p, sg, by_name, ctx)


def _assess_group(p: Pass, sg: Node, by_name: dict[str, dict[str, Any]], ctx: StepsContext) -> Node:
    done = True
    for cid in sg.get("children") or ():
        holder = by_name.get(cid, {})
        phase = p.nodes.phase(cid)
        needs_hooks = bool(holder.get("hooks")) or bool(holder.get("onExit"))
        if not needs_hooks:
            if not fulfilled(phase) and not (p.nodes.peek(cid, "daemoned") and phase != "Pending"):
                done = False
            continue
        child = p.nodes.get(cid)
        if child is None:
            continue
        name = holder.get("name", child.get("displayName", ""))
        ctx.scope.params[f"steps.{name}.status"] = child.get("phase", "")
        if not run_hooks(p, holder, child, ctx.boundary_id, ctx.tscope, ctx.scope):
            return sg
        if not node_fulfilled(child):
            done = False
        elif completed(child.get("phase")) and exit_hook(holder):
            has, exit_node = run_on_exit(p, holder, child, ctx.boundary_id, ctx.tscope, "steps", name, ctx.scope)
            if has and (exit_node is None or not fulfilled(exit_node.get("phase"))):
                done = False
    if not done:
        if fulfilled(sg.get("phase")):
            return p.nodes.mark(sg, RUNNING)
        return sg
    for cid in sg.get("children") or ():
        phase = p.nodes.phase(cid)
        if failed_or_error(phase) and not continues(by_name.get(cid, {}), phase):
            return p.nodes.mark(sg, FAILED, f"child '{cid}' failed")
    return p.nodes.mark(sg, SUCCEEDED)


__all__ = ["execute_steps", "execute_step_group", "continues"]
