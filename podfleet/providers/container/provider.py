"""ContainerProvider: pods as containers of a Docker-Engine-API engine (Docker or Podman).

State lives where the process provider keeps it (`$PODFLEET_HOME/pods/<ns>/<pod>/`
pod.json + status.json, logs under `$PODFLEET_HOME/logs/`) and in the engine itself
(containers named and labelled after their pod): a provider that is killed leaves its
containers running, and a new one on the same PODFLEET_HOME adopts them.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import InvalidError, NotFoundError, ProviderError
from podfleet.providers.container.api import EngineAPI
from podfleet.providers.container.engine import Engine, discover, why_not
from podfleet.providers.container.podspec import Lookup, container_name, pod_label
from podfleet.providers.container.pulls import ImagePuller
from podfleet.providers.container.runner import CacheHooks, PodRun, RunContext, remove_pod_containers
from podfleet.providers.contract import PodPhase, PodStatus
from podfleet.providers.events import PodEvents
from podfleet.providers.process.state import PodDir, clone_status, pod_keys, read_json, status_from_json, write_json
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.providers.container")


class ContainerProvider:
    name = "container"

    def __init__(self, home: Path, *, engine: Engine | None = None, repository: ArtifactRepository | None = None,
                 lookup: Lookup | None = None, caches: CacheHooks | None = None,
                 sidecar_grace: float = 2.0, keep_containers: bool = False) -> None:
        self.home = Path(home)
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
        self._runs: dict[tuple[str, str], PodRun] = {}
        self._events = PodEvents()
        self._adopted = False
        self._closed = False
        self._cache_task: asyncio.Task[None] | None = None

    # -- contract ---------------------------------------------------------------------
    async def create_pod(self, pod: Pod) -> None:
        self._adopt()
        if not pod.metadata.name:
            raise InvalidError("pod has no metadata.name")
        key = (pod.namespace, pod.name)
        dirs = PodDir(self.home, *key)
        if key in self._runs or dirs.manifest.exists():
            return
        dirs.path.mkdir(parents=True, exist_ok=True)
        write_json(dirs.manifest, pod.dump())
        status = PodStatus(namespace=pod.namespace, name=pod.name, phase=PodPhase.PENDING, started_at=time.time(),
                           labels=dict(pod.metadata.labels or {}), annotations=dict(pod.metadata.annotations or {}))
        self._launch(pod, dirs, status, fresh=True).persist()

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: float | None = None) -> None:
        self._adopt()
        key = (namespace, name)
        run = self._runs.get(key)
        if run is not None and run.task is not None and not run.task.done():
            grace = run.grace if grace_period_seconds is None else float(grace_period_seconds)
            run.request_stop("Deleted", "pod deleted", grace)
            await asyncio.shield(run.task)
        self._runs.pop(key, None)
        await self._remove_by_label(namespace, name)
        await asyncio.to_thread(shutil.rmtree, PodDir(self.home, namespace, name).path, True)

    async def get_pod_status(self, namespace: str, name: str) -> PodStatus | None:
        self._adopt()
        run = self._runs.get((namespace, name))
        if run is not None:
            return clone_status(run.status)
        data = read_json(PodDir(self.home, namespace, name).status_file)
        return status_from_json(data) if data else None

    async def list_pods(self) -> list[PodStatus]:
        self._adopt()
        found = [await self.get_pod_status(ns, name) for ns, name in pod_keys(self.home)]
        return [s for s in found if s is not None]

    def logs(self, namespace: str, name: str, container: str = "main", follow: bool = False) -> AsyncIterator[str]:
        return self._logs(namespace, name, container, follow)

    def events(self) -> AsyncIterator[PodStatus]:
        try:
            asyncio.get_running_loop()
            self._adopt()
        except RuntimeError:
            pass
        return self._events.subscribe()

    async def close(self) -> None:
        """Stop watching; containers keep running and are adopted by the next provider."""
        self._closed = True
        tasks = [r.task for r in self._runs.values() if r.task is not None and not r.task.done()]
        if self._cache_task is not None:
            tasks.append(self._cache_task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._events.close()
        self._runs.clear()
        closer = getattr(self.ctx.lookup, "aclose", None)
        if closer is not None:
            await closer()
        self.api.close()

    # -- internals --------------------------------------------------------------------
    def _launch(self, pod: Pod, dirs: PodDir, status: PodStatus, *, fresh: bool) -> PodRun:
        run = PodRun(pod, dirs, self.ctx, status, self._on_change, fresh=fresh)
        self._runs[(pod.namespace, pod.name)] = run
        run.task = asyncio.ensure_future(run.run())
        return run

    def _on_change(self, status: PodStatus) -> None:
        self._events.publish(status)

    async def _remove_by_label(self, namespace: str, name: str) -> None:
        api = self.api
        try:
            found = await api.call(api.client.containers, all=True,
                                   filters={"label": "podfleet.io/pod=" + pod_label(self.ctx.scope, namespace, name)})
        except (NotFoundError, ProviderError):
            return
        await remove_pod_containers(api, found)

    def _adopt(self) -> None:
        """Once per provider: resume every unfinished pod found on disk, start the cache reconcile."""
        if self._adopted or self._closed:
            return
        self._adopted = True
        run_caches = getattr(self.ctx.caches, "run", None)
        if run_caches is not None:
            self._cache_task = asyncio.ensure_future(run_caches(self.puller, self.ctx.lookup))
        for namespace, name in pod_keys(self.home):
            if (namespace, name) in self._runs:
                continue
            dirs = PodDir(self.home, namespace, name)
            data, manifest = read_json(dirs.status_file), read_json(dirs.manifest)
            if not data or not manifest:
                continue
            status = status_from_json(data)
            if status.phase.completed:
                continue
            try:
                pod = Pod.model_validate(manifest)
            except ValueError as err:
                log.warning("pod %s/%s: unreadable manifest, not adopted: %s", namespace, name, err)
                continue
            self._launch(pod, dirs, status, fresh=False)

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
