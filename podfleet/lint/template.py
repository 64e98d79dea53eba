"""Checks of one template: its type, inputs, outputs, limits, and the variables it uses.

Follows Argo's validateTemplate / validateLeaf / validateOutputs. Steps and DAG bodies
are handed to podfleet.lint.flow. A template's body is checked once (tracked in
SpecContext.checked) however many steps call it; what depends on the caller — whether
every input is supplied — is `check_supplied`, run per call.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from podfleet.lint import flow
from podfleet.lint.context import LEAF_TYPES, POD_TYPES, TEMPLATE_TYPES, SpecContext, template_type
from podfleet.lint.rules import (
    as_dict, as_list, check_expression, check_names, check_non_negative, check_retry, has_location, is_int_like,
    type_name,
)
from podfleet.lint.scope import Items, NodeResolver, Scope, judge
from podfleet.lint.syntax import duration_problem, expr_problem
from podfleet.lint.tags import blank_tags, is_parameter, is_templated, strings_in, tags

_METRIC_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
_CHOOSE = "choose one of: container, containerSet, steps, script, resource, dag, suspend, data, http, plugin"


def check_tags(ctx: SpecContext, value: Any, path: str, scope: Scope, items: Items | None = None,
               nodes: NodeResolver | None = None, skip: frozenset[str] = frozenset()) -> None:
    """Every `{{tag}}` in `value` resolves in `scope`; expression tags parse."""
    for where, text in strings_in(value, path, skip):
        for is_expr, body in tags(text):
            if is_expr:
                reason = expr_problem(body)
                if reason:
                    ctx.sink.add(where, f"invalid expression in {{{{={body}}}}}: {reason}")
                continue
            problem = judge(body, scope, items, nodes)
            if problem:
                ctx.sink.add(where, problem)


def template_scope(ctx: SpecContext, tmpl: dict[str, Any], kind: str | None) -> Scope:
    """Names a template body may use: its inputs, pod/output paths, plus the workflow's globals."""
    names: set[str] = set()
    inputs = tmpl.get("inputs") if isinstance(tmpl.get("inputs"), dict) else {}
    params = [p for p in inputs.get("parameters") or () if isinstance(p, dict)] \
        if isinstance(inputs.get("parameters"), list) else []
    arts = [a for a in inputs.get("artifacts") or () if isinstance(a, dict)] \
        if isinstance(inputs.get("artifacts"), list) else []
    for param in params:
        names.add(f"inputs.parameters.{param.get('name')}")
    if params:
        names.add("inputs.parameters")
    for art in arts:
        names.add(f"inputs.artifacts.{art.get('name')}")
        if kind in LEAF_TYPES:
            names.add(f"inputs.artifacts.{art.get('name')}.path")
    if kind in POD_TYPES:
        names.add("pod.name")
    return Scope(names=names, globals=ctx.globals, any_workflow_parameter=ctx.template_validation,
                 any_output_parameter=ctx.any_output_parameter, any_output_artifact=ctx.any_output_artifact)


def check_template(ctx: SpecContext, tmpl: Any, path: str) -> None:
    """Check a template's body once."""
    if not isinstance(tmpl, dict):
        ctx.sink.add(path, f"a template must be a mapping, not {type_name(tmpl)}")
        return
    if id(tmpl) in ctx.checked:
        return
    ctx.checked.add(id(tmpl))
    sink = ctx.sink
    types = [key for key in TEMPLATE_TYPES if tmpl.get(key) is not None]
    if not types:
        sink.add(path, f"template type unspecified. {_CHOOSE}")
    elif len(types) > 1:
        sink.add(path, f"multiple template types specified ({', '.join(types)}). {_CHOOSE}")
    kind = template_type(tmpl)
    leaf = kind in LEAF_TYPES
    _check_inputs(ctx, tmpl, path, leaf)
    for index, container in enumerate(as_list(sink, tmpl.get("initContainers"), f"{path}.initContainers")):
        if not isinstance(container, dict) or not container.get("name"):
            sink.add(f"{path}.initContainers[{index}].name", "initContainers must all have container name")
    _check_limits(ctx, tmpl, path, kind, leaf)
    scope = template_scope(ctx, tmpl, kind)
    if kind == "steps":
        full = flow.check_steps(ctx, tmpl, path, scope)
    elif kind == "dag":
        full = flow.check_dag(ctx, tmpl, path, scope)
    else:
        full = None
        if leaf:
            _add_output_paths(tmpl, scope)
        check_tags(ctx, tmpl, path, scope, skip=frozenset({"outputs"}))
        _check_leaf(ctx, tmpl, path, kind)
    _check_outputs(ctx, tmpl, path, kind, scope, full)


