"""Exit handlers and lifecycle hooks of steps and tasks (Argo's exit_handler.go, hooks.go).

`onExit: tmpl` (legacy) and `hooks: {exit: …}` run a node `<parent>.onExit` once the
parent completed; other hooks run a node `<parent>.hooks.<name>` when their expr-lang
`expression` becomes true. Exit handlers run under `shutdown: Stop` but not `Terminate`.
"""

from __future__ import annotations

from typing import Any

from podfleet.controller.context import Pass
from podfleet.controller.ids import hook_node_name, on_exit_node_name
from podfleet.controller.nodes import Node, fulfilled
from podfleet.controller.scope import LocalScope, last_retry_child
from podfleet.controller.templates import Scope
from podfleet.controller.text import expr_bool, substitute_object
from podfleet.errors import PodfleetError


def exit_hook(holder: dict[str, Any]) -> dict[str, Any] | None:
    hooks = holder.get("hooks") or {}
    if hooks.get("exit"):
        return hooks["exit"]  # type: ignore[no-any-return]
    if holder.get("onExit"):
        return {"template": holder["onExit"]}
    return None


def shutdown_allows_exit(p: Pass) -> bool:
    return p.shutdown != "Terminate"


def _resolve_args(p: Pass, hook: dict[str, Any], prefix: str, name: str, parent: Node,
                  scope: LocalScope | None) -> dict[str, Any] | None:
    args = hook.get("arguments")
    if not args:
        return args
    local = LocalScope(dict(scope.params) if scope else {}, dict(scope.artifacts) if scope else {})
    source = last_retry_child(parent, p.nodes) or parent
    local.add_outputs(f"{prefix}.{name}", source.get("outputs"))
    resolved = substitute_object(args, {**p.globals, **local.params})
    arts = []
    for art in resolved.get("artifacts") or ():
        if art.get("from") or art.get("fromExpression"):
            try:
                found = local.resolve_artifact(art)
            except PodfleetError:
                if art.get("optional"):
                    continue
                raise
            if found is not None:
                found["name"] = art["name"]
                arts.append(found)
        else:
            arts.append(art)
    if arts:
        resolved["artifacts"] = arts
    return resolved  # type: ignore[no-any-return]


def run_on_exit(p: Pass, holder: dict[str, Any], parent: Node, boundary_id: str | None, tscope: Scope,
                prefix: str, name: str, scope: LocalScope | None) -> tuple[bool, Node | None]:
    """Start or advance `<parent>.onExit`; (has an exit handler, its node)."""
    from podfleet.controller.execute import Call, Opts, execute

    hook = exit_hook(holder)
    if hook is None or not shutdown_allows_exit(p):
        return False, None
    if hook.get("expression"):
        env = {**p.globals, **(scope.params if scope else {})}
        if not expr_bool(hook["expression"], env):
            return False, None
    exit_name = on_exit_node_name(parent["name"])
    existing = p.nodes.by_name(exit_name)
    if existing is not None and fulfilled(existing.get("phase")):
        return True, existing
    args = _resolve_args(p, hook, prefix, name, parent, scope)
    target = {k: hook[k] for k in ("template", "templateRef") if hook.get(k)}
    node = execute(p, Call(exit_name, target, tscope, args,
                           Opts(boundary_id=boundary_id, on_exit=True, node_flag={"hooked": True})))
    if node is not None:
        p.nodes.add_child(parent, node["id"])
    return True, node


def run_hooks(p: Pass, holder: dict[str, Any], parent: Node, boundary_id: str | None, tscope: Scope,
              scope: LocalScope | None) -> bool:
    """Non-exit lifecycle hooks; True when every started hook node is fulfilled."""
    from podfleet.controller.execute import Call, Opts, execute

    done = True
    for hook_name, hook in (holder.get("hooks") or {}).items():
        if hook_name == "exit":
            continue
        node_name = hook_node_name(parent["name"], hook_name)
        existing = p.nodes.by_name(node_name)
        if existing is None:
            env = {**p.globals, **(scope.params if scope else {})}
            if not hook.get("expression") or not expr_bool(hook["expression"], env):
                continue
        target = {k: hook[k] for k in ("template", "templateRef") if hook.get(k)}
        node = execute(p, Call(node_name, target, tscope, hook.get("arguments"),
                               Opts(boundary_id=boundary_id, node_flag={"hooked": True})))
        if node is not None:
            p.nodes.add_child(parent, node["id"])
            if not fulfilled(node.get("phase")):
                done = False
    return done


__all__ = ["run_on_exit", "run_hooks", "exit_hook", "shutdown_allows_exit"]
