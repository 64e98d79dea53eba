"""Suspend templates: a node that waits to be resumed or for its `duration` (Argo's executeSuspend).

The node is Running while suspended. With a duration it resumes itself once
`startedAt + duration` has passed (outputs whose value was not supplied take their
`valueFrom.default`); otherwise `podfleet resume` (operations.resume) resumes it.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from podfleet.controller.context import Pass
from podfleet.controller.nodes import PENDING, RUNNING, SUCCEEDED, Node, parse_time
from podfleet.controller.templates import Scope
from podfleet.durations import parse_duration


def raw_outputs(tmpl: dict[str, Any]) -> dict[str, Any] | None:
    """Argo's addRawOutputFields: the declared outputs, so `supplied` values can be filled in later."""
    outputs = tmpl.get("outputs") or {}
    if not outputs.get("parameters"):
        return None
    return copy.deepcopy({"parameters": outputs["parameters"]})


def apply_defaults(outputs: dict[str, Any] | None) -> dict[str, Any] | None:
    """Argo's OverrideOutputParametersWithDefault: unsupplied parameters take valueFrom.default."""
    if not outputs:
        return outputs
    params = []
    for param in outputs.get("parameters") or ():
        param = dict(param)
        vf = param.get("valueFrom") or {}
        if param.get("value") is None and vf.get("default") is not None:
            param["value"] = str(vf["default"])
        params.append(param)
    return {**outputs, "parameters": params}


def execute_suspend(p: Pass, call: Any, tmpl: dict[str, Any], _scope: Scope, node: Node | None) -> Node:
    from podfleet.controller.execute import init_exec_node

    if node is None:
        node = init_exec_node(p, call, tmpl, "Suspend", PENDING)
    duration = (tmpl.get("suspend") or {}).get("duration")
    if duration not in (None, ""):
        started = parse_time(node.get("startedAt")) or p.now
        ready = started + timedelta(seconds=parse_duration(duration, allow_days=True))
        if p.now >= ready:
            outputs = apply_defaults(node.get("outputs"))
            if outputs is not None:
                p.nodes.set(node, "outputs", outputs)
            return p.nodes.mark(node, SUCCEEDED)
        p.actions.requeue((ready - p.now).total_seconds())
    return p.nodes.mark(node, RUNNING)


__all__ = ["execute_suspend", "raw_outputs", "apply_defaults"]