def _check_inputs(ctx: SpecContext, tmpl: dict[str, Any], path: str, leaf: bool) -> None:
    sink = ctx.sink
    inputs = as_dict(sink, tmpl.get("inputs"), f"{path}.inputs")
    params = as_list(sink, inputs.get("parameters"), f"{path}.inputs.parameters")
    arts = as_list(sink, inputs.get("artifacts"), f"{path}.inputs.artifacts")
    check_names(sink, params, f"{path}.inputs.parameters", params=True)
    check_names(sink, arts, f"{path}.inputs.artifacts", params=True)
    for index, param in enumerate(params):
        if isinstance(param, dict) and isinstance(param.get("enum"), list) and not param["enum"]:
            sink.add(f"{path}.inputs.parameters[{index}].enum", "enum should contain at least one value")
    for index, art in enumerate(arts):
        if not isinstance(art, dict):
            continue
        where = f"{path}.inputs.artifacts[{index}]"
        if not leaf and art.get("path"):
            sink.add(f"{where}.path", f"inputs.artifacts.{art.get('name')}.path only valid in container/script templates")
        if art.get("from"):
            sink.add(f"{where}.from", f"inputs.artifacts.{art.get('name')}.from not valid in inputs")
        git = art.get("git")
        if isinstance(git, dict) and not git.get("repo"):
            sink.add(f"{where}.git.repo", "git.repo is required")


def _check_limits(ctx: SpecContext, tmpl: dict[str, Any], path: str, kind: str | None, leaf: bool) -> None:
    sink = ctx.sink
    name = tmpl.get("name")
    timeout = tmpl.get("timeout")
    if timeout is not None and timeout != "":
        if kind is not None and not leaf:
            sink.add(f"{path}.timeout", f"{kind} template doesn't support timeout field")
        elif is_int_like(timeout) and not isinstance(timeout, bool):
            sink.add(f"{path}.timeout", f"{name} has invalid duration format in timeout "
                                        f"(a bare number is not allowed: use e.g. '{timeout}s')")
        else:
            reason = duration_problem(timeout)
            if reason:
                sink.add(f"{path}.timeout", reason)
    deadline = tmpl.get("activeDeadlineSeconds")
    if deadline is not None:
        if kind is not None and not leaf:
            sink.add(f"{path}.activeDeadlineSeconds", "activeDeadlineSeconds is only valid for leaf templates")
        elif not is_templated(deadline) and (not is_int_like(deadline) or int(deadline) < 0):
            sink.add(f"{path}.activeDeadlineSeconds",
                     f"activeDeadlineSeconds must be a positive integer > 0 or an argo variable, not {deadline!r}")
    if tmpl.get("parallelism") is not None:
        if leaf:
            sink.add(f"{path}.parallelism", "parallelism is only valid for steps and dag templates")
        else:
            check_non_negative(sink, tmpl["parallelism"], f"{path}.parallelism", "parallelism")
    if tmpl.get("retryStrategy") is not None:
        check_retry(sink, tmpl["retryStrategy"], f"{path}.retryStrategy")
    suspend = tmpl.get("suspend")
    if suspend is not None:
        suspend = as_dict(sink, suspend, f"{path}.suspend")
        if suspend.get("duration") is not None:
            reason = duration_problem(suspend["duration"], allow_days=True)
            if reason:
                sink.add(f"{path}.suspend.duration", reason)
    metrics = as_dict(sink, tmpl.get("metrics"), f"{path}.metrics")
    for index, metric in enumerate(as_list(sink, metrics.get("prometheus"), f"{path}.metrics.prometheus")):
        where = f"{path}.metrics.prometheus[{index}]"
        if not isinstance(metric, dict):
            sink.add(where, "must be a mapping")
            continue
        if not isinstance(metric.get("name"), str) or not _METRIC_NAME.fullmatch(metric["name"]):
            sink.add(f"{where}.name", f"metric name '{metric.get('name')}' is invalid. Metric names must contain "
                                      "alphanumeric characters or '_'")
        if not metric.get("help"):
            sink.add(f"{where}.help", f"metric '{metric.get('name')}' must contain a help string under 'help: ' field")
    memoize = tmpl.get("memoize")
    if isinstance(memoize, dict) and memoize.get("maxAge") not in (None, ""):
        reason = duration_problem(memoize["maxAge"], allow_days=True)
        if reason:
            sink.add(f"{path}.memoize.maxAge", reason)


