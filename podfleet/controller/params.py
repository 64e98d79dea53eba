"""Parameters: the workflow's global variables and a template's inputs from arguments.

Argo's `setGlobalParameters` and `common.ProcessArgs`/`SubstituteParams`: an input takes
the argument's value, else its `value`, else its `default`, else `valueFrom.configMapKeyRef`,
else the node errors with `inputs.parameters.X was not supplied`. Then globals and locals
(`{{pod.name}}`, `{{node.name}}`) are substituted first, inputs second, as Argo does, so a
global can appear inside an input's value.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from podfleet.controller.context import Pass, spec_derived
from podfleet.controller.text import substitute, substitute_object
from podfleet.errors import InvalidError


def param_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def config_map_value(p: Pass, ref: dict[str, Any], scope: dict[str, str]) -> str | None:
    name = substitute(str(ref.get("name") or ""), scope)
    key = substitute(str(ref.get("key") or ""), scope)
    cm = p.resolver.config_map(p.namespace, name)
    if cm is None:
        return None
    if not isinstance(cm, dict):
        cm = cm.dump()
    data = cm.get("data") or {}
    value = data.get(key)
    return None if value is None else str(value)


def build_globals(p: Pass, creation: datetime | None) -> dict[str, str]:
    spec, meta = p.spec, p.metadata
    g: dict[str, str] = {
        "workflow.name": p.name,
        "workflow.namespace": p.namespace,
        "workflow.mainEntrypoint": str(spec.get("entrypoint") or ""),
        "workflow.serviceAccountName": str(spec.get("serviceAccountName") or ""),
        "workflow.uid": p.uid,
    }
    if creation is not None:
        stamp = creation.strftime("%Y-%m-%dT%H:%M:%SZ")
        g["workflow.creationTimestamp"] = stamp
        g["workflow.creationTimestamp.RFC3339"] = stamp
        g["workflow.creationTimestamp.s"] = str(int(creation.timestamp()))
        for char in "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ":
            try:
                g[f"workflow.creationTimestamp.{char}"] = creation.strftime(f"%{char}")
            except ValueError:
                continue
    if spec.get("priority") is not None:
        g["workflow.priority"] = str(spec["priority"])
    annotations = meta.get("annotations") or {}
    labels = meta.get("labels") or {}
    if "workflows.argoproj.io/scheduled-time" in annotations:
        g["workflow.scheduledTime"] = annotations["workflows.argoproj.io/scheduled-time"]
    params = (spec.get("arguments") or {}).get("parameters") or []
    g["workflow.parameters"] = json.dumps(params, separators=(",", ":"))
    g["workflow.parameters.json"] = g["workflow.parameters"]
    for param in params:
        name = param.get("name")
        if "value" in param and param["value"] is not None:
            g[f"workflow.parameters.{name}"] = param_text(param["value"])
            continue
        vf = param.get("valueFrom") or {}
        if vf.get("configMapKeyRef"):
            value = config_map_value(p, vf["configMapKeyRef"], g)
            if value is None:
                if vf.get("default") is None:
                    ref = vf["configMapKeyRef"]
                    raise InvalidError(
                        f"failed to set global parameter {name} from configmap with name {ref.get('name')} "
                        f"and key {ref.get('key')}: ConfigMap '{ref.get('name')}' does not exist"
                    )
                value = param_text(vf["default"])
            g[f"workflow.parameters.{name}"] = value
        elif param.get("default") is not None:
            g[f"workflow.parameters.{name}"] = param_text(param["default"])
        else:
            raise InvalidError(f"either value or valueFrom must be specified in order to set global parameter {name}")
    g["workflow.annotations"] = json.dumps(annotations, separators=(",", ":"))
    g["workflow.annotations.json"] = g["workflow.annotations"]
    for k, v in annotations.items():
        g[f"workflow.annotations.{k}"] = str(v)
    g["workflow.labels"] = json.dumps(labels, separators=(",", ":"))
    g["workflow.labels.json"] = g["workflow.labels"]
    for k, v in labels.items():
        g[f"workflow.labels.{k}"] = str(v)
    md = spec.get("workflowMetadata") or {}
    for k, v in (md.get("labels") or {}).items():
        g[f"workflow.labels.{k}"] = str(v)
    for k, v in (md.get("annotations") or {}).items():
        g[f"workflow.annotations.{k}"] = str(v)
    for name, param in p.global_outputs.items():
        if param.get("value") is not None:
            g[f"workflow.outputs.parameters.{name}"] = param_text(param["value"])
    return g


def _arg(args: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    for param in (args or {}).get("parameters") or ():
        if param.get("name") == name:
            return param  # type: ignore[no-any-return]
    return None


def _arg_artifact(args: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    for art in (args or {}).get("artifacts") or ():
        if art.get("name") == name:
            return art  # type: ignore[no-any-return]
    return None


def process_args(p: Pass, tmpl: dict[str, Any], args: dict[str, Any] | None, local: dict[str, str]) -> dict[str, Any]:
    """The template with its inputs bound from `args` and globals/locals/inputs substituted.

    Steps and DAG templates are processed again on every pass while they run, and a
    10,000-step template costs two JSON round trips each time. The result is a pure
    function of (template, args, locals, globals), so for the spec's own templates it is
    kept with the spec's other derived facts (see specmemo), one entry per template,
    and reused while those inputs are the same.
    """
    derived = spec_derived(p, tmpl) if ("steps" in tmpl or "dag" in tmpl) else None
    if derived is None:
        return _process_args(p, tmpl, args, local)
    key = json.dumps([args, local, p.globals], sort_keys=True, default=str)
    slot = ("process-args", id(tmpl))
    hit = derived.get(slot)
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    result = _process_args(p, tmpl, args, local)
    derived[slot] = (key, result)
    return result


def _process_args(p: Pass, tmpl: dict[str, Any], args: dict[str, Any] | None, local: dict[str, str]) -> dict[str, Any]:
    tmpl = dict(tmpl)
    inputs = dict(tmpl.get("inputs") or {})
    new_params = []
    for original in inputs.get("parameters") or ():
        param = dict(original)
        if param.get("value") is None and param.get("default") is not None:
            param["value"] = param["default"]
        arg = _arg(args, param["name"])
        if arg is not None:
            if arg.get("value") is not None:
                param["value"] = arg["value"]
                param.pop("valueFrom", None)
            elif arg.get("valueFrom"):
                param["valueFrom"] = arg["valueFrom"]
                param.pop("value", None)
        vf = param.get("valueFrom") or {}
        if vf.get("configMapKeyRef"):
            value = config_map_value(p, vf["configMapKeyRef"], p.globals)
            if value is None:
                if vf.get("default") is None:
                    raise InvalidError(
                        f"unable to retrieve inputs.parameters.{param['name']} from ConfigMap: "
                        f"ConfigMap '{vf['configMapKeyRef'].get('name')}' not found"
                    )
                value = param_text(vf["default"])
            param["value"] = value
        elif param.get("value") is None and not vf.get("supplied") and not vf.get("event"):
            raise InvalidError(f"inputs.parameters.{param['name']} was not supplied")
        if param.get("value") is not None:
            param["value"] = param_text(param["value"])
        enum = param.get("enum")
        if enum and param.get("value") is not None and param["value"] not in [param_text(e) for e in enum]:
            raise InvalidError(
                f"inputs.parameters.{param['name']}.value should be present in inputs.parameters.{param['name']}.enum list"
            )
        new_params.append(param)
    if new_params:
        inputs["parameters"] = new_params
    new_arts = []
    for original in inputs.get("artifacts") or ():
        art = dict(original)
        arg_art = _arg_artifact(args, art["name"])
        if arg_art is not None:
            merged = dict(arg_art)
            for key in ("path", "mode", "recurseMode"):
                if art.get(key) is not None:
                    merged[key] = art[key]
            art = merged
        new_arts.append(art)
    if new_arts:
        inputs["artifacts"] = new_arts
    if inputs:
        tmpl["inputs"] = inputs
    return substitute_params(tmpl, {**p.globals, **local})


def substitute_params(tmpl: dict[str, Any], replace: dict[str, str]) -> dict[str, Any]:
    """Argo's SubstituteParams: globals+locals first, then inputs/outputs paths."""
    tmpl = substitute_object(tmpl, replace)
    scope = dict(replace)
    inputs = tmpl.get("inputs") or {}
    for param in inputs.get("parameters") or ():
        if param.get("value") is not None:
            scope[f"inputs.parameters.{param['name']}"] = param_text(param["value"])
    scope["inputs.parameters"] = json.dumps(inputs.get("parameters") or [], separators=(",", ":"))
    for art in inputs.get("artifacts") or ():
        if art.get("path"):
            scope[f"inputs.artifacts.{art['name']}.path"] = art["path"]
    outputs = tmpl.get("outputs") or {}
    for art in outputs.get("artifacts") or ():
        if art.get("path"):
            scope[f"outputs.artifacts.{art['name']}.path"] = art["path"]
    for param in outputs.get("parameters") or ():
        path = (param.get("valueFrom") or {}).get("path")
        if path:
            scope[f"outputs.parameters.{param['name']}.path"] = path
    return substitute_object(tmpl, scope)  # type: ignore[no-any-return]


__all__ = ["build_globals", "process_args", "substitute_params", "param_text", "config_map_value"]
