"""Building the Pod for a container or script node (Argo's createWorkflowPod, simplified).

The pod follows the layout contract in `podfleet.executor`: the user container is `main`,
annotations name the node, `podfleet.io/template` carries the substituted template for
the executor, and a script's source path is appended to main's args as Argo does.
Workflow-level pod settings (serviceAccountName, nodeSelector, affinity, tolerations,
podMetadata, podSpecPatch …) are applied, then the template's own, then podSpecPatch.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import yaml

from podfleet.controller.artifacts import pod_annotations as artifact_annotations
from podfleet.controller.context import Pass, spec_derived
from podfleet.errors import InvalidError

from podfleet.resources.podlayout import (COMPLETED_LABEL, INCLUDE_OUTPUT_ANNOTATION, NODE_ID_ANNOTATION,
                                          NODE_NAME_ANNOTATION, ON_EXIT_LABEL, SCRIPT_PATH, TEMPLATE_ANNOTATION,
                                          WORKFLOW_LABEL)
from podfleet.resources.podlayout import MAIN_CONTAINER as MAIN

_POD_SPEC_FIELDS = ("serviceAccountName", "automountServiceAccountToken", "nodeSelector", "affinity",
                    "tolerations", "schedulerName", "priorityClassName", "securityContext", "hostNetwork",
                    "dnsPolicy", "dnsConfig", "hostAliases", "imagePullSecrets", "priority")


def main_container(tmpl: dict[str, Any]) -> dict[str, Any]:
    if tmpl.get("script") is not None:
        script = dict(tmpl["script"])
        script.pop("source", None)
        script["name"] = MAIN
        script["args"] = [*(script.get("args") or []), SCRIPT_PATH]
        return script
    ctr = dict(tmpl.get("container") or {})
    ctr["name"] = MAIN
    return ctr


def _deadline_seconds(p: Pass, tmpl: dict[str, Any], started: datetime | None,
                      execution_deadline: datetime | None) -> int | None:
    candidates: list[float] = []
    ads = tmpl.get("activeDeadlineSeconds")
    if ads is not None:
        try:
            candidates.append(float(str(ads)))
        except ValueError as err:
            raise InvalidError(f"activeDeadlineSeconds {ads!r} is not a number") from err
    if p.deadline is not None:
        candidates.append((p.deadline - p.now).total_seconds())
    if execution_deadline is not None:
        candidates.append((execution_deadline - p.now).total_seconds())
    if tmpl.get("timeout"):
        from podfleet.durations import parse_duration

        base = started or p.now
        candidates.append(parse_duration(tmpl["timeout"]) - (p.now - base).total_seconds())
    if not candidates:
        return None
    return max(1, math.ceil(min(candidates)))


def _result_referenced(p: Pass) -> bool:
    """Does anything in the workflow read an `outputs.result`? Decided once per pass.

    Broader than Argo's per-step check (any reference keeps every container's result),
    which only costs a tee where Argo would skip one.
    """
    cached = p.cache.get("result-referenced")
    if cached is None:
        derived = spec_derived(p)
        in_spec = derived.get("result-referenced") if derived is not None else None
        if in_spec is None:
            in_spec = _mentions_result(p.spec)
            if derived is not None:
                derived["result-referenced"] = in_spec
        cached = p.cache["result-referenced"] = in_spec or _mentions_result(p.stored_templates)
    return bool(cached)


def _mentions_result(obj: Any) -> bool:
    text = json.dumps(obj, separators=(",", ":"), default=str)
    return "outputs.result" in text or "outputs['result']" in text or 'outputs["result"]' in text


def build_pod(p: Pass, *, node_name: str, node_id: str, pod_name: str, tmpl: dict[str, Any],
              on_exit: bool, started: datetime | None = None,
              execution_deadline: datetime | None = None) -> dict[str, Any]:
    spec_wf = p.spec
    labels: dict[str, str] = {WORKFLOW_LABEL: p.name, COMPLETED_LABEL: "false"}
    annotations: dict[str, str] = {NODE_NAME_ANNOTATION: node_name, NODE_ID_ANNOTATION: node_id}
    for meta in (spec_wf.get("podMetadata") or {}, tmpl.get("metadata") or {}):
        labels.update({k: str(v) for k, v in (meta.get("labels") or {}).items()})
        annotations.update({k: str(v) for k, v in (meta.get("annotations") or {}).items()})
    if on_exit:
        labels[ON_EXIT_LABEL] = "true"
    annotations[TEMPLATE_ANNOTATION] = json.dumps(tmpl, separators=(",", ":"), sort_keys=True)
    if "container" in tmpl and not _result_referenced(p):
        # As Argo's hasOutputResultRef: nobody reads this pod's stdout as outputs.result,
        # so the executor need not keep it apart (saves a tee process per pod).
        annotations[INCLUDE_OUTPUT_ANNOTATION] = "false"
    annotations.update(artifact_annotations(p, tmpl, pod_name))

    spec: dict[str, Any] = {"restartPolicy": "Never"}
    for key in _POD_SPEC_FIELDS:
        value = tmpl.get(key) if tmpl.get(key) is not None else spec_wf.get(key)
        if value is not None:
            spec[key] = value
    if spec_wf.get("podPriorityClassName") and "priorityClassName" not in spec:
        spec["priorityClassName"] = spec_wf["podPriorityClassName"]
    containers = [main_container(tmpl), *[dict(s) for s in tmpl.get("sidecars") or ()]]
    spec["containers"] = containers
    if tmpl.get("initContainers"):
        spec["initContainers"] = [dict(c) for c in tmpl["initContainers"]]
    volumes = [*(spec_wf.get("volumes") or []), *(tmpl.get("volumes") or [])]
    for claim in spec_wf.get("volumeClaimTemplates") or ():
        claim_name = (claim.get("metadata") or {}).get("name")
        if claim_name:
            volumes.append({"name": claim_name, "persistentVolumeClaim": {"claimName": f"{p.name}-{claim_name}"}})
    if volumes:
        spec["volumes"] = _used_volumes(volumes, containers + (spec.get("initContainers") or []))
        if not spec["volumes"]:
            del spec["volumes"]
    deadline = _deadline_seconds(p, tmpl, started, execution_deadline)
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod_name, "namespace": p.namespace, "labels": labels, "annotations": annotations},
        "spec": spec,
    }
    for patch in (spec_wf.get("podSpecPatch"), tmpl.get("podSpecPatch")):
        if patch:
            pod["spec"] = strategic_merge(pod["spec"], _parse_patch(patch))
    return pod


def _used_volumes(volumes: list[dict[str, Any]], containers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Argo mounts only the volumes a container of this pod uses."""
    used = {m.get("name") for c in containers for m in c.get("volumeMounts") or ()}
    seen: set[str] = set()
    out = []
    for vol in volumes:
        if vol.get("name") in used and vol.get("name") not in seen:
            seen.add(vol["name"])
            out.append(vol)
    return out