def _add_output_paths(tmpl: dict[str, Any], scope: Scope) -> None:
    outputs = tmpl.get("outputs") if isinstance(tmpl.get("outputs"), dict) else {}
    for art in outputs.get("artifacts") or () if isinstance(outputs.get("artifacts"), list) else ():
        if isinstance(art, dict) and art.get("path"):
            scope.names.add(f"outputs.artifacts.{art.get('name')}.path")
    for param in outputs.get("parameters") or () if isinstance(outputs.get("parameters"), list) else ():
        if isinstance(param, dict) and isinstance(param.get("valueFrom"), dict) and param["valueFrom"].get("path"):
            scope.names.add(f"outputs.parameters.{param.get('name')}.path")


def _check_leaf(ctx: SpecContext, tmpl: dict[str, Any], path: str, kind: str | None) -> None:
    sink = ctx.sink
    container = tmpl.get("container")
    if isinstance(container, dict):
        if not container.get("image") and not ctx.default_image("container"):
            sink.add(f"{path}.container.image", "container.image may not be empty")
        mounts: dict[str, str] = {}
        for index, mount in enumerate(as_list(sink, container.get("volumeMounts"), f"{path}.container.volumeMounts")):
            if isinstance(mount, dict) and mount.get("mountPath") is not None:
                if mount["mountPath"] in mounts:
                    sink.add(f"{path}.container.volumeMounts[{index}].mountPath",
                             f"mountPath '{mount['mountPath']}' already mounted in {mounts[mount['mountPath']]}")
                mounts[mount["mountPath"]] = f"container.volumeMounts.{mount.get('name')}"
        inputs = tmpl.get("inputs") if isinstance(tmpl.get("inputs"), dict) else {}
        arts = inputs.get("artifacts") if isinstance(inputs.get("artifacts"), list) else []
        for index, art in enumerate(arts):
            if isinstance(art, dict) and art.get("path") in mounts:
                sink.add(f"{path}.inputs.artifacts[{index}].path",
                         f"path '{art['path']}' already mounted in {mounts[art['path']]}")
    script = tmpl.get("script")
    if isinstance(script, dict):
        if not script.get("image") and not ctx.default_image("script"):
            sink.add(f"{path}.script.image", "script.image may not be empty")
        if script.get("source") is None:
            sink.add(f"{path}.script.source", "script.source is required")
    if kind == "containerSet":
        _check_container_set(ctx, tmpl, path)
    resource = tmpl.get("resource")
    if isinstance(resource, dict):
        _check_resource(ctx, tmpl, resource, f"{path}.resource")
    http = tmpl.get("http")
    if isinstance(http, dict):
        if not http.get("url"):
            sink.add(f"{path}.http.url", "http.url is required")
        check_expression(sink, http.get("successCondition"), f"{path}.http.successCondition")
    data = tmpl.get("data")
    if isinstance(data, dict):
        for index, step in enumerate(as_list(sink, data.get("transformation"), f"{path}.data.transformation")):
            if isinstance(step, dict):
                check_expression(sink, step.get("expression"), f"{path}.data.transformation[{index}].expression")


