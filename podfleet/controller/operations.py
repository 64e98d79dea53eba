"""The pure verbs behind `podfleet resume/suspend/stop/terminate/retry/resubmit/node set`.

Each takes the workflow (model or dict) and its nodes and returns what to persist; none
talks to a store or a provider. Semantics follow Argo's workflow/util: resume succeeds
active Suspend nodes (supplied outputs fall back to `valueFrom.default`), stop/terminate
set `spec.shutdown`, retry (`FormulateRetryWorkflow`) removes failed nodes and what came
after them and resets their ancestors to Running, resubmit makes a new workflow from
the spec.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from podfleet.controller.ids import pod_name
from podfleet.controller.nodes import rfc3339
from podfleet.controller.templates import template_of_node
from podfleet.errors import ConflictError, InvalidError

EXECUTION_TYPES = ("Pod", "Container", "Suspend", "HTTP", "Plugin")


@dataclass
class NodeChanges:
    """Node upserts, node ids to drop, and pods to delete (name) after an operation."""

    changed_nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_node_ids: list[str] = field(default_factory=list)
    pods_to_delete: list[str] = field(default_factory=list)
    spec_changes: dict[str, Any] = field(default_factory=dict)
    status_changes: dict[str, Any] = field(default_factory=dict)


def apply_to(workflow: dict[str, Any], changes: NodeChanges) -> None:
    """Write an operation's spec and status changes into the workflow dict (None removes a key)."""
    for section, updates in (("spec", changes.spec_changes), ("status", changes.status_changes)):
        target = workflow.setdefault(section, {})
        for key, value in updates.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    if changes.changed_nodes or changes.deleted_node_ids:
        # Reconcile carries the pod totals forward from the persisted ones; nodes changed
        # behind its back make them stale, so drop them and the next pass sums afresh.
        workflow.setdefault("status", {}).pop("progress", None)


def _dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return copy.deepcopy(obj)
    return obj.dump()  # type: ignore[no-any-return]


