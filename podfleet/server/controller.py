"""The controller inside `podfleet server`: the engine's Runner, kept alive forever.

At start it adopts every unfinished workflow in the store; afterwards it follows the
store's watch, so workflows created through the API, by a CLI in embedded mode on the
same store, or made Running again by retry are all driven. One Runner holds the
provider and the per-workflow leases, exactly as `podfleet controller` does. The cron
scheduler runs beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from podfleet.controller.runner import Runner
from podfleet.errors import NotFoundError, PodfleetError
from podfleet.providers.contract import Provider
from podfleet.store.contract import Obj, Store

log = logging.getLogger("podfleet.server")
COMPLETED = ("Succeeded", "Failed", "Error")


class CountingProvider:
    """A provider that counts the pods it was asked to start (for `podfleet_pods_started_total`)."""

    def __init__(self, inner: Provider, on_create: Callable[[], None]) -> None:
        self._inner = inner
        self._on_create = on_create
        self.name = inner.name

    async def create_pod(self, pod: Any) -> None:
        await self._inner.create_pod(pod)
        self._on_create()

    def __getattr__(self, item: str) -> Any:
        return getattr(self._inner, item)


class ServerController:
    def __init__(self, store: Store, provider: Provider, *, on_operation: Callable[[float], None] | None = None,
                 on_pod_created: Callable[[], None] | None = None,
                 on_phase: Callable[[str, str], None] | None = None) -> None:
        self.store = store
        self._on_phase = on_phase
        self._phases: dict[tuple[str, str], str] = {}
        self.provider: Provider = CountingProvider(provider, on_pod_created or (lambda: None))  # type: ignore[assignment]
        self.runner = Runner(store, self.provider, on_operation=on_operation)
        self.active: dict[tuple[str, str], asyncio.Task[Any]] = {}
        self._background: list[asyncio.Task[Any]] = []
        self.started_at = time.time()

    async def start(self) -> None:
        await self.runner.start()
        watch = self.store.watch("Workflow")  # taken before the list: nothing created between is missed
        for obj in await self.store.list("Workflow"):
            self._consider(obj)
        self._background.append(asyncio.create_task(self._follow(watch), name="server-controller"))

    def adopt(self, namespace: str, name: str) -> None:
        """Drive this workflow now (the API calls it right after a create, retry or resume)."""
        key = (namespace, name)
        task = self.active.get(key)
        if task is not None and not task.done():
            return
        self.active[key] = asyncio.create_task(self._run(namespace, name), name=f"drive/{namespace}/{name}")

    async def _run(self, namespace: str, name: str) -> None:
        try:
            while True:
                await self.runner.run_workflow(namespace, name)
                # A retry or resume that landed while the runner was finishing the previous
                # run leaves the workflow Running again: drive it once more.
                try:
                    obj = await self.store.get("Workflow", namespace, name, with_nodes=False)
                except NotFoundError:
                    return
                if (obj.get("status") or {}).get("phase") in COMPLETED:
                    return
                await asyncio.sleep(0.05)
        except PodfleetError as err:
            log.warning("workflow %s/%s: %s", namespace, name, err)
        finally:
            self.active.pop((namespace, name), None)

    def _consider(self, obj: Obj | None, *, count: bool = False) -> None:
        if not obj:
            return
        meta = obj.get("metadata") or {}
        key = (meta.get("namespace", ""), meta["name"])
        phase = (obj.get("status") or {}).get("phase") or "Pending"
        if count and self._on_phase is not None and self._phases.get(key) != phase:
            self._on_phase(key[0], phase)
        if phase in COMPLETED:
            self._phases.pop(key, None)
            return
        self._phases[key] = phase
        self.adopt(*key)

    async def _follow(self, watch: Any) -> None:
        async for event in watch:
            if event.type == "DELETED":
                self._phases.pop((event.namespace, event.name), None)
            else:
                self._consider(event.object, count=True)

    @property
    def queue_depth(self) -> int:
        return sum(1 for t in self.active.values() if not t.done())

    async def close(self) -> None:
        for task in [*self._background, *self.active.values()]:
            task.cancel()
        for task in [*self._background, *self.active.values()]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.runner.close()
        await self.provider.close()


__all__ = ["ServerController", "CountingProvider"]
