"""WorkflowTemplateService, ClusterWorkflowTemplateService and CronWorkflowService: CRUD + lint.

The three differ only in kind, scope and the name of the request field that carries the
object (`template` or `cronWorkflow`), so one factory builds each router. Objects are
linted on create, update and lint (400 with the message); updates use the resourceVersion
the client read (409 when it is stale), as `kubectl`/hera expect.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from podfleet.errors import ConflictError, InvalidError, NotFoundError
from podfleet.lint import lint_workflow
from podfleet.server.creating import lint_message, templates_for_lint
from podfleet.server.query import Fields
from podfleet.server.schemas import (ERRORS, CronCreateRequest, CronUpdateRequest, Empty, ObjectList, ObjectOut,
                                     TemplateCreateRequest, TemplateUpdateRequest)
from podfleet.server.state import Ctx, RequestContext
from podfleet.server.workflows import list_objects
from podfleet.store.contract import Obj

PLURAL = {"WorkflowTemplate": "workflowtemplates.argoproj.io",
          "ClusterWorkflowTemplate": "clusterworkflowtemplates.argoproj.io",
          "CronWorkflow": "cronworkflows.argoproj.io"}


def _not_found(kind: str, name: str) -> NotFoundError:
    return NotFoundError(f'{PLURAL[kind]} "{name}" not found')


async def _lint(ctx: RequestContext, obj: Obj, namespace: str) -> None:
    templates = await templates_for_lint(ctx.store, namespace or "default")
    if obj["kind"] != "CronWorkflow":
        templates[(obj["kind"], obj["metadata"].get("name") or "")] = obj
    problems = lint_workflow(obj, templates=templates)
    if problems:
        raise InvalidError(lint_message(problems))


def _prepare(kind: str, raw: dict[str, Any], namespace: str) -> Obj:
    obj = copy.deepcopy(raw)
    obj.setdefault("apiVersion", "argoproj.io/v1alpha1")
    obj["kind"] = kind
    meta = obj["metadata"]
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    if not meta.get("name") and not meta.get("generateName"):
        raise InvalidError("metadata.name or metadata.generateName is required", field_path="metadata")
    for key in ("uid", "creationTimestamp"):
        meta.pop(key, None)
    return obj


def make_router(kind: str, path: str, body_field: str, tag: str, *, cluster: bool) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=[tag], responses=ERRORS)
    create_model: Any = CronCreateRequest if body_field == "cronWorkflow" else TemplateCreateRequest
    update_model: Any = CronUpdateRequest if body_field == "cronWorkflow" else TemplateUpdateRequest
    prefix = f"/{path}" if cluster else f"/{path}/{{namespace}}"
    op = tag

    def check(ctx: RequestContext, namespace: str, write: bool) -> str:
        if cluster:
            if write:
                ctx.check_cluster()
            return ""
        ctx.check_namespace(namespace)
        return namespace

    async def load(ctx: RequestContext, ns: str, name: str) -> Obj:
        try:
            return await ctx.store.get(kind, ns, name)
        except NotFoundError:
            raise _not_found(kind, name) from None

    async def create(body: Any, ctx: Ctx, namespace: str = "") -> JSONResponse:
        ns = check(ctx, namespace, True)
        obj = _prepare(kind, getattr(body, body_field).model_dump(exclude_none=True), ns)
        obj["metadata"].pop("resourceVersion", None)
        obj.pop("status", None)
        await _lint(ctx, obj, ns)
        if body.createOptions and body.createOptions.dryRun:
            return JSONResponse(obj)
        try:
            return JSONResponse(await ctx.store.create(obj))
        except ConflictError as err:
            if "already exists" in err.message:
                raise ConflictError(f'{PLURAL[kind]} "{obj["metadata"].get("name")}" already exists') from None
            raise

    async def list_(ctx: Ctx, namespace: str = "",
                    label_selector: Annotated[str | None, Query(alias="listOptions.labelSelector")] = None,
                    field_selector: Annotated[str | None, Query(alias="listOptions.fieldSelector")] = None,
                    limit: Annotated[str | None, Query(alias="listOptions.limit")] = None,
                    continue_: Annotated[str | None, Query(alias="listOptions.continue")] = None,
                    namePattern: Annotated[str | None, Query()] = None,
                    fields: Annotated[str | None, Query()] = None) -> JSONResponse:
        ns = check(ctx, namespace, False)
        keep = (lambda o: namePattern in o["metadata"]["name"]) if namePattern else None
        return JSONResponse(await list_objects(ctx.store, kind, None if cluster else ns,
                                               label_selector=label_selector, field_selector=field_selector,
                                               limit=limit, continue_=continue_, fields=Fields.parse(fields),
                                               keep=keep))

    async def get(name: str, ctx: Ctx, namespace: str = "") -> JSONResponse:
        ns = check(ctx, namespace, False)
        return JSONResponse(await load(ctx, ns, name))

    async def update(name: str, body: Any, ctx: Ctx, namespace: str = "") -> JSONResponse:
        ns = check(ctx, namespace, True)
        current = await load(ctx, ns, name)
        obj = _prepare(kind, getattr(body, body_field).model_dump(exclude_none=True), ns)
        if obj["metadata"].get("name") not in (None, name):
            raise InvalidError(f"metadata.name {obj['metadata']['name']!r} does not match the path name {name!r}")
        obj["metadata"]["name"] = name
        obj["metadata"].setdefault("resourceVersion", current["metadata"]["resourceVersion"])
        obj["metadata"]["uid"] = current["metadata"].get("uid")
        obj["metadata"]["creationTimestamp"] = current["metadata"].get("creationTimestamp")
        if "status" in current:
            obj["status"] = current["status"]  # status belongs to the controller
        await _lint(ctx, obj, ns)
        try:
            return JSONResponse(await ctx.store.update(obj))
        except ConflictError:
            raise ConflictError(f'Operation cannot be fulfilled on {PLURAL[kind]} "{name}": the object has been '
                                "modified; please apply your changes to the latest version and try again") from None

    async def delete(name: str, ctx: Ctx, namespace: str = "") -> JSONResponse:
        ns = check(ctx, namespace, True)
        try:
            await ctx.store.delete(kind, ns, name)
        except NotFoundError:
            raise _not_found(kind, name) from None
        return JSONResponse({})

    async def lint(body: Any, ctx: Ctx, namespace: str = "") -> JSONResponse:
        ns = check(ctx, namespace, False)
        obj = _prepare(kind, getattr(body, body_field).model_dump(exclude_none=True), ns)
        await _lint(ctx, obj, ns)
        return JSONResponse(obj)

    create.__annotations__["body"] = create_model
    update.__annotations__["body"] = update_model
    lint.__annotations__["body"] = create_model
    short = kind
    router.add_api_route(prefix, create, methods=["POST"], response_model=ObjectOut,
                         operation_id=f"{op}_Create{short}")
    router.add_api_route(prefix, list_, methods=["GET"], response_model=ObjectList, operation_id=f"{op}_List{short}s")
    router.add_api_route(f"{prefix}/lint", lint, methods=["POST"], response_model=ObjectOut,
                         operation_id=f"{op}_Lint{short}")
    router.add_api_route(f"{prefix}/{{name}}", get, methods=["GET"], response_model=ObjectOut,
                         operation_id=f"{op}_Get{short}")
    router.add_api_route(f"{prefix}/{{name}}", update, methods=["PUT"], response_model=ObjectOut,
                         operation_id=f"{op}_Update{short}")
    router.add_api_route(f"{prefix}/{{name}}", delete, methods=["DELETE"], response_model=Empty,
                         operation_id=f"{op}_Delete{short}")
    if kind == "CronWorkflow":
        for verb, value in (("suspend", True), ("resume", False)):
            router.add_api_route(f"{prefix}/{{name}}/{verb}", _suspender(kind, value, check, load), methods=["PUT"],
                                 response_model=ObjectOut, operation_id=f"{op}_{verb.capitalize()}CronWorkflow")
    return router


def _suspender(kind: str, value: bool, check: Any, load: Any) -> Any:
    async def handler(name: str, ctx: Ctx, namespace: str, body: dict[str, Any] | None = None) -> JSONResponse:
        ns = check(ctx, namespace, True)
        for _ in range(10):
            obj = await load(ctx, ns, name)
            obj.setdefault("spec", {})["suspend"] = value
            try:
                return JSONResponse(await ctx.store.update(obj))
            except ConflictError:
                continue
        raise ConflictError(f'{PLURAL[kind]} "{name}" kept changing; try again')
    return handler


workflow_templates = make_router("WorkflowTemplate", "workflow-templates", "template", "WorkflowTemplateService",
                                 cluster=False)
cluster_workflow_templates = make_router("ClusterWorkflowTemplate", "cluster-workflow-templates", "template",
                                         "ClusterWorkflowTemplateService", cluster=True)
cron_workflows = make_router("CronWorkflow", "cron-workflows", "cronWorkflow", "CronWorkflowService", cluster=False)

__all__ = ["workflow_templates", "cluster_workflow_templates", "cron_workflows", "make_router"]
