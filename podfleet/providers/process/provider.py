"""ProcessProvider: pods as sandboxed host processes — needs nothing but Linux.

State lives in the pod directories (see `state.py`), not in this object: a provider
that is killed leaves its sandboxes running, and a new one on the same PODFLEET_HOME
adopts them (`list_pods()` shows them; running ones are watched and reported when they
exit; finished ones have their outputs collected if nobody did yet).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import InvalidError, NotFoundError, ProviderError
from podfleet.providers.contract import PodPhase, PodStatus
from podfleet.providers.events import PodEvents
from podfleet.providers.process import cgroups
from podfleet.providers.process.runner import PodRun, RunnerConfig
from podfleet.providers.process.sandbox import SandboxMode, detect_mode
from podfleet.providers.process.state import PodDir, clone_status, pod_keys, read_json, status_from_json, write_json
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.providers.process")

_LOG_POLL_SECONDS = 0.1


class ProcessProvider:
    name = "process"

    def __init__(self, home: Path, *, sandbox: str | None = None,
                 repository: ArtifactRepository | None = None, sidecar_grace: float = 2.0,
                 use_cgroups: bool = True) -> None:
        self.home = Path(home)
        found = detect_mode(sandbox)
        if found is None:
            wanted = sandbox or "bwrap or unshare"
            raise ProviderError(f"the process provider needs {wanted} on PATH (apt-get install bubblewrap)")
        mode, tool = found
        support, note = cgroups.CgroupSupport.probe() if use_cgroups else (None, None)
        self.mode = mode
        self.cgroup_note = note
        self.config = RunnerConfig(
            home=self.home, mode=mode, tool=tool,
            cgroups=support if support and support.bases else None,
            repository=repository if repository is not None else LocalArtifactRepository(self.home / "artifacts"),
            sidecar_grace=sidecar_grace,
        )
        self._runs: dict[tuple[str, str], PodRun] = {}
        self._events = PodEvents()
        self._adopted = False
        self._closed = False
        self._announced = False

    def _announce(self) -> None:
        """Say once, when the first pod starts, how pods run here (not on every CLI call)."""
        if self._announced:
            return
        self._announced = True
        log.warning("process provider: running pods' commands on this host's userland in %s sandboxes; "
                    "container images are ignored", self.mode.value)
        if self.mode is SandboxMode.UNSHARE:
            log.warning("process provider: bubblewrap (bwrap) not found, falling back to unshare + chroot")
        if self.cgroup_note:
            log.warning("process provider: %s", self.cgroup_note)

    # -- contract ---------------------------------------------------------------------
    async def create_pod(self, pod: Pod) -> None:
        self._adopt()
        if not pod.metadata.name:
            raise InvalidError("pod has no metadata.name")
        key = (pod.namespace, pod.name)
        dirs = PodDir(self.home, *key)
        if key in self._runs or dirs.manifest.exists():
            return
        self._announce()
        dirs.path.mkdir(parents=True, exist_ok=True)
        write_json(dirs.manifest, pod.dump())
        status = PodStatus(namespace=pod.namespace, name=pod.name, phase=PodPhase.PENDING,
                           started_at=time.time(), pod_ip="127.0.0.1",
                           labels=dict(pod.metadata.labels or {}), annotations=dict(pod.metadata.annotations or {}))
        run = self._launch(pod, dirs, status, fresh=True)
        run.persist()

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: float | None = None) -> None:
        self._adopt()
        key = (namespace, name)
        run = self._runs.get(key)
        if run is not None and run.task is not None and not run.task.done():
            grace = run.grace if grace_period_seconds is None else float(grace_period_seconds)
            run.request_stop("Deleted", "pod deleted", grace)
            await asyncio.shield(run.task)
        self._runs.pop(key, None)
        dirs = PodDir(self.home, namespace, name)
        # Logs stay (under logs/); the pod directory with its roots and volumes goes.
        await asyncio.to_thread(shutil.rmtree, dirs.path, True)

    async def get_pod_status(self, namespace: str, name: str) -> PodStatus | None:
        self._adopt()
        run = self._runs.get((namespace, name))
        if run is not None:
            return clone_status(run.status)
        data = read_json(PodDir(self.home, namespace, name).status_file)
        return status_from_json(data) if data else None

    async def list_pods(self) -> list[PodStatus]:
        self._adopt()
        found: list[PodStatus] = []
        for namespace, name in pod_keys(self.home):
            status = await self.get_pod_status(namespace, name)
            if status is not None:
                found.append(status)
        return found

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
        """Stop watching; sandboxes keep running and are adopted by the next provider."""
        self._closed = True
        tasks = [r.task for r in self._runs.values() if r.task is not None and not r.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._events.close()
        self._runs.clear()

    # -- internals --------------------------------------------------------------------
    def _launch(self, pod: Pod, dirs: PodDir, status: PodStatus, *, fresh: bool) -> PodRun:
        run = PodRun(pod, dirs, self.config, status, self._on_change, fresh=fresh)
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
        for namespace, name in pod_keys(self.home):
            if (namespace, name) in self._runs:
                continue
            dirs = PodDir(self.home, namespace, name)
            data = read_json(dirs.status_file)
            manifest = read_json(dirs.manifest)
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
        path = PodDir(self.home, namespace, name).log(container)
        if not path.exists() and not follow:
            if not PodDir(self.home, namespace, name).logs.exists():
                raise NotFoundError(f"no logs for pod {namespace}/{name}")
            return
        partial = ""
        position = 0
        while True:
            chunk = ""
            if path.exists():
                with open(path, encoding="utf-8", errors="replace") as f:
                    f.seek(position)
                    chunk = f.read()
                    position = f.tell()
            if chunk:
                lines = (partial + chunk).split("\n")
                partial = lines.pop()
                for line in lines:
                    yield line
            if not follow:
                break
            status = await self.get_pod_status(namespace, name)
            if status is None or status.phase.completed:
                if not chunk:
                    break
                continue
            await asyncio.sleep(_LOG_POLL_SECONDS)
        if partial:
            yield partial


__all__ = ["ProcessProvider"]
