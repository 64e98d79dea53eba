"""Building Argo's variable scopes: plain dicts in, flat `{"dotted.name": "string"}` out.

Each function mirrors one place where Argo's controller fills its replace map
(`setGlobalParameters`, `createScope`/`SubstituteParams`, `buildLocalScope`,
`processAggregateNodeOutputs`, `processItem`, the retry scope) and produces
the same strings Argo would — Go's JSON for lists and maps, Go's float and time
formats — because users see these strings in their pods' arguments. Inputs are
plain dicts (a Workflow or node dumped by alias), so any model layer can call them.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from podfleet.errors import InvalidError, TemplateError
from podfleet.templating.gojson import (
    GoNumber, format_float, go_quote, go_sprint, json_fix, loads_raw, marshal, parse_time, rfc3339,
)

SCHEDULED_TIME_ANNOTATION = "workflows.argoproj.io/scheduled-time"

_PARAM_FIELDS = ("name", "default", "value", "valueFrom", "globalName", "enum", "description")
_VALUE_FROM_FIELDS = ("path", "jsonPath", "jqFilter", "event", "parameter", "supplied",
                      "configMapKeyRef", "default", "expression")
_FAILURE_FIELDS = ("displayName", "message", "templateName", "phase", "podName", "finishedAt")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def any_string(value: Any) -> str:
    """Argo's AnyString: a parameter value written as a YAML number or bool, as a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        # strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _param_json(param: Mapping[str, Any]) -> dict[str, Any]:
    """A Parameter as Go marshals it: declared field order, empty fields omitted, values as strings."""
    out: dict[str, Any] = {}
    for field in _PARAM_FIELDS:
        if field not in param or param[field] is None:
            continue
        value = param[field]
        if field in ("default", "value", "description"):
            value = any_string(value)
        elif field == "enum":
            if not value:
                continue
            value = [any_string(v) for v in value]
        elif field == "valueFrom":
            value = {k: (any_string(value[k]) if k == "default" else value[k])
                     for k in _VALUE_FROM_FIELDS if value.get(k) not in (None, "")}
        elif field == "globalName" and not value:
            continue
        out[field] = value
    if "name" not in out:
        out = {"name": "", **out}
    return out


def parameters_json(params: Sequence[Mapping[str, Any]] | None) -> str:
    """`{{inputs.parameters}}` / `{{workflow.parameters.json}}`: the parameter list as Go JSON."""
    if params is None:
        return "null"
    return marshal([_param_json(p) for p in params], sort_keys=False)


def _strftime_chars(t: _dt.datetime) -> dict[str, str]:
    """Argo's strftime letters (util/strftime.FormatChars) for a UTC time."""
    hour12 = t.hour % 12 or 12
    return {
        "B": _MONTHS[t.month - 1], "b": _MONTHS[t.month - 1][:3], "m": f"{t.month:02d}",
        "A": _WEEKDAYS[t.weekday()], "a": _WEEKDAYS[t.weekday()][:3], "d": f"{t.day:02d}",
        "H": f"{t.hour:02d}", "I": f"{hour12:02d}", "M": f"{t.minute:02d}", "S": f"{t.second:02d}",
        "Y": f"{t.year:04d}", "y": f"{t.year % 100:02d}", "p": "PM" if t.hour >= 12 else "AM",
        "Z": "UTC", "z": "+0000", "L": f".{t.microsecond // 1000:03d}",
    }


STRFTIME_CHARS = tuple("BbmAadHIMSYypZzL")


def _md(workflow: Mapping[str, Any]) -> Mapping[str, Any]:
    return workflow.get("metadata") or {}


