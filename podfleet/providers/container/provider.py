"""ContainerProvider: pods as containers of a Docker-Engine-API engine (Docker or Podman).

State lives where the process provider keeps it (`$PODFLEET_HOME/pods/<ns>/<pod>/`
pod.json + status.json, logs under `$PODFLEET_HOME/logs/`) and in the engine itself
(containers named and labelled after their pod): a provider that is killed leaves its
containers running, and a new one on the same PODFLEET_HOME adopts them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import NotFoundError, ProviderError
from podfleet.providers.container.api import EngineAPI
from podfleet.providers.container.engine import Engine, discover, why_not
from podfleet.providers.container.podspec import Lookup, container_name, pod_label
from podfleet.providers.container.pulls import ImagePuller
from podfleet.providers.container.runner import CacheHooks, PodRun, RunContext, remove_pod_containers
from podfleet.providers.contract import PodStatus
from podfleet.providers.podfolders import PodFolderProvider
from podfleet.providers.podstate import PodDir
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.providers.container")


class ContainerProvider(PodFolderProvider):
    name = "container"

    def __init__(self, home: Path, *, engine: Engine | None = None, repository: ArtifactRepository | None = None,
                 lookup: Lookup | None = None, caches: CacheHooks | None = None,
                 sidecar_grace: float = 2.0, keep_containers: bool = False) -> None:
        super().__init__(home)
        engine = engine or discover()
        if engine is None:
            raise ProviderError(f"the container provider needs a container engine: {why_not()}. "
                                "Install podman (apt-get install podman runc) or docker, or set DOCKER_HOST")
        try:
            self.api = EngineAPI(engine)
        except Exception as err:  # noqa: BLE001 - whatever the client raises, say which engine failed
            raise ProviderError(f"the container engine at {engine.url} does not answer: {err}") from err
        self.puller = ImagePuller(self.api)
        self.ctx = RunContext(
            api=self.api, puller=self.puller, home=self.home,
            repository=repository if repository is not None else LocalArtifactRepository(self.home / "artifacts"),
            lookup=lookup, caches=caches, sidecar_grace=sidecar_grace, keep_containers=keep_containers)
        self._cache_task: asyncio.Task[None] | None = None

    def _new_run(self, pod: Pod, dirs: PodDir, status: PodStatus, *, fresh: bool) -> PodRun:
        return PodRun(pod, dirs, self.ctx, status, self._on_change, fresh=fresh)

    def _on_adopt(self) -> None:
        """Start the ImageCache reconcile with the first look at the pods."""
        run_caches = getattr(self.ctx.caches, "run", None)
        if run_caches is not None:
            self._cache_task = asyncio.ensure_future(run_caches(self.puller, self.ctx.lookup))

    def _extra_tasks(self) -> list[asyncio.Future[Any]]:
        return [self._cache_task] if self._cache_task is not None else []

    async def _release(self) -> None:
        closer = getattr(self.ctx.lookup, "aclose", None)
        if closer is not None:
            await closer()
        self.api.close()

    async def _remove_pod(self, namespace: str, name: str) -> None:
        """The pod's containers, found by label (the engine keeps them after we stopped watching)."""
        api = self.api
        try:
            found = await api.call(api.client.containers, all=True,
                                   filters={"label": "podfleet.io/pod=" + pod_label(self.ctx.scope, namespace, name)})
        except (NotFoundError, ProviderError):
            return
        await remove_pod_containers(api, found)

    async def _logs(self, namespace: str, name: str, container: str, follow: bool) -> AsyncIterator[str]:
        dirs = PodDir(self.home, namespace, name)
        path = dirs.log(container)
        status = await self.get_pod_status(namespace, name)
        if not path.exists() and status is not None and not status.phase.completed:
            # Still running: the engine has the live log.
            async for line in self._engine_logs(container_name(self.ctx.scope, namespace, name, container), follow):
                yield line
            if path.exists() or not follow:
                return
        if not path.exists():
            if status is None and not dirs.logs.exists():
                raise NotFoundError(f"no logs for pod {namespace}/{name}")
            return
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f.read().splitlines():
                yield line

    async def _engine_logs(self, engine_name: str, follow: bool) -> AsyncIterator[str]:
        """Lines of a running container's log, read on a thread (the client blocks)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        stop = threading.Event()

        def pump() -> None:
            try:
                stream = self.api.client.logs(engine_name, stdout=True, stderr=True, stream=True, follow=follow)
                for chunk in stream:
                    if stop.is_set():
                        break
                    loop.call_soon_threadsafe(queue.put_nowait, chunk)
            except Exception:  # noqa: BLE001 - a container gone mid-read ends the stream
                pass
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=pump, daemon=True, name="podfleet-logs").start()
        partial = b""
        try:
            while (chunk := await queue.get()) is not None:
                lines = (partial + chunk).split(b"\n")
                partial = lines.pop()
                for line in lines:
                    yield line.decode("utf-8", errors="replace")
            if partial:
                yield partial.decode("utf-8", errors="replace")
        finally:
            stop.set()


__all__ = ["ContainerProvider"]
