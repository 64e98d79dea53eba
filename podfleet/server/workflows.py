"""WorkflowService: create, list, get, delete, lint, submit from a template.

Listing reads workflows without their node maps (the store keeps nodes apart) unless
`fields` asks for `items.status.nodes`; getting one returns every node unless `fields`
drops them. The verbs that change a running workflow are in `workflow_ops.py`, logs and
the watch stream in `workflow_streams.py`.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from podfleet.errors import InvalidError, NotFoundError, PodfleetError
from podfleet.server import creating
from podfleet.server.query import (Fields, Selector, field_values, name_matches, parse_continue, parse_limit,
                                   parse_time)
from podfleet.server.schemas import (ERRORS, Empty, ObjectList, ObjectOut, WorkflowCreateRequest,
                                     WorkflowLintRequest, WorkflowSubmitRequest)
from podfleet.server.state import Ctx
from podfleet.store.contract import Obj, Store

router = APIRouter(prefix="/api/v1", tags=["WorkflowService"], responses=ERRORS)

Q = Annotated[str | None, Query()]


def not_found(name: str) -> NotFoundError:
    return NotFoundError(f'workflows.argoproj.io "{name}" not found')


async def load_workflow(store: Store, namespace: str, name: str, *, with_nodes: bool = True) -> Obj:
    try:
        return await store.get("Workflow", namespace, name, with_nodes=with_nodes)
    except NotFoundError:
        raise not_found(name) from None


def _dry_run(body: Any) -> bool:
    options = getattr(body, "createOptions", None)
    return bool(getattr(body, "serverDryRun", False)) or bool(options and options.dryRun)


@router.post("/workflows/{namespace}", response_model=ObjectOut, operation_id="WorkflowService_CreateWorkflow")
async def create_workflow(namespace: str, body: WorkflowCreateRequest, ctx: Ctx) -> JSONResponse:
    ctx.check_namespace(namespace)
    wf = creating.prepare(body.workflow.model_dump(exclude_none=True), namespace, ctx.creator)
    await creating.validate_workflow(ctx.store, wf, namespace)
    if _dry_run(body):
        return JSONResponse(wf)
    created = await creating.create_running(ctx.store, wf)
    if ctx.state.controller is not None:
        ctx.state.controller.adopt(namespace, created["metadata"]["name"])
    return JSONResponse(created)


def _created_between(wf: Obj, after: datetime | None, before: datetime | None) -> bool:
    if after is not None:
        created = parse_time(wf["metadata"].get("creationTimestamp"), "creationTimestamp")
        if created is None or created <= after:
            return False
    if before is not None:
        finished = parse_time((wf.get("status") or {}).get("finishedAt"), "finishedAt")
        if finished is None or finished >= before:
            return False
    return True


async def list_objects(store: Store, kind: str, namespace: str | None, *, label_selector: str | None,
                       field_selector: str | None, limit: str | None, continue_: str | None,
                       fields: Fields, with_nodes: bool = False, name_filter: str | None = None,
                       keep: Any = None) -> dict[str, Any]:
    """A k8s-style list answer with selectors and offset paging (`continue` = next offset)."""
    labels = Selector.parse(label_selector)
    by_field = Selector.parse(field_selector, "field selector")
    wanted_name = by_field.equals.pop("metadata.name", None)
    size, offset = parse_limit(limit), parse_continue(continue_)
    objs = await store.list(kind, namespace, label_selector=labels.equals or None, with_nodes=with_nodes)
    chosen = []
    for obj in objs:
        if not labels.matches(obj["metadata"].get("labels") or {}, check_equals=False):
            continue
        if not by_field.matches(field_values(obj)):
            continue
        if wanted_name is not None and not name_matches(obj["metadata"]["name"], wanted_name, name_filter):
            continue
        if keep is not None and not keep(obj):
            continue
        chosen.append(obj)
    # Newest first, as `argo list` shows them.
    chosen.sort(key=lambda o: o["metadata"].get("creationTimestamp", ""), reverse=True)
    page = chosen[offset:offset + size] if size else chosen[offset:]
    meta: dict[str, Any] = {"resourceVersion": str(getattr(store, "resource_version", lambda: 0)())}
    if size and offset + size < len(chosen):
        meta["continue"] = str(offset + size)
    return fields.clean({"metadata": meta, "items": page})


@router.get("/workflows/{namespace}", response_model=ObjectList, operation_id="WorkflowService_ListWorkflows")
async def list_workflows(
    namespace: str, ctx: Ctx,
    label_selector: Annotated[str | None, Query(alias="listOptions.labelSelector")] = None,
    field_selector: Annotated[str | None, Query(alias="listOptions.fieldSelector")] = None,
    limit: Annotated[str | None, Query(alias="listOptions.limit")] = None,
    continue_: Annotated[str | None, Query(alias="listOptions.continue")] = None,
    fields: Q = None, nameFilter: Q = None, createdAfter: Q = None, finishedBefore: Q = None,
) -> JSONResponse:
    ctx.check_namespace(namespace)
    cleaner = Fields.parse(fields)
    # Nodes are costly: only read them when `fields` names them explicitly.
    with_nodes = bool(cleaner.paths) and not cleaner.will_exclude("items.status.nodes")
    after, before = parse_time(createdAfter, "createdAfter"), parse_time(finishedBefore, "finishedBefore")
    answer = await list_objects(ctx.store, "Workflow", namespace, label_selector=label_selector,
                                field_selector=field_selector, limit=limit, continue_=continue_, fields=cleaner,
                                with_nodes=with_nodes, name_filter=nameFilter,
                                keep=lambda wf: _created_between(wf, after, before))
    return JSONResponse(answer)


@router.get("/workflows/{namespace}/{name}", response_model=ObjectOut, operation_id="WorkflowService_GetWorkflow")
async def get_workflow(namespace: str, name: str, ctx: Ctx, fields: Q = None, uid: Q = None) -> JSONResponse:
    ctx.check_namespace(namespace)
    cleaner = Fields.parse(fields)
    wf = await load_workflow(ctx.store, namespace, name, with_nodes=not cleaner.will_exclude("status.nodes"))
    if uid and wf["metadata"].get("uid") != uid:
        raise not_found(name)
    return JSONResponse(cleaner.clean(wf))


@router.delete("/workflows/{namespace}/{name}", response_model=Empty, operation_id="WorkflowService_DeleteWorkflow")
async def delete_workflow(
    namespace: str, name: str, ctx: Ctx,
    dry_run: Annotated[list[str] | None, Query(alias="deleteOptions.dryRun")] = None,
    uid: Annotated[str | None, Query(alias="deleteOptions.preconditions.uid")] = None,
) -> JSONResponse:
    ctx.check_namespace(namespace)
    wf = await load_workflow(ctx.store, namespace, name)
    if uid and wf["metadata"].get("uid") != uid:
        raise InvalidError(f'precondition failed: uid of workflow "{name}" is not {uid}')
    if not dry_run:
        try:
            await ctx.store.delete("Workflow", namespace, name)
        except NotFoundError:
            raise not_found(name) from None
        # The runner stops the pods of a deleted workflow; artifacts with an
        # OnWorkflowDeletion GC strategy are removed here, as `podfleet delete` does.
        from podfleet.controller.artifacts import gc_deleted, local_repository_of

        controller = ctx.state.controller
        with contextlib.suppress(PodfleetError):
            await gc_deleted(ctx.store, wf, local_repository_of(controller.provider if controller else None))
    return JSONResponse({})


@router.post("/workflows/{namespace}/lint", response_model=ObjectOut, operation_id="WorkflowService_LintWorkflow")
async def lint_workflow(namespace: str, body: WorkflowLintRequest, ctx: Ctx) -> JSONResponse:
    ctx.check_namespace(namespace)
    wf = creating.prepare(body.workflow.model_dump(exclude_none=True), namespace)
    await creating.validate_workflow(ctx.store, wf, namespace)
    return JSONResponse(wf)


class _StoreEnv:
    """Enough of the CLI's environment for `workflow_from_resource`."""

    def __init__(self, store: Store) -> None:
        self.store = store


