"""Checks of `steps` and `dag` bodies: names, loops, references between steps/tasks,
`when` and `depends`, cycles, targets, hooks.

Everything here is linear in the number of steps/tasks: names are looked up in dicts,
the cycle search is one iterative DFS, and "is X an ancestor of T" walks the graph only
when T refers to an X that is not a direct dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podfleet.lint.context import SpecContext, node_outputs
from podfleet.lint.rules import (
    as_dict, as_list, check_arguments, check_expression, check_loop, check_names, type_name,
)
from podfleet.lint.scope import NodeOutputs, NodeResolver, Scope, output_field_problem
from podfleet.lint.syntax import expr_problem, govaluate_problem
from podfleet.lint.tags import is_parameter, is_templated

if TYPE_CHECKING:
    pass

# Argo's task-name regex for `depends` (workflow/common/ancestry.go): `A.Succeeded` or a bare `A`.
_DEPENDS_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")
_TASK_RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed")
_NODE_FIELDS_ALWAYS = ("status", "id", "startedAt", "finishedAt", "hostNodeName")


def _template_mod():  # late import: template.py imports this module
    from podfleet.lint import template
    return template


@dataclass
class _Node:
    outputs: NodeOutputs | None
    aggregate: bool
    group: int = 0
    exit_hooked: bool = False


def check_hooks(ctx: SpecContext, hooks: Any, path: str) -> None:
    """Lifecycle hooks: a mapping of event → hook; all but `exit` need an expression; templates exist."""
    if hooks is None:
        return
    if not isinstance(hooks, dict):
        ctx.sink.add(path, f"hooks must be a mapping of event name to hook, not {type_name(hooks)}")
        return
    for key, hook in hooks.items():
        where = f"{path}.{key}"
        if not isinstance(hook, dict):
            ctx.sink.add(where, "a hook must be a mapping")
            continue
        if key != "exit" and not hook.get("expression"):
            ctx.sink.add(where, f"hooks.{key} Expression required")
        check_expression(ctx.sink, hook.get("expression"), f"{where}.expression")
        resolved = ctx.resolve(hook, where)
        if resolved.template is not None and not resolved.external and hook.get("inline") is not None:
            _template_mod().check_template(ctx, resolved.template, f"{where}.inline")
        _template_mod().check_supplied(ctx, resolved.template, hook.get("arguments"), where)


def _check_on_exit(ctx: SpecContext, node: dict[str, Any], path: str) -> None:
    on_exit = node.get("onExit")
    if on_exit in (None, ""):
        return
    if not isinstance(on_exit, str):
        ctx.sink.add(f"{path}.onExit", "onExit must be a template name")
    elif "{{" not in on_exit and on_exit not in ctx.templates:
        ctx.sink.add(f"{path}.onExit", f"onExit template name '{on_exit}' undefined")


def _check_when(ctx: SpecContext, node: dict[str, Any], path: str) -> None:
    when = node.get("when")
    if when is None or when == "":
        return
    if not isinstance(when, str):
        if not isinstance(when, bool):
            ctx.sink.add(f"{path}.when", f"when must be a string, not {type_name(when)}")
        return
    reason = govaluate_problem(when)
    if reason:
        ctx.sink.add(f"{path}.when", f"invalid 'when' expression {when!r}: {reason}")


def _common(ctx: SpecContext, node: dict[str, Any], path: str):
    """Checks shared by a step and a task; returns (loop items, resolved template)."""
    tmpl_mod = _template_mod()
    items = check_loop(ctx.sink, node, path)
    check_arguments(ctx.sink, node.get("arguments"), f"{path}.arguments", allow_empty=False)
    resolved = ctx.resolve(node, path)
    if resolved.template is not None and node.get("inline") is not None:
        tmpl_mod.check_template(ctx, resolved.template, f"{path}.inline")
    check_hooks(ctx, node.get("hooks"), f"{path}.hooks")
    _check_on_exit(ctx, node, path)
    _check_when(ctx, node, path)
    return items, resolved


def _exit_hooked(node: dict[str, Any]) -> bool:
    hooks = node.get("hooks")
    return bool(node.get("onExit")) or (isinstance(hooks, dict) and "exit" in hooks)


class _StepsResolver:
    """Answers `steps.X.field` for the step being checked (or for the template's outputs when final)."""

    def __init__(self, seen: dict[str, _Node]) -> None:
        self.seen = seen
        self.group = -1
        self.name = ""
        self.final = False

    def __call__(self, root: str, node: str, fieldname: str) -> str | None:
        if root != "steps":
            return "'tasks.' variables are only defined inside dag tasks"
        info = self.seen.get(node)
        if info is None:
            return f"no step named '{node}' runs before this step"
        if not self.final:
            if node == self.name:
                if fieldname == "status" or info.exit_hooked:
                    return output_field_problem(fieldname, info.outputs, info.aggregate)
                return f"a step cannot refer to its own '{fieldname}'"
            if info.group == self.group:
                return f"step '{node}' is in the same step group (they run in parallel); " \
                       "only steps of earlier groups can be referenced"
        return output_field_problem(fieldname, info.outputs, info.aggregate)


def check_steps(ctx: SpecContext, tmpl: dict[str, Any], path: str, scope: Scope) -> NodeResolver:
    sink = ctx.sink
    tmpl_mod = _template_mod()
    groups = tmpl.get("steps")
    seen: dict[str, _Node] = {}
    resolver = _StepsResolver(seen)
    if not isinstance(groups, list):
        sink.add(f"{path}.steps", f"steps must be a list of step groups (a list of lists), not {type_name(groups)}")
        groups = []
    for i, group in enumerate(groups):
        gpath = f"{path}.steps[{i}]"
        if not isinstance(group, list):
            sink.add(gpath, f"steps must be a list of step groups (a list of lists): steps[{i}] is "
                            f"{type_name(group)}; write it as `- - name: ...`")
            continue
        for j, step in enumerate(group):
            spath = f"{gpath}[{j}]"
            if not isinstance(step, dict):
                sink.add(spath, f"a step must be a mapping, not {type_name(step)}")
                continue
            name = step.get("name")
            if not isinstance(name, str) or not name:
                sink.add(f"{spath}.name", "name is required")
                name = None
            else:
                from podfleet.lint.rules import field_name_problem
                problem = field_name_problem(name)
                if problem:
                    sink.add(f"{spath}.name", f"'{name}' is invalid: {problem}")
                elif name in seen:
                    sink.add(f"{spath}.name", f"'{name}' is not unique")
                    name = None
            items, resolved = _common(ctx, step, spath)
            aggregate = bool(step.get("withItems")) or bool(step.get("withParam"))
            if name is not None:
                seen[name] = _Node(None if resolved.dynamic else node_outputs(resolved.template), aggregate, i,
                                   _exit_hooked(step))
            resolver.group, resolver.name = i, name or ""
            tmpl_mod.check_tags(ctx, step, spath, scope, items, resolver, skip=frozenset({"inline"}))
            tmpl_mod.check_supplied(ctx, resolved.template, step.get("arguments"), spath)
    resolver.final = True
    return resolver


class _TasksResolver:
    def __init__(self, nodes: dict[str, _Node], deps: dict[str, list[str]]) -> None:
        self.nodes = nodes
        self.deps = deps
        self.name = ""
        self.final = False

    def is_ancestor(self, ancestor: str, task: str) -> bool:
        direct = self.deps.get(task, ())
        if ancestor in direct:
            return True
        stack, visited = list(direct), set(direct)
        while stack:
            current = stack.pop()
            for dep in self.deps.get(current, ()):
                if dep == ancestor:
                    return True
                if dep not in visited:
                    visited.add(dep)
                    stack.append(dep)
        return False

    def __call__(self, root: str, node: str, fieldname: str) -> str | None:
        if root != "tasks":
            return "'steps.' variables are only defined inside steps"
        info = self.nodes.get(node)
        if info is None:
            return f"no task named '{node}' in this DAG"
        if not self.final:
            if node == self.name:
                if info.exit_hooked or fieldname == "status":
                    return output_field_problem(fieldname, info.outputs, info.aggregate)
                return f"a task cannot refer to its own '{fieldname}'"
            if not self.is_ancestor(node, self.name):
                return f"missing dependency '{node}': task '{self.name}' does not depend on '{node}' " \
                       "(add it to depends or dependencies)"
        return output_field_problem(fieldname, info.outputs, info.aggregate)


def _dependencies(ctx: SpecContext, task: dict[str, Any], path: str) -> tuple[dict[str, bool], str | None]:
    """Names a task depends on (name → items-based), and its `depends` text if any."""
    depends, dependencies = task.get("depends"), task.get("dependencies")
    out: dict[str, bool] = {}
    if depends not in (None, ""):
        if not isinstance(depends, str):
            ctx.sink.add(f"{path}.depends", f"depends must be a string, not {type_name(depends)}")
            return out, None
        for match in _DEPENDS_NAME.finditer(depends):
            if match.group(1):
                name, result = match.group(1).split(".", 1)
                items = result in ("AnySucceeded", "AllFailed")
                out[name] = out.get(name, False) or items
            else:
                out.setdefault(match.group(2), False)
        return out, depends
    if dependencies is not None:
        if not isinstance(dependencies, list):
            ctx.sink.add(f"{path}.dependencies", f"dependencies must be a list of task names, not {type_name(dependencies)}")
            return out, None
        for dep in dependencies:
            if isinstance(dep, str):
                out.setdefault(dep, False)
            else:
                ctx.sink.add(f"{path}.dependencies", f"dependencies must be task names, not {type_name(dep)}")
    return out, None


def _translate_depends(depends: str, tasks: dict[str, dict[str, Any]]) -> str:
    """Argo's translation of `depends` to expr: bare `A` → `(A.Succeeded || A.Skipped || A.Daemoned…)`, `-` → `_`."""
    def expand(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        name = match.group(2)
        parts = [f"{name}.Succeeded", f"{name}.Skipped", f"{name}.Daemoned"]
        cont = tasks.get(name, {}).get("continueOn")
        if isinstance(cont, dict):
            if cont.get("error"):
                parts.append(f"{name}.Errored")
            if cont.get("failed"):
                parts.append(f"{name}.Failed")
        return "(" + " || ".join(parts) + ")"
    return _DEPENDS_NAME.sub(expand, depends).replace("-", "_")


_DEPENDS_TOKEN = re.compile(r"\s*(?:(&&|\|\||!|\(|\))|([a-zA-Z0-9][-a-zA-Z0-9]*(?:\.[A-Z][a-zA-Z]+)?))")


def _simple_depends_ok(depends: str) -> bool | None:
    """Fast check of the common `depends` shape (names, `.Result`, `&&`, `||`, `!`, parentheses).

    True/False when the text only uses those tokens; None when it uses anything else, and
    the full expr-lang parser must decide. Keeps 10,000-task DAGs linear and quick.
    """
    tokens: list[str] = []
    pos = 0
    text = depends.rstrip()
    while pos < len(text):
        match = _DEPENDS_TOKEN.match(text, pos)
        if match is None:
            return None
        tokens.append(match.group(1) or "name")
        pos = match.end()
    depth, expect_operand = 0, True
    for token in tokens:
        if expect_operand:
            if token == "!":
                continue
            if token == "(":
                depth += 1
                continue
            if token != "name":
                return False
            expect_operand = False
        else:
            if token == ")":
                depth -= 1
                if depth < 0:
                    return False
                continue
            if token not in ("&&", "||"):
                return False
            expect_operand = True
    return not expect_operand and depth == 0


def _find_cycle(deps: dict[str, list[str]]) -> list[str] | None:
    """One dependency cycle (as a path that returns to its start), or None. Iterative three-colour DFS."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in deps:
        if state.get(start):
            continue
        path: list[str] = [start]
        iters = [iter(deps.get(start, ()))]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            if nxt not in deps:
                continue
            mark = state.get(nxt)
            if mark == 1:
                return path[path.index(nxt):] + [nxt]
            if mark is None:
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(deps.get(nxt, ())))
    return None


def check_dag(ctx: SpecContext, tmpl: dict[str, Any], path: str, scope: Scope) -> NodeResolver:
    sink = ctx.sink
    tmpl_mod = _template_mod()
    dag = as_dict(sink, tmpl.get("dag"), f"{path}.dag")
    tasks = as_list(sink, dag.get("tasks"), f"{path}.dag.tasks")
    nodes: dict[str, _Node] = {}
    deps: dict[str, list[str]] = {}
    resolver = _TasksResolver(nodes, deps)
    if not tasks:
        sink.add(f"{path}.dag.tasks", "a dag template must have at least one task")
        resolver.final = True
        return resolver
    index = check_names(sink, tasks, f"{path}.dag.tasks")
    by_name = {name: tasks[i] for name, i in index.items()}
    using_depends = any(isinstance(t, dict) and t.get("depends") for t in tasks)
    for name, i in index.items():
        task, tpath = tasks[i], f"{path}.dag.tasks[{i}]"
        found, depends = _dependencies(ctx, task, tpath)
        if (using_depends or task.get("dependencies")) and name[0].isdigit():
            sink.add(f"{tpath}.name", f"tasks.{name} name cannot begin with a digit when using either 'depends' "
                                      "or 'dependencies'")
        if using_depends and task.get("dependencies"):
            sink.add(tpath, "cannot use both 'depends' and 'dependencies' in the same DAG template")
        if using_depends and task.get("continueOn") is not None:
            sink.add(f"{tpath}.continueOn", "cannot use 'continueOn' when using 'depends'. Instead use "
                                            "'dep-task.Failed'/'dep-task.Errored'")
        for dep, items_based in found.items():
            where = f"{tpath}.depends" if depends is not None else f"{tpath}.dependencies"
            target = by_name.get(dep)
            if target is None:
                sink.add(where, f"dependency '{dep}' not defined")
            elif items_based and not any(target.get(k) for k in ("withItems", "withParam", "withSequence")):
                sink.add(where, f"dependency '{dep}' uses an items-based condition such as .AnySucceeded or "
                                ".AllFailed but does not contain any items")
        if depends is not None:
            for match in re.finditer(r"([a-zA-Z0-9][-a-zA-Z0-9]*?)\.([A-Z][a-zA-Z]+)", depends):
                if match.group(2) not in _TASK_RESULTS:
                    sink.add(f"{tpath}.depends", f"task result '{match.group(2)}' for task '{match.group(1)}' is "
                                                 f"invalid (one of {', '.join(_TASK_RESULTS)})")
            simple = _simple_depends_ok(depends)
            reason = expr_problem(_translate_depends(depends, by_name)) if simple is not True else None
            if reason or simple is False and reason is None:
                reason = reason or "expected a task name (or name.Result), '&&', '||', '!' or parentheses"
                sink.add(f"{tpath}.depends", f"invalid depends {depends!r}: {reason}")
        deps[name] = [d for d in found if d in by_name]
    cycle = _find_cycle(deps)
    if cycle:
        sink.add(f"{path}.dag.tasks", f"dependency cycle detected: {'->'.join(cycle)}")
    _check_target(ctx, dag, f"{path}.dag", by_name, scope)
    resolved_all = {}
    for name, i in index.items():
        task, tpath = tasks[i], f"{path}.dag.tasks[{i}]"
        items, resolved = _common(ctx, task, tpath)
        resolved_all[name] = resolved
        aggregate = bool(task.get("withItems")) or bool(task.get("withParam"))
        nodes[name] = _Node(None if resolved.dynamic else node_outputs(resolved.template), aggregate,
                            exit_hooked=_exit_hooked(task) or task.get("hooks") is not None)
    for name, i in index.items():
        task, tpath = tasks[i], f"{path}.dag.tasks[{i}]"
        items = check_loop(_Quiet(), task, tpath)
        resolver.name = name
        tmpl_mod.check_tags(ctx, task, tpath, scope, items, resolver, skip=frozenset({"inline"}))
        tmpl_mod.check_supplied(ctx, resolved_all[name].template, task.get("arguments"), tpath)
    for i, task in enumerate(tasks):  # nameless/duplicate tasks still get their own checks
        name = task.get("name") if isinstance(task, dict) else None
        if isinstance(task, dict) and (not isinstance(name, str) or index.get(name) != i):
            _common(ctx, task, f"{path}.dag.tasks[{i}]")
    resolver.final = True
    return resolver


class _Quiet:
    """A sink that drops problems (for re-reading a loop already reported on)."""

    def add(self, path: str, message: str) -> None:
        pass


def _check_target(ctx: SpecContext, dag: dict[str, Any], path: str, tasks: dict[str, Any], scope: Scope) -> None:
    target = dag.get("target")
    if target in (None, ""):
        return
    if not isinstance(target, str):
        ctx.sink.add(f"{path}.target", f"target must be a string of task names, not {type_name(target)}")
        return
    _template_mod().check_tags(ctx, target, f"{path}.target", scope)
    for name in target.split(" "):
        if name and not is_parameter(name) and not is_templated(name) and name not in tasks:
            ctx.sink.add(f"{path}.target", f"target '{name}' is not defined")


__all__ = ["check_steps", "check_dag", "check_hooks"]
