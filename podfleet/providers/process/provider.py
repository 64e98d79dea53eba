"""ProcessProvider: pods as sandboxed host processes — needs nothing but Linux.

State lives in the pod directories (see `state.py`), not in this object: a provider
that is killed leaves its sandboxes running, and a new one on the same PODFLEET_HOME
adopts them (`list_pods()` shows them; running ones are watched and reported when they
exit; finished ones have their outputs collected if nobody did yet).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import NotFoundError, ProviderError
from podfleet.providers.contract import PodStatus
from podfleet.providers.podfolders import PodFolderProvider
from podfleet.providers.process import cgroups
from podfleet.providers.process.runner import PodRun, RunnerConfig
from podfleet.providers.process.sandbox import SandboxMode, detect_mode
from podfleet.providers.podstate import PodDir
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.providers.process")

_LOG_POLL_SECONDS = 0.1


class ProcessProvider(PodFolderProvider):
    name = "process"
    pod_ip = "127.0.0.1"  # the host's network namespace is shared

    def __init__(self, home: Path, *, sandbox: str | None = None,
                 repository: ArtifactRepository | None = None, sidecar_grace: float = 2.0,
                 use_cgroups: bool = True) -> None:
        super().__init__(home)
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
        self._announced = False

    def _before_first_pod(self) -> None:
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

    def _new_run(self, pod: Pod, dirs: PodDir, status: PodStatus, *, fresh: bool) -> PodRun:
        return PodRun(pod, dirs, self.config, status, self._on_change, fresh=fresh)

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