def workflow_scope(workflow: Mapping[str, Any], *, now: _dt.datetime | None = None, status: str | None = None,
                   failures: Sequence[Mapping[str, Any]] | None = None, duration: float | None = None,
                   configmap: Callable[[str, str], str | None] | None = None) -> dict[str, str]:
    """Every `workflow.*` variable of a Workflow dict (metadata/spec/status).

    `status`/`failures` are the exit-handler variables (set when `status` is given);
    `duration` defaults to the time since status.startedAt (until finishedAt once
    completed) using `now`. `configmap(name, key)` resolves `valueFrom.configMapKeyRef`
    arguments; without it, or when it returns None, the parameter's default is used.
    """
    md, spec = _md(workflow), workflow.get("spec") or {}
    wf_status = workflow.get("status") or {}
    now = now or _dt.datetime.now(_dt.timezone.utc)
    scope: dict[str, str] = {
        "workflow.name": md.get("name") or "",
        "workflow.namespace": md.get("namespace") or "",
        "workflow.mainEntrypoint": spec.get("entrypoint") or "",
        "workflow.serviceAccountName": spec.get("serviceAccountName") or "",
        "workflow.uid": md.get("uid") or "",
    }
    created = parse_time(md.get("creationTimestamp")) or parse_time(now)
    assert created is not None
    created = created.replace(microsecond=0)  # a Kubernetes timestamp has second precision
    scope["workflow.creationTimestamp"] = rfc3339(created)
    for char, text in _strftime_chars(created).items():
        scope[f"workflow.creationTimestamp.{char}"] = text
    scope["workflow.creationTimestamp.s"] = str(int(created.timestamp()))
    scope["workflow.creationTimestamp.RFC3339"] = rfc3339(created)
    annotations = md.get("annotations")
    if annotations and SCHEDULED_TIME_ANNOTATION in annotations:
        scope["workflow.scheduledTime"] = annotations[SCHEDULED_TIME_ANNOTATION]
    if spec.get("priority") is not None:
        scope["workflow.priority"] = str(int(spec["priority"]))

    params = (spec.get("arguments") or {}).get("parameters")
    scope["workflow.parameters"] = scope["workflow.parameters.json"] = parameters_json(params)
    for param in params or ():
        scope[f"workflow.parameters.{param.get('name', '')}"] = _global_param_value(param, configmap)
    for param in (wf_status.get("outputs") or {}).get("parameters") or ():
        value = param_value(param)
        if value is not None:
            scope[f"workflow.outputs.parameters.{param['name']}"] = value

    wf_meta = spec.get("workflowMetadata") or {}
    labels_from = wf_meta.get("labelsFrom") or {}
    scope["workflow.annotations"] = scope["workflow.annotations.json"] = marshal(annotations)
    for key, value in (annotations or {}).items():
        scope[f"workflow.annotations.{key}"] = value
    labels = md.get("labels")
    scope["workflow.labels"] = scope["workflow.labels.json"] = marshal(labels)
    for source in (labels or {}, wf_meta.get("labels") or {}):
        for key, value in source.items():
            if key not in labels_from:  # set later from the evaluated labelsFrom expression
                scope[f"workflow.labels.{key}"] = value
    for key, value in (wf_meta.get("annotations") or {}).items():
        scope[f"workflow.annotations.{key}"] = value

    scope["workflow.duration"] = "%f" % (duration if duration is not None else _duration(wf_status, now))
    if status is not None:
        scope["workflow.status"] = status
        scope["workflow.failures"] = failures_value(failures)
    return scope


def _global_param_value(param: Mapping[str, Any], configmap: Callable[[str, str], str | None] | None) -> str:
    name = param.get("name", "")
    if param.get("value") is not None:
        return any_string(param["value"])
    value_from = param.get("valueFrom") or {}
    ref = value_from.get("configMapKeyRef")
    if ref:
        found = configmap(ref.get("name", ""), ref.get("key", "")) if configmap else None
        if found is not None:
            return found
        if value_from.get("default") is not None:
            return any_string(value_from["default"])
        raise InvalidError(f"failed to set global parameter {name} from configmap with name "
                           f"{ref.get('name', '')} and key {ref.get('key', '')}")
    raise InvalidError(f"either value or valueFrom must be specified in order to set global parameter {name}")


