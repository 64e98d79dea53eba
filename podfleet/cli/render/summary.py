"""The header block of `argo get` / `argo submit`: `Name:`, `Status:`, `Duration:` …

Each line is a 20-wide left-aligned label, a space, then the value, exactly as
Argo lays it out, so scripts and eyes trained on Argo read podfleet the same.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any, Mapping

from podfleet.cli.render.humanize import duration_long, parse_time, relative_duration, timestamp
from podfleet.cli.render.nodes import condition_icon, is_active_suspend
from podfleet.cli.render.tree import resources_duration_text


def _line(label: str, value: object) -> str:
    return f"{label:<20} {value}".rstrip() + "\n"


def any_string(value: object) -> str:
    """A parameter value as Argo's AnyString prints it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def exec_spec(wf: Mapping[str, Any]) -> Mapping[str, Any]:
    """The spec the workflow runs: the stored template spec when one was resolved."""
    stored = (wf.get("status") or {}).get("storedWorkflowTemplateSpec")
    return stored if isinstance(stored, Mapping) else (wf.get("spec") or {})


def workflow_status(wf: Mapping[str, Any]) -> str:
    """The STATUS word: the phase, refined to `Running (Suspended)` / `Failed (Terminated)`."""
    spec = wf.get("spec") or {}
    status = wf.get("status") or {}
    phase = str(status.get("phase") or "")
    if phase == "Running":
        nodes = status.get("nodes") or {}
        if spec.get("suspend") is True or any(is_active_suspend(n) for n in nodes.values()):
            return "Running (Suspended)"
    elif phase == "Failed":
        if spec.get("shutdown"):
            return "Failed (Terminated)"
    elif phase in ("", "Pending"):
        created = parse_time((wf.get("metadata") or {}).get("creationTimestamp"))
        return "Pending" if created is not None else "Unknown"
    return phase


def _artifact_location(art: Mapping[str, Any]) -> str:
    for kind, scheme in (("s3", "s3"), ("oss", "oss"), ("gcs", "gs"), ("azure", "azure"),
                         ("hdfs", "hdfs"), ("artifactory", ""), ("http", ""), ("git", "")):
        loc = art.get(kind)
        if not isinstance(loc, Mapping):
            continue
        if kind in ("artifactory", "http"):
            return str(loc.get("url") or "")
        if kind == "git":
            return str(loc.get("repo") or "")
        bucket = loc.get("bucket") or loc.get("container") or ""
        key = loc.get("key") or loc.get("blob") or loc.get("path") or ""
        return f"{scheme}://{bucket}/{key}" if bucket else f"{scheme}://{key}"
    if isinstance(art.get("raw"), Mapping):
        return "raw"
    return ""


def workflow_summary(wf: Mapping[str, Any], *, now: datetime | None = None,
                     tz: tzinfo | None = None, color: bool = False) -> str:
    """The `Name:` … `Output Parameters:` block; times shown in `tz` (default local)."""
    meta = wf.get("metadata") or {}
    spec = wf.get("spec") or {}
    status = wf.get("status") or {}
    run_spec = exec_spec(wf)
    out = [_line("Name:", meta.get("name", "")), _line("Namespace:", meta.get("namespace", ""))]

    account = run_spec.get("serviceAccountName") or ""
    if not account:
        account = "unset" if spec.get("workflowTemplateRef") else \
            "unset (will run with the default ServiceAccount)"
    out.append(_line("ServiceAccount:", account))
    out.append(_line("Status:", workflow_status(wf)))
    if status.get("message"):
        out.append(_line("Message:", status["message"]))

    conditions = [c for c in status.get("conditions") or [] if isinstance(c, Mapping)]
    if conditions:
        out.append(_line("Conditions:", ""))
        for cond in conditions:
            kind = str(cond.get("type") or "")
            label = f"{condition_icon(kind, color=color)} {kind}"
            out.append(_line(label, cond.get("message") or cond.get("status") or ""))

    created = parse_time(meta.get("creationTimestamp"))
    if created is not None:
        out.append(_line("Created:", timestamp(created, now, tz)))
    started = parse_time(status.get("startedAt"))
    finished = parse_time(status.get("finishedAt"))
    if started is not None:
        out.append(_line("Started:", timestamp(started, now, tz)))
    if finished is not None:
        out.append(_line("Finished:", timestamp(finished, now, tz)))
    if started is not None:
        out.append(_line("Duration:", relative_duration(started, finished, now)))
    estimated = status.get("estimatedDuration")
    if status.get("phase") == "Running" and isinstance(estimated, (int, float)) and estimated > 0:
        out.append(_line("EstimatedDuration:", duration_long(float(estimated))))
    out.append(_line("Progress:", status.get("progress") or ""))
    resources = resources_duration_text(status.get("resourcesDuration"))
    if resources:
        out.append(_line("ResourcesDuration:", resources))

    params = ((run_spec.get("arguments") or {}).get("parameters")) or []
    if params:
        out.append(_line("Parameters:", ""))
        for p in params:
            if isinstance(p, Mapping) and p.get("value") is not None:
                out.append(_line(f"  {p.get('name', '')}:", any_string(p["value"])))

    outputs = status.get("outputs") or {}
    out_params = outputs.get("parameters") or []
    if out_params:
        out.append(_line("Output Parameters:", ""))
        for p in out_params:
            if not isinstance(p, Mapping):
                continue
            if any(p.get(k) is not None for k in ("value", "default", "valueFrom")):
                shown = p.get("value") if p.get("value") is not None else p.get("default")
                out.append(_line(f"  {p.get('name', '')}:", any_string(shown)))
    located = [(a, _artifact_location(a)) for a in outputs.get("artifacts") or []
               if isinstance(a, Mapping)]
    if located:
        out.append(_line("Output Artifacts:", ""))
        for art, where in located:
            if where:
                out.append(_line(f"  {art.get('name', '')}:", where))
    return "".join(out)


__all__ = ["workflow_summary", "workflow_status", "exec_spec", "any_string"]