def _check_container_set(ctx: SpecContext, tmpl: dict[str, Any], path: str) -> None:
    sink = ctx.sink
    cs = as_dict(sink, tmpl.get("containerSet"), f"{path}.containerSet")
    containers = as_list(sink, cs.get("containers"), f"{path}.containerSet.containers")
    names = check_names(sink, containers, f"{path}.containerSet.containers")
    for index, container in enumerate(containers):
        if not isinstance(container, dict):
            continue
        if container.get("name") in ("wait", "init"):
            sink.add(f"{path}.containerSet.containers[{index}].name",
                     f"'{container['name']}' is a reserved Argo container name")
        for dep in container.get("dependencies") or () if isinstance(container.get("dependencies"), list) else ():
            if dep not in names:
                sink.add(f"{path}.containerSet.containers[{index}].dependencies",
                         f"containers.{container.get('name')} dependency '{dep}' not defined")
    outputs = tmpl.get("outputs") if isinstance(tmpl.get("outputs"), dict) else {}
    inputs = tmpl.get("inputs") if isinstance(tmpl.get("inputs"), dict) else {}
    if (inputs.get("artifacts") or outputs.get("parameters") or outputs.get("artifacts")) and "main" not in names:
        sink.add(f"{path}.containerSet.containers", 'containers must have a container named "main" for input or output')


def _check_resource(ctx: SpecContext, tmpl: dict[str, Any], resource: dict[str, Any], path: str) -> None:
    sink = ctx.sink
    action = resource.get("action")
    if not is_templated(action) and action not in _RESOURCE_ACTIONS:
        sink.add(f"{path}.action", f"resource.action must be one of: {', '.join(_RESOURCE_ACTIONS)}")
    if action in ("delete", "get"):
        return
    manifest, manifest_from = resource.get("manifest"), resource.get("manifestFrom")
    if not manifest and manifest_from is None:
        sink.add(path, "either resource.manifest or resource.manifestFrom must be specified")
    elif manifest and manifest_from is not None:
        sink.add(path, "shouldn't have both `manifest` and `manifestFrom` specified in `Manifest` for resource template")
    if isinstance(manifest_from, dict) and isinstance(manifest_from.get("artifact"), dict):
        wanted = manifest_from["artifact"].get("name")
        inputs = tmpl.get("inputs") if isinstance(tmpl.get("inputs"), dict) else {}
        arts = inputs.get("artifacts") if isinstance(inputs.get("artifacts"), list) else []
        if not any(isinstance(a, dict) and a.get("name") == wanted for a in arts):
            sink.add(f"{path}.manifestFrom.artifact", f"artifact {wanted} in `manifestFrom` refer to a non-exist artifact")
    if isinstance(manifest, str) and manifest:
        try:
            yaml.load(blank_tags(manifest, "placeholder"), Loader=yaml.CSafeLoader)
        except yaml.YAMLError as error:
            sink.add(f"{path}.manifest", f"resource.manifest must be a valid yaml: {str(error).splitlines()[0]}")


def _check_outputs(ctx: SpecContext, tmpl: dict[str, Any], path: str, kind: str | None, scope: Scope,
                   nodes: NodeResolver | None) -> None:
    sink = ctx.sink
    outputs = as_dict(sink, tmpl.get("outputs"), f"{path}.outputs")
    params = as_list(sink, outputs.get("parameters"), f"{path}.outputs.parameters")
    arts = as_list(sink, outputs.get("artifacts"), f"{path}.outputs.artifacts")
    check_names(sink, params, f"{path}.outputs.parameters", params=True)
    check_names(sink, arts, f"{path}.outputs.artifacts", params=True)
    check_tags(ctx, outputs, f"{path}.outputs", scope, nodes=nodes)
    leaf = kind in LEAF_TYPES
    for index, art in enumerate(arts):
        if not isinstance(art, dict):
            continue
        where = f"{path}.outputs.artifacts[{index}]"
        if not leaf and art.get("path"):
            sink.add(f"{where}.path", f"outputs.artifacts.{art.get('name')}.path only valid in container/script templates")
        _check_global_name(ctx, art, where)
        if art.get("fromExpression") is not None:
            check_expression(sink, art["fromExpression"], f"{where}.fromExpression")
    for index, param in enumerate(params):
        if isinstance(param, dict):
            _check_output_parameter(ctx, param, f"{path}.outputs.parameters[{index}]", kind)