def _parse_patch(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        value = yaml.load(str(text), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise InvalidError(f"podSpecPatch is not valid JSON or YAML: {err}") from err
    if not isinstance(value, dict):
        raise InvalidError("podSpecPatch must be an object")
    return value


def strategic_merge(base: Any, patch: Any) -> Any:
    """Kubernetes strategic merge, enough for pod specs: maps merge, named lists merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = strategic_merge(base.get(key), value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and all(
            isinstance(x, dict) and "name" in x for x in base + patch):
        out_list = [dict(x) for x in base]
        for item in patch:
            match = next((i for i, x in enumerate(out_list) if x["name"] == item["name"]), None)
            if match is None:
                out_list.append(item)
            else:
                out_list[match] = strategic_merge(out_list[match], item)
        return out_list
    return patch


def to_pod_model(pod: dict[str, Any]) -> Any:
    try:
        from podfleet.resources.pod import Pod
    except ImportError:
        return pod
    try:
        return Pod.model_validate(pod)
    except Exception as err:  # pydantic ValidationError: a template field of the wrong type
        raise InvalidError(f"invalid pod for node: {err}") from err


__all__ = ["build_pod", "main_container", "strategic_merge", "to_pod_model", "MAIN", "SCRIPT_PATH",
           "TEMPLATE_ANNOTATION", "NODE_ID_ANNOTATION", "NODE_NAME_ANNOTATION", "WORKFLOW_LABEL", "ON_EXIT_LABEL"]
