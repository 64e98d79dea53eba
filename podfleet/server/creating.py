"""Creating a workflow the way argo-server does, plus one podfleet promise.

argo-server defaults the namespace, labels the creator, validates (400 with the lint
message) and creates. podfleet also stores the workflow already `Running` with its
`startedAt`, so a client polling right after create (hera's `wait()`) never sees an
empty or `Pending` phase; the controller's first reconcile carries on from there.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from typing import Any

from podfleet.controller.nodes import rfc3339
from podfleet.errors import ConflictError, InvalidError
from podfleet.lint import lint_workflow
from podfleet.store.contract import Obj, Store

CREATOR_LABEL = "workflows.argoproj.io/creator"


async def templates_for_lint(store: Store, namespace: str) -> dict[tuple[str, str], Obj]:
    found: dict[tuple[str, str], Obj] = {}
    for obj in await store.list("WorkflowTemplate", namespace):
        found[("WorkflowTemplate", obj["metadata"]["name"])] = obj
    for obj in await store.list("ClusterWorkflowTemplate"):
        found[("ClusterWorkflowTemplate", obj["metadata"]["name"])] = obj
    return found


def lint_message(problems: list[Any]) -> str:
    return "; ".join(f"{p.field_path}: {p.message}" if p.field_path else p.message for p in problems)


async def validate_workflow(store: Store, wf: Obj, namespace: str) -> None:
    problems = lint_workflow(wf, templates=await templates_for_lint(store, namespace), submit=True)
    if problems:
        raise InvalidError(lint_message(problems))


def prepare(wf: Any, namespace: str, creator: str | None = None) -> Obj:
    """The workflow as it will be stored: namespace from the path, creator label, no status."""
    if not isinstance(wf, dict):
        raise InvalidError("workflow must be an object")
    wf = copy.deepcopy(wf)
    wf.setdefault("apiVersion", "argoproj.io/v1alpha1")
    wf["kind"] = "Workflow"
    meta = wf.get("metadata")
    if not isinstance(meta, dict):
        raise InvalidError("metadata is required", field_path="metadata")
    if not isinstance(wf.get("spec"), dict):
        raise InvalidError("spec is required", field_path="spec")
    meta["namespace"] = namespace
    if not meta.get("name") and not meta.get("generateName"):
        raise InvalidError("metadata.name or metadata.generateName is required", field_path="metadata")
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        meta.pop(key, None)
    if creator:
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
        labels.setdefault(CREATOR_LABEL, re.sub(r"[^A-Za-z0-9._-]", "-", creator)[:63].strip("-._") or "unknown")
        meta["labels"] = labels
    wf.pop("status", None)
    return wf


async def create_running(store: Store, wf: Obj, *, now: datetime | None = None) -> Obj:
    """Store `wf` with phase Running; ConflictError mentions `already exists` on a clash."""
    moment = rfc3339(now or datetime.now(timezone.utc))
    body = {**wf, "status": {"phase": "Running", "startedAt": moment, "progress": "0/0"}}
    try:
        return await store.create(body)
    except ConflictError as err:
        name = (wf.get("metadata") or {}).get("name")
        if name and "already exists" in err.message:
            raise ConflictError(f'workflows.argoproj.io "{name}" already exists') from None
        raise


__all__ = ["prepare", "validate_workflow", "create_running", "templates_for_lint", "lint_message"]
