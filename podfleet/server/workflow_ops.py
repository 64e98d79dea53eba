"""The verbs that change a workflow in place: retry, resubmit, suspend, resume, stop, terminate, set.

Each applies a pure operation from `podfleet.controller.operations` to the stored
workflow with optimistic concurrency (re-read and re-apply when the running controller
wrote in between), deletes the pods the operation names, and wakes the controller.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from fastapi.responses import JSONResponse

from podfleet.controller import operations
from podfleet.controller.ids import pod_name
from podfleet.controller.templates import template_of_node
from podfleet.errors import ConflictError, InvalidError, PodfleetError
from podfleet.server import creating
from podfleet.server.schemas import ERRORS, NodeRequest, Object, ObjectOut, ResubmitRequest, RetryRequest, SetRequest
from podfleet.server.state import Ctx, RequestContext
from podfleet.server.workflows import load_workflow
from podfleet.store.contract import Obj

router = APIRouter(prefix="/api/v1", tags=["WorkflowService"], responses=ERRORS)

Operation = Callable[[Obj, dict[str, Any]], operations.NodeChanges]


async def apply(ctx: RequestContext, namespace: str, name: str, op: Operation) -> Obj:
    ctx.check_namespace(namespace)
    for _ in range(20):
        obj = await load_workflow(ctx.store, namespace, name)
        status = obj.setdefault("status", {})
        nodes = status.pop("nodes", None) or {}
        changes = op(obj, nodes)
        operations.apply_to(obj, changes)
        controller = ctx.state.controller
        # Pods go first: once the store says Running, the controller may look at them.
        if controller is not None:
            for pod in changes.pods_to_delete:
                with contextlib.suppress(PodfleetError):
                    await controller.provider.delete_pod(namespace, pod, 0)
        try:
            await ctx.store.update(obj, nodes=changes.changed_nodes, deleted_nodes=changes.deleted_node_ids)
        except ConflictError:
            continue
        if controller is not None:
            controller.adopt(namespace, name)
        return await load_workflow(ctx.store, namespace, name)
    raise ConflictError(f'workflow "{name}" kept changing while it was being updated; try again')


class WorkflowUpdateRequest(BaseModel):
    """podfleet's extension for its own CLI in client mode: a raw optimistic update."""

    workflow: Object
    nodes: dict[str, dict[str, Any]] | None = None
    deletedNodes: list[str] | None = None


@router.put("/workflows/{namespace}/{name}", response_model=ObjectOut,
            operation_id="WorkflowService_UpdateWorkflow",
            description="podfleet extension (not in argo-server): replace a workflow's spec/status with "
                        "optimistic concurrency and upsert/delete nodes; used by the podfleet CLI in client mode.")
async def update(namespace: str, name: str, body: WorkflowUpdateRequest, ctx: Ctx) -> JSONResponse:
    ctx.check_namespace(namespace)
    current = await load_workflow(ctx.store, namespace, name)
    obj = body.workflow.model_dump(exclude_none=True)
    obj["metadata"] = {**current["metadata"], "resourceVersion": obj["metadata"].get("resourceVersion")
                       or current["metadata"]["resourceVersion"]}
    obj["kind"], obj["apiVersion"] = "Workflow", current.get("apiVersion", "argoproj.io/v1alpha1")
    nodes = (current.get("status") or {}).get("nodes") or {}
    controller = ctx.state.controller
    if controller is not None:
        for node_id in body.deletedNodes or ():
            node = nodes.get(node_id)
            if node and node.get("type") == "Pod":
                with contextlib.suppress(PodfleetError):
                    await controller.provider.delete_pod(
                        namespace, pod_name(name, node["name"], template_of_node(node)), 0)
    stored = await ctx.store.update(obj, nodes=body.nodes or {}, deleted_nodes=body.deletedNodes or [])
    if controller is not None:
        controller.adopt(namespace, name)
    return JSONResponse(stored)


@router.put("/workflows/{namespace}/{name}/retry", response_model=ObjectOut,
            operation_id="WorkflowService_RetryWorkflow")
async def retry(namespace: str, name: str, body: RetryRequest, ctx: Ctx) -> JSONResponse:
    return JSONResponse(await apply(ctx, namespace, name, lambda wf, nodes: operations.retry(
        wf, nodes, restart_successful=bool(body.restartSuccessful), node_field_selector=body.nodeFieldSelector,
        parameters=body.parameters or None)))


@router.put("/workflows/{namespace}/{name}/resubmit", response_model=ObjectOut,
            operation_id="WorkflowService_ResubmitWorkflow")
async def resubmit(namespace: str, name: str, body: ResubmitRequest, ctx: Ctx) -> JSONResponse:
    ctx.check_namespace(namespace)
    old = await load_workflow(ctx.store, namespace, name, with_nodes=False)
    new = operations.resubmit(old, memoized=bool(body.memoized), parameters=body.parameters or None)
    new = creating.prepare(new, namespace, ctx.creator)
    created = await creating.create_running(ctx.store, new)
    if ctx.state.controller is not None:
        ctx.state.controller.adopt(namespace, created["metadata"]["name"])
    return JSONResponse(created)


@router.put("/workflows/{namespace}/{name}/suspend", response_model=ObjectOut,
            operation_id="WorkflowService_SuspendWorkflow")
async def suspend(namespace: str, name: str, body: NodeRequest, ctx: Ctx) -> JSONResponse:
    return JSONResponse(await apply(ctx, namespace, name, lambda wf, nodes: operations.suspend(wf)))


@router.put("/workflows/{namespace}/{name}/resume", response_model=ObjectOut,
            operation_id="WorkflowService_ResumeWorkflow")
async def resume(namespace: str, name: str, body: NodeRequest, ctx: Ctx) -> JSONResponse:
    return JSONResponse(await apply(ctx, namespace, name, lambda wf, nodes: operations.resume(
        wf, nodes, node_field_selector=body.nodeFieldSelector)))


@router.put("/workflows/{namespace}/{name}/stop", response_model=ObjectOut,
            operation_id="WorkflowService_StopWorkflow")
async def stop(namespace: str, name: str, body: NodeRequest, ctx: Ctx) -> JSONResponse:
    return JSONResponse(await apply(ctx, namespace, name, lambda wf, nodes: operations.stop(wf)))


@router.put("/workflows/{namespace}/{name}/terminate", response_model=ObjectOut,
            operation_id="WorkflowService_TerminateWorkflow")
async def terminate(namespace: str, name: str, body: NodeRequest, ctx: Ctx) -> JSONResponse:
    return JSONResponse(await apply(ctx, namespace, name, lambda wf, nodes: operations.terminate(wf)))


@router.put("/workflows/{namespace}/{name}/set", response_model=ObjectOut,
            operation_id="WorkflowService_SetWorkflow")
async def set_(namespace: str, name: str, body: SetRequest, ctx: Ctx) -> JSONResponse:
    if not body.nodeFieldSelector:
        raise InvalidError("nodeFieldSelector is required")
    outputs: dict[str, str] | None = None
    if body.outputParameters:
        try:
            parsed = json.loads(body.outputParameters)
        except json.JSONDecodeError as err:
            raise InvalidError(f"outputParameters is not a JSON object: {err.msg}") from None
        if not isinstance(parsed, dict):
            raise InvalidError("outputParameters must be a JSON object of name: value")
        outputs = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()}
    selector = body.nodeFieldSelector
    return JSONResponse(await apply(ctx, namespace, name, lambda wf, nodes: operations.set_node(
        wf, nodes, node_field_selector=selector, output_parameters=outputs, phase=body.phase or None,
        message=body.message)))


__all__ = ["router", "apply"]