def param_value(param: Mapping[str, Any]) -> str | None:
    """A parameter's value (Argo's GetValue): value, else default, else valueFrom.default."""
    for candidate in (param.get("value"), param.get("default"), (param.get("valueFrom") or {}).get("default")):
        if candidate is not None:
            return any_string(candidate)
    return None


def _duration(wf_status: Mapping[str, Any], now: _dt.datetime) -> float:
    started = parse_time(wf_status.get("startedAt"))
    if started is None:
        return 0.0
    finished = parse_time(wf_status.get("finishedAt"))
    completed = wf_status.get("phase") in ("Succeeded", "Failed", "Error")
    end = finished if (completed and finished is not None) else (parse_time(now) or now)
    return (end - started).total_seconds()


def failures_value(failures: Sequence[Mapping[str, Any]] | None) -> str:
    """`{{workflow.failures}}`: Argo quotes the JSON list once more (`"null"` when none failed)."""
    entries = None
    if failures:
        entries = []
        for failure in failures:
            entry = {f: (failure.get(f) or "") for f in _FAILURE_FIELDS[:-1]}
            finished = failure.get("finishedAt")
            parsed = parse_time(finished)
            entry["finishedAt"] = rfc3339(parsed) if parsed else None
            entries.append(entry)
    return go_quote(marshal(entries, sort_keys=False))


def inputs_scope(inputs: Mapping[str, Any] | None) -> dict[str, str]:
    """`inputs.parameters.X`, `inputs.parameters` (JSON list) and `inputs.artifacts.X.path`."""
    inputs = inputs or {}
    params = inputs.get("parameters") or []
    scope: dict[str, str] = {}
    for param in params:
        if param.get("value") is not None:
            scope[f"inputs.parameters.{param['name']}"] = any_string(param["value"])
    scope["inputs.parameters"] = parameters_json(params or None)
    for art in inputs.get("artifacts") or ():
        if art.get("path"):
            scope[f"inputs.artifacts.{art['name']}.path"] = art["path"]
    return scope


def outputs_scope(outputs: Mapping[str, Any] | None) -> dict[str, str]:
    """`outputs.parameters.X.path` and `outputs.artifacts.X.path` of a template being run."""
    outputs = outputs or {}
    scope: dict[str, str] = {}
    for art in outputs.get("artifacts") or ():
        if art.get("path"):
            scope[f"outputs.artifacts.{art['name']}.path"] = art["path"]
    for param in outputs.get("parameters") or ():
        path = (param.get("valueFrom") or {}).get("path")
        if path:
            scope[f"outputs.parameters.{param['name']}.path"] = path
    return scope


def _time_field(value: Any) -> str | None:
    parsed = parse_time(value)
    return rfc3339(parsed) if parsed else None


def node_outputs_scope(prefix: str, node: Mapping[str, Any]) -> dict[str, str]:
    """What a finished step/task adds under `prefix` (`steps.X` / `tasks.X`).

    Pass the last attempt for a retried node (Argo reads the last retry child).
    Output artifacts are objects, not strings: see `node_artifacts`.
    """
    scope: dict[str, str] = {}
    if node.get("id"):
        scope[f"{prefix}.id"] = node["id"]
    for field in ("startedAt", "finishedAt"):
        text = _time_field(node.get(field))
        if text:
            scope[f"{prefix}.{field}"] = text
    if node.get("podIP"):
        scope[f"{prefix}.ip"] = node["podIP"]
    if node.get("phase"):
        scope[f"{prefix}.status"] = node["phase"]
    if node.get("hostNodeName"):
        scope[f"{prefix}.hostNodeName"] = node["hostNodeName"]
    outputs = node.get("outputs") or {}
    if outputs.get("result") is not None:
        scope[f"{prefix}.outputs.result"] = outputs["result"]
    if outputs.get("exitCode") is not None:
        scope[f"{prefix}.exitCode"] = str(outputs["exitCode"])
    for param in outputs.get("parameters") or ():
        if param.get("value") is not None:
            scope[f"{prefix}.outputs.parameters.{param['name']}"] = any_string(param["value"])
    return scope