@router.post("/workflows/{namespace}/submit", response_model=ObjectOut, operation_id="WorkflowService_SubmitWorkflow")
async def submit_workflow(namespace: str, body: WorkflowSubmitRequest, ctx: Ctx) -> JSONResponse:
    from podfleet.cli.submit import apply_submit_options, workflow_from_resource

    ctx.check_namespace(namespace)
    kind = body.resourceKind.lower()
    if kind not in ("workflowtemplate", "clusterworkflowtemplate", "cronworkflow"):
        raise InvalidError(f"resourceKind {body.resourceKind!r} is not supported: use WorkflowTemplate, "
                           "ClusterWorkflowTemplate or CronWorkflow")
    raw = await workflow_from_resource(_StoreEnv(ctx.store), f"{kind}/{body.resourceName}", namespace)
    opts = body.submitOptions
    params = [tuple(p.split("=", 1)) for p in (opts.parameters if opts and opts.parameters else [])]
    if any(len(p) != 2 for p in params):
        raise InvalidError("submitOptions.parameters must be NAME=VALUE")
    wf = apply_submit_options(raw, namespace=namespace, parameters=params,  # type: ignore[arg-type]
                              entrypoint=opts.entryPoint if opts else None,
                              generate_name=opts.generateName if opts else None, name=opts.name if opts else None,
                              labels=opts.labels if opts else None,
                              service_account=opts.serviceAccount if opts else None)
    if opts and opts.annotations:
        for pair in opts.annotations.split(","):
            key, _, value = pair.partition("=")
            wf["metadata"].setdefault("annotations", {})[key.strip()] = value.strip()
    wf = creating.prepare(wf, namespace, ctx.creator)
    await creating.validate_workflow(ctx.store, wf, namespace)
    if opts and (opts.serverDryRun or opts.dryRun):
        return JSONResponse(wf)
    created = await creating.create_running(ctx.store, wf)
    if ctx.state.controller is not None:
        ctx.state.controller.adopt(namespace, created["metadata"]["name"])
    return JSONResponse(created)


__all__ = ["router", "load_workflow", "list_objects", "not_found"]