def _nodes(nodes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {nid: _dict(n) for nid, n in nodes.items()}


def _wf_parts(workflow: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    data = _dict(workflow)
    data.get("status", {}).pop("nodes", None) if isinstance(data.get("status"), dict) else None
    return (data.get("metadata") or {}).get("name", ""), data.get("spec") or {}, data.get("status") or {}


def _get_path(node: dict[str, Any], path: str) -> Any:
    if path.startswith("inputs.parameters.") and path.endswith(".value"):
        pname = path[len("inputs.parameters."):-len(".value")]
        for param in (node.get("inputs") or {}).get("parameters") or ():
            if param.get("name") == pname:
                return param.get("value")
        return None
    cursor: Any = node
    for part in path.split("."):
        if not isinstance(cursor, dict):
            return None
        cursor = cursor.get(part)
    return cursor


def select(node: dict[str, Any], selector: str | None) -> bool:
    """Argo's node field selector: `key=value,key!=value` over node fields (`displayName`, `phase`…)."""
    if not selector:
        return True
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            key, value = term.split("!=", 1)
            if str(_get_path(node, key.strip())) == value.strip():
                return False
        elif "==" in term or "=" in term:
            key, value = term.split("==", 1) if "==" in term else term.split("=", 1)
            actual = _get_path(node, key.strip())
            if actual is None or str(actual) != value.strip():
                return False
        else:
            raise InvalidError(f"invalid node field selector {selector!r}")
    return True


def _now(now: datetime | None) -> str:
    return rfc3339(now or datetime.now(timezone.utc))


def resume(workflow: Any, nodes: Mapping[str, Any], *, node_field_selector: str | None = None,
           now: datetime | None = None) -> NodeChanges:
    """Un-suspend the workflow and succeed its active Suspend nodes (those the selector picks)."""
    out = NodeChanges(spec_changes={"suspend": None})
    for nid, node in _nodes(nodes).items():
        if node.get("type") != "Suspend" or node.get("phase") not in ("Running", "Pending"):
            continue
        if not select(node, node_field_selector):
            continue
        outputs = node.get("outputs")
        if outputs and outputs.get("parameters"):
            params = []
            for param in outputs["parameters"]:
                param = dict(param)
                vf = param.get("valueFrom") or {}
                if param.get("value") is None:
                    if vf.get("default") is None:
                        raise InvalidError(
                            f"raw output parameter '{param.get('name')}' has not been set and does not have a default value")
                    param["value"] = str(vf["default"])
                params.append(param)
            node["outputs"] = {**outputs, "parameters": params}
        node["phase"] = "Succeeded"
        node["finishedAt"] = _now(now)
        out.changed_nodes[nid] = node
    return out


def suspend(workflow: Any) -> NodeChanges:
    _name, _spec, status = _wf_parts(workflow)
    if status.get("phase") in ("Succeeded", "Failed", "Error"):
        raise ConflictError("cannot suspend completed workflows")
    return NodeChanges(spec_changes={"suspend": True})


def _shutdown(workflow: Any, strategy: str) -> NodeChanges:
    _name, _spec, status = _wf_parts(workflow)
    if status.get("phase") in ("Succeeded", "Failed", "Error"):
        raise ConflictError(f"cannot shutdown a completed workflow: workflow phase is {status.get('phase')}")
    return NodeChanges(spec_changes={"shutdown": strategy})


def stop(workflow: Any) -> NodeChanges:
    """`spec.shutdown: Stop`: no new steps, exit handlers still run."""
    return _shutdown(workflow, "Stop")


def terminate(workflow: Any) -> NodeChanges:
    """`spec.shutdown: Terminate`: kill everything, exit handlers do not run."""
    return _shutdown(workflow, "Terminate")


def set_node(workflow: Any, nodes: Mapping[str, Any], *, node_field_selector: str,
             output_parameters: dict[str, str] | None = None, phase: str | None = None,
             message: str | None = None, now: datetime | None = None) -> NodeChanges:
    """`argo node set`: supply outputs of Suspend nodes, or set a node's phase/message."""
    if phase is not None and phase not in ("Succeeded", "Failed", "Error"):
        raise InvalidError(f"phase {phase!r} must be Succeeded, Failed or Error")
    out = NodeChanges()
    for nid, node in _nodes(nodes).items():
        if not select(node, node_field_selector):
            continue
        if output_parameters:
            if node.get("type") != "Suspend":
                raise InvalidError("cannot set output parameters because node is not of type Suspend")
            params = [dict(p) for p in (node.get("outputs") or {}).get("parameters") or ()]
            known = {p.get("name") for p in params}
            for key in output_parameters:
                if key not in known:
                    raise InvalidError(f"node is not expecting output parameter '{key}'")
            for param in params:
                if param.get("name") in output_parameters:
                    param["value"] = output_parameters[param["name"]]
            node["outputs"] = {**(node.get("outputs") or {}), "parameters": params}
        if message is not None:
            node["message"] = message
        if phase is not None:
            node["phase"] = phase
            node.setdefault("finishedAt", _now(now))
        out.changed_nodes[nid] = node
    return out


def retry(workflow: Any, nodes: Mapping[str, Any], *, restart_successful: bool = False,
          node_field_selector: str | None = None, parameters: list[str] | None = None,
          now: datetime | None = None) -> NodeChanges:
    """Argo's FormulateRetryWorkflow, on a node map."""
    name, spec, status = _wf_parts(workflow)
    phase = status.get("phase")
    if phase == "Succeeded":
        if not restart_successful or not node_field_selector:
            raise InvalidError("To retry a succeeded workflow, set the options restartSuccessful and nodeFieldSelector")
    elif phase not in ("Failed", "Error"):
        raise InvalidError(f"Cannot retry a workflow in phase {phase}")
    all_nodes = _nodes(nodes)
    parents: dict[str, list[str]] = {}
    for nid, node in all_nodes.items():
        for child in node.get("children") or ():
            parents.setdefault(child, []).append(nid)

    seeds: set[str] = set()
    for nid, node in all_nodes.items():
        if node.get("phase") in ("Failed", "Error") and node.get("type") in EXECUTION_TYPES:
            target = nid
            if (node.get("nodeFlag") or {}).get("retried"):
                target = next((p for p in parents.get(nid, ()) if all_nodes[p].get("type") == "Retry"), nid)
            seeds.add(target)
        elif restart_successful and node.get("type") in EXECUTION_TYPES and select(node, node_field_selector):
            seeds.add(nid)
    exit_prefix = f"{name}.onExit"
    delete: set[str] = set()
    stack = list(seeds)
    while stack:
        nid = stack.pop()
        if nid in delete or nid == name or nid not in all_nodes:
            continue
        delete.add(nid)
        stack.extend(all_nodes[nid].get("children") or ())
    for nid, node in all_nodes.items():
        if node.get("name", "").startswith(exit_prefix):
            delete.add(nid)
    reset: set[str] = set()
    stack = [p for d in delete for p in parents.get(d, ())]
    while stack:
        nid = stack.pop()
        if nid in reset or nid in delete:
            continue
        reset.add(nid)
        stack.extend(parents.get(nid, ()))
    # A group or boundary whose members are deleted must run again too.
    for nid in list(delete):
        boundary = all_nodes[nid].get("boundaryID")
        while boundary and boundary not in reset and boundary not in delete and boundary in all_nodes:
            reset.add(boundary)
            boundary = all_nodes[boundary].get("boundaryID")
    if name in all_nodes:
        reset.add(name)
    out = NodeChanges()
    started = _now(now)
    for nid in reset:
        node = all_nodes[nid]
        node["phase"] = "Running"
        node.pop("message", None)
        node.pop("finishedAt", None)
        node["startedAt"] = started
        if node.get("children"):
            node["children"] = [c for c in node["children"] if c not in delete]
        if node.get("outboundNodes"):
            node["outboundNodes"] = [c for c in node["outboundNodes"] if c not in delete]
        out.changed_nodes[nid] = node
    for nid in delete:
        node = all_nodes[nid]
        out.deleted_node_ids.append(nid)
        if node.get("type") == "Pod":
            out.pods_to_delete.append(pod_name(name, node["name"], template_of_node(node)))
    if parameters:
        args = copy.deepcopy(spec.get("arguments") or {})
        params = args.setdefault("parameters", [])
        for item in parameters:
            key, _, value = item.partition("=")
            match = next((p for p in params if p.get("name") == key), None)
            if match is None:
                params.append({"name": key, "value": value})
            else:
                match["value"] = value
                match.pop("valueFrom", None)
        out.spec_changes["arguments"] = args
    out.spec_changes["shutdown"] = None
    out.status_changes = {"phase": "Running", "message": None, "finishedAt": None,
                          "conditions": [c for c in status.get("conditions") or () if c.get("type") != "Completed"]}
    return out


def resubmit(workflow: Any, *, memoized: bool = False, parameters: list[str] | None = None) -> dict[str, Any]:
    """A new Workflow (as a dict) with the same spec, named `<name>-` + a generated suffix."""
    data = _dict(workflow)
    meta = data.get("metadata") or {}
    name = meta.get("name", "")
    status = data.get("status") or {}
    if memoized and status.get("phase") not in ("Failed", "Error"):
        raise InvalidError("workflow must be Failed/Error to resubmit in memoized mode")
    labels = {k: v for k, v in (meta.get("labels") or {}).items()
              if k not in ("workflows.argoproj.io/completed", "workflows.argoproj.io/phase")}
    labels["workflows.argoproj.io/resubmitted-from-workflow"] = name
    spec = copy.deepcopy(data.get("spec") or {})
    spec.pop("shutdown", None)
    spec.pop("suspend", None)
    if parameters:
        params = (spec.setdefault("arguments", {})).setdefault("parameters", [])
        for item in parameters:
            key, _, value = item.partition("=")
            match = next((p for p in params if p.get("name") == key), None)
            if match is None:
                params.append({"name": key, "value": value})
            else:
                match["value"] = value
    new_meta: dict[str, Any] = {"generateName": f"{name}-", "labels": labels}
    if meta.get("namespace"):
        new_meta["namespace"] = meta["namespace"]
    if meta.get("annotations"):
        new_meta["annotations"] = dict(meta["annotations"])
    if status.get("storedWorkflowTemplateSpec") and spec.get("workflowTemplateRef"):
        pass  # the new workflow resolves the template again, as Argo does
    return {"apiVersion": data.get("apiVersion", "argoproj.io/v1alpha1"), "kind": "Workflow",
            "metadata": new_meta, "spec": spec}


__all__ = ["NodeChanges", "resume", "suspend", "stop", "terminate", "retry", "resubmit", "set_node", "select"]
