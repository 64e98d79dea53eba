"""What the process and container providers share: pods kept as folders on disk.

Each pod has `$PODFLEET_HOME/pods/<ns>/<pod>/` (manifest + status, see
`process/state.py`) and one `run` object while this provider watches it. That is all the
state there is, so a provider that dies leaves its pods running and a new one on the
same home adopts them. A subclass says how one pod runs (`_new_run`) and, through small
hooks, what else it must start, remove or close.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from podfleet.errors import InvalidError
from podfleet.providers.contract import PodPhase, PodStatus
from podfleet.providers.events import PodEvents
from podfleet.providers.podstate import PodDir, clone_status, pod_keys, read_json, status_from_json, write_json
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.providers")


class PodFolderProvider:
    """The Provider contract over pod folders; subclasses run the pods."""

    name = "pod-folders"
    # What a pod's status reports as its IP (None when the pod has its own network).
    pod_ip: str | None = None

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self._runs: dict[tuple[str, str], Any] = {}
        self._events = PodEvents()
        self._adopted = False
        self._closed = False

    # -- what a subclass provides ---------------------------------------------------------
    def _new_run(self, pod: Pod, dirs: PodDir, status: PodStatus, *, fresh: bool) -> Any:
        """The object running one pod (it has .run(), .task, .status, .grace, .request_stop, .persist)."""
        raise NotImplementedError

    def _before_first_pod(self) -> None:
        """Called when a pod is created (e.g. to say once how pods run here)."""

    def _on_adopt(self) -> None:
        """Called once, when the provider first looks at its pods."""

    async def _remove_pod(self, namespace: str, name: str) -> None:
        """Remove what the pod left outside its folder (containers in an engine)."""

    def _extra_tasks(self) -> list[asyncio.Future[Any]]:
        """Tasks of the provider's own (besides the runs) to cancel on close."""
        return []

    async def _release(self) -> None:
        """Release clients once every run has stopped."""

    def _logs(self, namespace: str, name: str, container: str, follow: bool) -> AsyncIterator[str]:
        raise NotImplementedError

    # -- contract ---------------------------------------------------------------------
    async def create_pod(self, pod: Pod) -> None:
        self._adopt()
        if not pod.metadata.name:
            raise InvalidError("pod has no metadata.name")
        key = (pod.namespace, pod.name)
        dirs = PodDir(self.home, *key)
        if key in self._runs or dirs.manifest.exists():
            return
        self._before_first_pod()
        dirs.path.mkdir(parents=True, exist_ok=True)
        write_json(dirs.manifest, pod.dump())
        status = PodStatus(namespace=pod.namespace, name=pod.name, phase=PodPhase.PENDING,
                           started_at=time.time(), pod_ip=self.pod_ip,
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
        await self._remove_pod(namespace, name)
        # Logs stay (under logs/); the pod folder with its roots and volumes goes.
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
        """Stop watching; the pods keep running and are adopted by the next provider."""
        self._closed = True
        tasks = [r.task for r in self._runs.values() if r.task is not None and not r.task.done()]
        tasks += self._extra_tasks()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._events.close()
        self._runs.clear()
        await self._release()

    # -- internals --------------------------------------------------------------------
    def _launch(self, pod: Pod, dirs: PodDir, status: PodStatus, *, fresh: bool) -> Any:
        run = self._new_run(pod, dirs, status, fresh=fresh)
        self._runs[(pod.namespace, pod.name)] = run
        run.task = asyncio.ensure_future(run.run())
        return run

    def _on_change(self, status: PodStatus) -> None:
        self._events.publish(status)

    def _adopt(self) -> None:
        """Once per provider: resume every unfinished pod found on disk."""
        if self._adopted or self._closed:
            return
        self._adopted = True
        self._on_adopt()
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


__all__ = ["PodFolderProvider"]