def node_artifacts(prefix: str, node: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """`{prefix}.outputs.artifacts.Y` -> the artifact dict, for resolving `from:`."""
    outputs = node.get("outputs") or {}
    return {f"{prefix}.outputs.artifacts.{a['name']}": a for a in outputs.get("artifacts") or ()}


def skipped_node_outputs_scope(prefix: str, template_outputs: Mapping[str, Any] | None) -> dict[str, str | None]:
    """Outputs of a Skipped/Omitted node: the producer's `valueFrom.default`, else None (absent)."""
    scope: dict[str, str | None] = {}
    outputs = template_outputs or {}
    for param in outputs.get("parameters") or ():
        default = (param.get("valueFrom") or {}).get("default")
        scope[f"{prefix}.outputs.parameters.{param['name']}"] = any_string(default) if default is not None else None
    if outputs.get("result") is not None:
        scope[f"{prefix}.outputs.result"] = None
    return scope


def _loop_index(name: str) -> int:
    tail = name.split("(")[-1].split(":", 1)[0]
    try:
        return int(tail)
    except ValueError:
        return 0


def aggregate_outputs_scope(prefix: str, children: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """`{prefix}.outputs.result`/`.outputs.parameters`/`.outputs.parameters.Y` of an expanded loop.

    `children` are the loop's child nodes (name `step(i:...)`); hooked and retried
    children are ignored, the rest are ordered by loop index, and only Succeeded
    children with outputs contribute. Raises TemplateError when a child's result is
    not JSON, as Argo fails the aggregation then.
    """
    kept = [c for c in children
            if not ((c.get("nodeFlag") or {}).get("hooked") or (c.get("nodeFlag") or {}).get("retried"))]
    if not children:
        return {}
    kept.sort(key=lambda c: _loop_index(c.get("name", "")))
    param_maps: list[dict[str, str]] = []
    by_name: dict[str, list[str]] = {}
    results: list[Any] = []
    for child in kept:
        outputs = child.get("outputs")
        if not outputs or child.get("phase") != "Succeeded":
            continue
        params = outputs.get("parameters") or []
        if params:
            entry: dict[str, str] = {}
            for p in params:
                value = any_string(p.get("value"))
                entry[p["name"]] = value
                by_name.setdefault(p["name"], []).append(value)
            param_maps.append(entry)
        if outputs.get("result") is not None:
            try:
                results.append(loads_raw(outputs["result"]))
            except ValueError as exc:
                raise TemplateError(f"cannot aggregate the outputs.result of {child.get('name', prefix)}: "
                                    f"it is not JSON ({exc})") from exc
    scope = {
        f"{prefix}.outputs.result": marshal(results, sort_keys=False),
        f"{prefix}.outputs.parameters": marshal(param_maps),
    }
    for name, values in by_name.items():
        scope[f"{prefix}.outputs.parameters.{name}"] = _aggregated_values(values)
    return scope


def _aggregated_values(values: list[str]) -> str:
    """A JSON list of values; when every value is a JSON list/map, of the decoded values."""
    decoded: list[Any] = []
    for value in values:
        try:
            parsed = json.loads(value, parse_int=float)
        except ValueError:
            return marshal(values)
        if not isinstance(parsed, (list, dict)):
            return marshal(values)
        decoded.append(parsed)
    return marshal(decoded)


def item_text(value: Any) -> str:
    """Argo's Item.String(): strings lose their quotes but keep JSON escapes, the rest is JSON."""
    text = marshal(value, sort_keys=False)
    if text.startswith('"'):
        text = text[1:-1]
    return json_fix(text)


def item_scope(item: Any) -> dict[str, str]:
    """`{{item}}` (and `{{item.K}}` for map items) of one loop item.

    Numbers print as written (pass `GoNumber` to keep withParam's text), bools as
    `true`/`false`, maps and lists as Go JSON (top-level keys sorted), null as `[]`.
    """
    if isinstance(item, bool):
        return {"item": "true" if item else "false"}
    if isinstance(item, (int, float, GoNumber)):
        return {"item": item_text(item)}
    if isinstance(item, str):
        return {"item": item}
    if isinstance(item, Mapping):
        scope = {f"item.{k}": item_text(v) for k, v in item.items()}
        # map[string]Item: top-level keys sorted like a Go map, nested values as written
        scope["item"] = "{" + ",".join(
            marshal(str(k)) + ":" + marshal(item[k], sort_keys=False) for k in sorted(item, key=str)) + "}"
        return scope
    if isinstance(item, (list, tuple)):
        return {"item": marshal(list(item), sort_keys=False)}
    if item is None:
        return {"item": "[]"}  # Argo reads a null item as an empty list
    raise TemplateError(f"withItems expected string, number, list, or map. received: {item!r}")


def loop_node_name(name: str, index: int, item: Any) -> str:
    """The node name of loop iteration `index`: `name(index:desc)`, parentheses removed from desc."""
    if isinstance(item, Mapping):
        desc = ",".join(sorted(f"{k}:{item_text(v)}" for k, v in item.items()))
    elif isinstance(item, (list, tuple)):
        desc = "[" + " ".join(item_text(v) for v in item) + "]"
    elif isinstance(item, str):
        desc = item_text(item)
    elif item is None:
        desc = "[]"
    else:
        desc = item_text(item)
    desc = desc.replace("(", "").replace(")", "")
    return f"{name}({index}:{desc})"


def retry_scope(retry_num: int, last_attempt: Mapping[str, Any] | None, *, pod_name: str | None = None,
                now: _dt.datetime | None = None) -> dict[str, str]:
    """`retries` and `lastRetry.*` for attempt `retry_num` (0-based); `last_attempt` is the previous
    attempt's node (None on the first attempt: exit code and duration `0`, status and message empty)."""
    scope = {"retries": str(retry_num)}
    if pod_name is not None:
        scope["pod.name"] = pod_name
    exit_code, duration, status, message = "0", "0", "", ""
    if last_attempt is not None:
        code = (last_attempt.get("outputs") or {}).get("exitCode")
        if code is not None:
            exit_code = str(code)
        status = last_attempt.get("phase") or ""
        message = last_attempt.get("message") or ""
        duration = go_sprint(node_duration(last_attempt, now))
    scope.update({"lastRetry.exitCode": exit_code, "lastRetry.duration": duration,
                  "lastRetry.status": status, "lastRetry.message": message})
    return scope


def node_duration(node: Mapping[str, Any], now: _dt.datetime | None = None) -> float:
    """Seconds from startedAt to finishedAt (or to `now` while running), as Argo's GetDuration."""
    started = parse_time(node.get("startedAt"))
    if started is None:
        return 0.0
    finished = parse_time(node.get("finishedAt")) or parse_time(now or _dt.datetime.now(_dt.timezone.utc))
    assert finished is not None
    return float((finished - started).total_seconds())


def node_scope(*, node_name: str, pod_name: str | None = None, steps_name: str | None = None,
               tasks_name: str | None = None) -> dict[str, str]:
    """`node.name`, `pod.name` (pod templates), and `steps.name`/`tasks.name` of the node being run."""
    scope = {"node.name": node_name}
    if pod_name is not None:
        scope["pod.name"] = pod_name
    if steps_name is not None:
        scope["steps.name"] = steps_name
    if tasks_name is not None:
        scope["tasks.name"] = tasks_name
    return scope


__all__ = [
    "workflow_scope", "inputs_scope", "outputs_scope", "node_outputs_scope", "node_artifacts",
    "skipped_node_outputs_scope", "aggregate_outputs_scope", "item_scope", "item_text", "loop_node_name",
    "retry_scope", "node_scope", "node_duration", "parameters_json", "failures_value", "any_string",
    "param_value", "STRFTIME_CHARS", "format_float",
]
