"""The ASGI app of `podfleet server`: argo-server's REST API over podfleet's store.

`create_app(state)` wires the routers, the error mapping and, for the app's lifetime,
the in-process controller and the cron scheduler (`run_controller=False` serves the API
alone, e.g. when another process runs the controller). Every answer to an authenticated
request carries argo-server's `Grpc-Metadata-Argo-Version` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from podfleet import __version__
from podfleet.providers.contract import Provider
from podfleet.server import errors
from podfleet.server.creating import create_running
from podfleet.server.state import ARGO_VERSION, ServerState


def create_app(state: ServerState, provider: Provider | None = None, *, run_controller: bool = True,
               cron_interval: float = 1.0) -> FastAPI:
    from podfleet.server import (
        artifacts,
        info,
        resources,
        workflow_ops,
        workflow_streams,
        workflows,
    )
    from podfleet.server.metrics import Metrics

    state.metrics = state.metrics or Metrics()
    metrics = state.metrics

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[Any]] = []
        if run_controller and provider is not None:
            from podfleet.cron import CronScheduler
            from podfleet.server.controller import ServerController

            controller = ServerController(state.store, provider, on_operation=metrics.operation.observe,
                                          on_pod_created=metrics.pods_started.inc,
                                          on_phase=lambda ns, phase: metrics.total.labels(phase, ns).inc())
            await controller.start()
            state.controller = controller

            async def create_child(wf: dict[str, Any]) -> dict[str, Any]:
                created = await create_running(state.store, wf)
                controller.adopt(created["metadata"]["namespace"], created["metadata"]["name"])
                return created

            cron = CronScheduler(state.store, create_child,
                                 on_triggered=lambda ns, name: metrics.cron_triggered.labels(name, ns).inc(),
                                 on_policy=lambda ns, name, p: metrics.cron_policy.labels(name, ns, p).inc())
            state.extra["cron"] = cron
            tasks.append(asyncio.create_task(cron.run(cron_interval), name="cron"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if state.controller is not None:
                await state.controller.close()
                state.controller = None

    app = FastAPI(title="podfleet (argo-server compatible API)", version=__version__, lifespan=lifespan,
                  description="Argo Workflows' REST API (argoproj.io/v1alpha1), served by podfleet.")
    app.state.podfleet = state
    errors.install(app)

    @app.middleware("http")
    async def argo_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        began = time.perf_counter()
        if request.method in ("POST", "PUT") and b"content-type" not in dict(request.scope["headers"]):
            # grpc-gateway reads any body as JSON; curl users often leave the header out.
            request.scope["headers"] = [*request.scope["headers"], (b"content-type", b"application/json")]
        response = await call_next(request)
        if request.url.path.startswith("/api/"):
            metrics.api_latency.labels(request.method).observe(time.perf_counter() - began)
            if response.status_code != 401:
                response.headers["Grpc-Metadata-Argo-Version"] = ARGO_VERSION
        return response

    for router in (workflows.router, workflow_ops.router, workflow_streams.router, resources.workflow_templates,
                   resources.cluster_workflow_templates, resources.cron_workflows, info.router, artifacts.router):
        app.include_router(router)
    return app


__all__ = ["create_app"]
