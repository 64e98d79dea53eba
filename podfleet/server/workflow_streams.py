"""Streams of a workflow: its pods' logs (`/log`) and the `workflow-events` watch.

Logs come from the controller's provider (kept after a pod is gone); `grep`, `tailLines`
and `container` narrow them as argo-server does, `follow` keeps the stream open until the
pods end. The watch first sends every matching workflow as ADDED (as a Kubernetes watch
without a resourceVersion does), then each change as it is stored.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from podfleet.controller.ids import pod_name
from podfleet.errors import InvalidError, NotFoundError, ProviderError
from podfleet.server.query import Fields, Selector, field_values
from podfleet.server.schemas import ERRORS
from podfleet.server.state import Ctx, RequestContext
from podfleet.server.streams import STREAM_RESPONSES, stream
from podfleet.server.workflows import load_workflow
from podfleet.store.contract import Obj

router = APIRouter(prefix="/api/v1", tags=["WorkflowService"], responses={**ERRORS, **STREAM_RESPONSES})


def pod_names(wf: Obj) -> list[str]:
    name = wf["metadata"]["name"]
    nodes = (wf.get("status") or {}).get("nodes") or {}
    return [pod_name(name, n["name"], n.get("templateName")) for n in nodes.values() if n.get("type") == "Pod"]


def _int(value: str | None, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidError(f"{what} must be a number, not {value!r}") from None
    if number < 0:
        raise InvalidError(f"{what} must not be negative")
    return number


async def _log_lines(ctx: RequestContext, namespace: str, name: str, pod: str | None, container: str,
                     follow: bool, tail: int | None, grep: str | None) -> AsyncIterator[dict[str, Any]]:
    wf = await load_workflow(ctx.store, namespace, name)
    pods = pod_names(wf)
    if pod:
        if pod not in pods:
            raise NotFoundError(f'pod "{pod}" is not a pod of workflow "{name}"')
        pods = [pod]
    controller = ctx.state.controller
    if controller is None:
        return
    try:
        pattern = re.compile(grep) if grep else None
    except re.error as err:
        raise InvalidError(f"invalid grep pattern {grep!r}: {err}") from None
    for target in pods:
        lines: list[str] = []
        try:
            async for line in controller.provider.logs(namespace, target, container, follow=follow):
                text = line.rstrip("\n")
                if pattern is not None and not pattern.search(text):
                    continue
                if tail is None or follow:
                    yield {"podName": target, "content": text}
                else:
                    lines.append(text)
        except ProviderError:
            continue  # a pod that never started has no log
        for text in lines[-tail:] if tail else ([] if tail == 0 else lines):
            yield {"podName": target, "content": text}


async def _log_response(request: Request, ctx: RequestContext, namespace: str, name: str, pod: str | None,
                        container: str | None, follow: str | None, tail: str | None,
                        grep: str | None) -> StreamingResponse:
    ctx.check_namespace(namespace)
    await load_workflow(ctx.store, namespace, name, with_nodes=False)  # a 404 must come before the stream
    return stream(request, _log_lines(ctx, namespace, name, pod, container or "main",
                                      (follow or "").lower() == "true", _int(tail, "logOptions.tailLines"), grep))


@router.get("/workflows/{namespace}/{name}/log", operation_id="WorkflowService_WorkflowLogs")
async def workflow_logs(
    request: Request, namespace: str, name: str, ctx: Ctx,
    podName: Annotated[str | None, Query()] = None,
    container: Annotated[str | None, Query(alias="logOptions.container")] = None,
    follow: Annotated[str | None, Query(alias="logOptions.follow")] = None,
    tail: Annotated[str | None, Query(alias="logOptions.tailLines")] = None,
    grep: Annotated[str | None, Query()] = None,
) -> StreamingResponse:
    return await _log_response(request, ctx, namespace, name, podName, container, follow, tail, grep)


@router.get("/workflows/{namespace}/{name}/{podName}/log", operation_id="WorkflowService_PodLogs", deprecated=True)
async def pod_logs(
    request: Request, namespace: str, name: str, podName: str, ctx: Ctx,
    container: Annotated[str | None, Query(alias="logOptions.container")] = None,
    follow: Annotated[str | None, Query(alias="logOptions.follow")] = None,
    tail: Annotated[str | None, Query(alias="logOptions.tailLines")] = None,
    grep: Annotated[str | None, Query()] = None,
) -> StreamingResponse:
    return await _log_response(request, ctx, namespace, name, podName, container, follow, tail, grep)


async def _events(ctx: RequestContext, namespace: str, selector: Selector, fields: Fields) -> AsyncIterator[Any]:
    store = ctx.store
    with_nodes = not fields.will_exclude("object.status.nodes")
    watch = store.watch("Workflow", namespace)
    for obj in await store.list("Workflow", namespace, with_nodes=with_nodes):
        if selector.matches(field_values(obj)):
            yield fields.clean({"type": "ADDED", "object": obj})
    async for event in watch:
        obj = event.object
        if event.type == "DELETED" or obj is None:
            obj = {"metadata": {"name": event.name, "namespace": event.namespace}}
        elif with_nodes:
            try:
                obj = await store.get("Workflow", event.namespace, event.name, with_nodes=True)
            except NotFoundError:
                continue
        if selector.matches(field_values(obj)):
            yield fields.clean({"type": event.type, "object": obj})


@router.get("/workflow-events/{namespace}", operation_id="WorkflowService_WatchWorkflows")
async def watch_workflows(
    request: Request, namespace: str, ctx: Ctx,
    field_selector: Annotated[str | None, Query(alias="listOptions.fieldSelector")] = None,
    fields: Annotated[str | None, Query()] = None,
) -> StreamingResponse:
    ctx.check_namespace(namespace)
    selector = Selector.parse(field_selector, "field selector")
    return stream(request, _events(ctx, namespace, selector, Fields.parse(fields)))


__all__ = ["router", "pod_names"]