def _check_global_name(ctx: SpecContext, item: dict[str, Any], where: str) -> None:
    name = item.get("globalName")
    if isinstance(name, str) and name and not is_parameter(name) and not re.fullmatch(r"[-a-zA-Z0-9_]+", name):
        ctx.sink.add(f"{where}.globalName", "Parameter/Artifact name must consist of alpha-numeric characters, "
                                            "'_' or '-' e.g. my_param_1, MY-PARAM-1")


def _check_output_parameter(ctx: SpecContext, param: dict[str, Any], where: str, kind: str | None) -> None:
    sink = ctx.sink
    name = param.get("name")
    _check_global_name(ctx, param, where)
    value_from = param.get("valueFrom")
    if value_from is not None and param.get("value") is not None:
        sink.add(where, f"outputs.parameters.{name} has both valueFrom and value specified, choose one")
        return
    if param.get("value") is not None:
        return
    if not isinstance(value_from, dict):
        sink.add(where, f"outputs.parameters.{name} does not have valueFrom or value specified"
                 if value_from is None else "valueFrom must be a mapping")
        return
    sources = [k for k in ("path", "jqFilter", "jsonPath", "parameter", "expression") if value_from.get(k)]
    if value_from.get("supplied") is not None:
        sources.append("supplied")
    if not sources:
        sink.add(f"{where}.valueFrom", "valueFrom type unspecified. choose one of: path, jqFilter, jsonPath, "
                                       "parameter, supplied, expression")
    elif len(sources) > 1:
        sink.add(f"{where}.valueFrom", f"multiple valueFrom types specified ({', '.join(sources)}). choose one of: "
                                       "path, jqFilter, jsonPath, parameter, supplied, expression")
    if kind in ("container", "containerSet", "script") and not value_from.get("path") and sources:
        sink.add(f"{where}.valueFrom", f"outputs.parameters.{name}.path must be specified for {kind} templates")
    elif kind == "resource" and not value_from.get("jqFilter") and not value_from.get("jsonPath"):
        sink.add(f"{where}.valueFrom", f"outputs.parameters.{name} .jqFilter or jsonPath must be specified for resource templates")
    elif kind in ("dag", "steps"):
        if not value_from.get("parameter") and not value_from.get("expression"):
            sink.add(f"{where}.valueFrom", f"outputs.parameters.{name}.parameter or expression must be specified for {kind} templates")
    if value_from.get("expression") is not None:
        check_expression(sink, value_from["expression"], f"{where}.valueFrom.expression")


def check_supplied(ctx: SpecContext, tmpl: dict[str, Any] | None, args: Any, path: str, *, fake: bool = False) -> None:
    """Every input of `tmpl` without a value or default is given by `args` (Argo's ProcessArgs)."""
    if not isinstance(tmpl, dict) or fake:
        return
    inputs = tmpl.get("inputs") if isinstance(tmpl.get("inputs"), dict) else {}
    args = args if isinstance(args, dict) else {}
    given = {p.get("name"): p for p in args.get("parameters") or () if isinstance(p, dict)} \
        if isinstance(args.get("parameters"), list) else {}
    given_arts = {a.get("name") for a in args.get("artifacts") or () if isinstance(a, dict)} \
        if isinstance(args.get("artifacts"), list) else set()
    name = tmpl.get("name", "inline")
    for param in inputs.get("parameters") or () if isinstance(inputs.get("parameters"), list) else ():
        if not isinstance(param, dict):
            continue
        value = param.get("value") if param.get("value") is not None else param.get("default")
        value_from = param.get("valueFrom")
        arg = given.get(param.get("name"))
        if arg is not None:
            value, value_from = arg.get("value"), (arg.get("valueFrom") if arg.get("value") is None else None)
        from_config_map = isinstance(value_from, dict) and value_from.get("configMapKeyRef") is not None
        if value is None and not from_config_map:
            ctx.sink.add(path, f"template '{name}': inputs.parameters.{param.get('name')} was not supplied")
    for art in inputs.get("artifacts") or () if isinstance(inputs.get("artifacts"), list) else ():
        if isinstance(art, dict) and not art.get("optional") and not has_location(art) \
                and art.get("name") not in given_arts:
            ctx.sink.add(path, f"template '{name}': inputs.artifacts.{art.get('name')} was not supplied")


__all__ = ["check_template", "check_supplied", "check_tags", "template_scope"]
