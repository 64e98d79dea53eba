"""InfoService (info, version, userinfo), the readiness page `/` and `/metrics`."""

from __future__ import annotations

import platform
import sys

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from podfleet import __version__
from podfleet.server.schemas import ERRORS
from podfleet.server.state import ARGO_VERSION, Ctx, server_state

router = APIRouter(tags=["InfoService"])


@router.get("/api/v1/info", operation_id="InfoService_GetInfo", responses=ERRORS)
async def info(ctx: Ctx) -> JSONResponse:
    return JSONResponse({"managedNamespace": ctx.state.managed_namespace or "", "links": [], "modals": {},
                         "navColor": "", "columns": []})


@router.get("/api/v1/version", operation_id="InfoService_GetVersion", responses=ERRORS)
async def version(ctx: Ctx) -> JSONResponse:
    return JSONResponse({"version": ARGO_VERSION, "buildDate": "", "gitCommit": "", "gitTag": ARGO_VERSION,
                         "gitTreeState": "clean", "goVersion": f"python{platform.python_version()}",
                         "compiler": "podfleet", "platform": f"{sys.platform}/{platform.machine()}",
                         "podfleetVersion": __version__})


@router.get("/api/v1/userinfo", operation_id="InfoService_GetUserInfo", responses=ERRORS)
async def userinfo(ctx: Ctx) -> JSONResponse:
    name = ctx.principal.name
    return JSONResponse({"subject": name, "name": name, "serviceAccountName": name,
                         "serviceAccountNamespace": "" if ctx.principal.cluster_wide else ",".join(
                             ctx.principal.namespaces)})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>podfleet</title><p>podfleet server: the API is at /api/v1, "
                        "its OpenAPI document at /openapi.json.</p>")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = server_state(request)
    if state.metrics is None:
        return Response(b"", media_type="text/plain")
    controller = state.controller
    cron = state.extra.get("cron")
    await state.metrics.refresh(state.store, controller.provider if controller else None,
                                controller.queue_depth if controller else 0, getattr(cron, "queue_depth", 0))
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


__all__ = ["router"]
