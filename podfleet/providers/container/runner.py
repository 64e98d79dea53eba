"""One pod's life as engine containers, resumable after a controller restart.

Init containers run in order, each to completion; then `main` is created (not
started), the executor stages inputs into it through the archive endpoints, the
sidecars are created, and all start together sharing one network namespace (an infra
container holds it when there are sidecars, so localhost reaches between them). When
`main` exits the sidecars are stopped, logs are saved under PODFLEET_HOME, outputs are
collected from the stopped `main`, and the containers are removed.

Every step looks the container up by its deterministic name first, so running the same
`PodRun` on an adopted pod continues where the last provider stopped.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.datacache.mount import dataset_read_failures
from podfleet.errors import NotFoundError, PodfleetError, ProviderError
from podfleet.executor import MAIN_CONTAINER, captures_result, collect_outputs, pod_template, stage_inputs
from podfleet.executor.layout import workflow_name
from podfleet.providers.container.api import EngineAPI
from podfleet.providers.container.fs import ContainerFilesystem
from podfleet.providers.container.podspec import (
    INFRA, ContainerPlan, Lookup, container_env, container_name, home_scope, plan_container, pod_label,
)
from podfleet.providers.container.pulls import ImagePuller, PullError, auth_for, dockerconfig_of, pull_policy
from podfleet.providers.container.volumes import pod_volumes
from podfleet.providers.container.watch import inspect, wait_exit
from podfleet.providers.contract import ContainerState, PodPhase, PodStatus, TaskResult
from podfleet.providers.podstate import PodDir, status_to_json, write_json
from podfleet.resources.pod import Container, Pod

log = logging.getLogger("podfleet.providers.container")

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
MATCHED_CACHE_ANNOTATION = "k8s.aliyun.com/eci-matched-imagecache-id"
_INFRA_CMD = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]


class CacheHooks(Protocol):
    """What the image cache offers a provider (podfleet.imagecache implements it)."""

    async def match(self, namespace: str, images: list[str]) -> str | None:
        """The id of a Ready cache holding every one of `images`, or None."""

    async def pulled(self, namespace: str, images: list[str]) -> None:
        """`images` were just pulled for a pod: remember them (auto-created caches)."""


@dataclass
class RunContext:
    api: EngineAPI
    puller: ImagePuller
    home: Path
    repository: ArtifactRepository | None
    lookup: Lookup | None = None
    caches: CacheHooks | None = None
    sidecar_grace: float = 2.0
    keep_containers: bool = False

    @property
    def scope(self) -> str:
        return home_scope(self.home)


@dataclass
class _Stop:
    reason: str
    message: str
    grace: float


@dataclass
class _Started:
    plan: ContainerPlan
    container_id: str
    waiter: asyncio.Task[dict[str, Any] | None] = field(repr=False)


async def remove_pod_containers(api: EngineAPI, found: list[dict[str, Any]]) -> None:
    """Force-remove a pod's containers: the infra container last, others depend on its network."""
    infra = [str(c["Id"]) for c in found if (c.get("Labels") or {}).get("podfleet.io/container") == INFRA]
    others = [str(c["Id"]) for c in found if str(c["Id"]) not in infra]
    for batch in (others, infra):
        await asyncio.gather(*(api.call(api.client.remove_container, cid, force=True, v=True) for cid in batch),
                             return_exceptions=True)


class PodRun:
    def __init__(self, pod: Pod, dirs: PodDir, ctx: RunContext, status: PodStatus,
                 notify: Callable[[PodStatus], None], *, fresh: bool) -> None:
        self.pod, self.dirs, self.ctx, self.status = pod, dirs, ctx, status
        self.fresh = fresh
        self._notify = notify
        self._stop: _Stop | None = None
        self._stop_event = asyncio.Event()
        self._started: dict[str, _Started] = {}
        self._infra_id: str | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def grace(self) -> float:
        value = self.pod.spec.termination_grace_period_seconds
        return 30.0 if value is None else float(value)

    def request_stop(self, reason: str, message: str, grace: float) -> None:
        if self._stop is None:
            self._stop = _Stop(reason, message, grace)
            self._stop_event.set()

    async def run(self) -> None:
        deadline = self.pod.spec.active_deadline_seconds
        timer = None
        if deadline is not None:
            delay = max(0.0, (self.status.started_at or time.time()) + deadline - time.time())
            timer = asyncio.get_running_loop().call_later(
                delay, self.request_stop, "DeadlineExceeded", DEADLINE_MESSAGE, self.grace)
        try:
            if not self.status.phase.completed:
                await self._lifecycle()
        except asyncio.CancelledError:
            for started in self._started.values():
                started.waiter.cancel()
            raise
        except PullError as err:
            await self._stop_all(0)
            await self._complete(PodPhase.FAILED, err.reason, err.message, TaskResult(error=err.message))
        except PodfleetError as err:
            await self._stop_all(0)
            await self._complete(PodPhase.FAILED, "Error", err.message, TaskResult(error=err.message))
        except Exception as err:  # noqa: BLE001 - a provider bug must fail the pod, not hang it
            log.exception("pod %s/%s: provider error", self.pod.namespace, self.pod.name)
            await self._stop_all(0)
            await self._complete(PodPhase.FAILED, "Error", f"container provider error: {err}", None)
        finally:
            if timer is not None:
                timer.cancel()

    # -- the life ---------------------------------------------------------------------
    async def _lifecycle(self) -> None:
        template = pod_template(self.pod)
        spec = self.pod.spec
        await self._pull_images()
        if self._stop is not None:
            return await self._finish_stopped()
        volumes = await pod_volumes(self.pod, self.dirs, self.ctx.home, self.ctx.lookup)
        infra = await self._infra() if len(spec.containers) > 1 else None
        plans: dict[str, ContainerPlan] = {}
        for c in [*(spec.init_containers or ()), *spec.containers]:
            env = await container_env(self.pod, c, self.ctx.lookup)
            plans[str(c.name)] = plan_container(self.pod, c, env, volumes, network_of=infra, scope=self.ctx.scope)
        for c in spec.init_containers or ():
            started = await self._start(plans[str(c.name)])
            await self._until(started.waiter)
            if self._stop is not None:
                return await self._finish_stopped()
            code = self._exit_state(started, await started.waiter).exit_code
            if code != 0:
                await self._complete(PodPhase.FAILED, "Init:Error",
                             f"init container {c.name!r} failed with exit code {code}", None)
                return
        main_name = MAIN_CONTAINER if spec.container(MAIN_CONTAINER) else str(spec.containers[0].name)
        main = plans[main_name]
        existing = None if self.fresh else await inspect(self.ctx.api, main.engine_name)
        main_id = existing["Id"] if existing else await self._create(main)
        fs = ContainerFilesystem(self.ctx.api.client, main_id, main.binds)
        if existing is None:
            try:
                await asyncio.to_thread(stage_inputs, template, fs, self.ctx.repository)
            except PodfleetError as err:
                message = err.message if "artifact" in err.message else f"failed to stage inputs: {err.message}"
                await self._complete(PodPhase.FAILED, "Error", message, TaskResult(error=message))
                return
        started_main = await self._start(main, container_id=main_id)
        for c in spec.containers:
            if c.name != main_name:
                await self._start(plans[str(c.name)])
        self._set_phase(PodPhase.RUNNING)
        await self._until(started_main.waiter)
        if self._stop is not None:
            return await self._finish_stopped()
        state = self._exit_state(started_main, await started_main.waiter)
        await self._stop_all(min(self.ctx.sidecar_grace, self.grace))
        capture = captures_result(self.pod, template)
        await self._save_logs(main_name if capture else None)
        collect = functools.partial(
            collect_outputs, template, fs, self.dirs.stdout(main_name) if capture else None,
            exit_code=state.exit_code, repository=self.ctx.repository,
            workflow_name=workflow_name(self.pod), pod_name=self.pod.name)
        result = await asyncio.to_thread(collect)
        if result.error:
            await self._complete(PodPhase.FAILED, "Error", result.error, result)
        elif state.exit_code == 0:
            await self._complete(PodPhase.SUCCEEDED, None, None, result)
        else:
            reason = "OOMKilled" if state.reason == "OOMKilled" else None
            message = "OOMKilled (exit code 137)" if reason else None
            await self._complete(PodPhase.FAILED, reason, message, result)

    async def _pull_images(self) -> None:
        containers: list[Container] = [*(self.pod.spec.init_containers or ()), *self.pod.spec.containers]
        images = sorted({str(c.image) for c in containers if c.image})
        matched = await self.ctx.caches.match(self.pod.namespace, images) if self.ctx.caches and images else None
        if matched:
            self.status.annotations[MATCHED_CACHE_ANNOTATION] = matched
        configs = await self._pull_secrets()
        pulled: list[str] = []
        done: set[tuple[str, str]] = set()
        for c in containers:
            image, policy = str(c.image or ""), pull_policy(c)
            if not image or (image, policy) in done:
                continue
            done.add((image, policy))
            if await self.ctx.puller.ensure(image, policy, auth_for(image, configs), self._progress,
                                            cached=matched is not None):
                pulled.append(image)
        if pulled and self.ctx.caches is not None and not matched:
            await self.ctx.caches.pulled(self.pod.namespace, pulled)

    async def _pull_secrets(self) -> list[dict[str, Any]]:
        configs: list[dict[str, Any]] = []
        for ref in self.pod.spec.image_pull_secrets or ():
            name = str(ref.get("name") or "")
            secret = await self.ctx.lookup("Secret", self.pod.namespace, name) if self.ctx.lookup else None
            if secret is None:
                # As the kubelet: a missing pull secret is only a warning; the pull may still work.
                log.warning("pod %s/%s: imagePullSecret %r not found", self.pod.namespace, self.pod.name, name)
                continue
            config = dockerconfig_of(secret)
            if config is not None:
                configs.append(config)
        return configs

    def _progress(self, message: str) -> None:
        self.status.reason, self.status.message = "ContainerCreating", message
        self.persist()

    # -- containers -------------------------------------------------------------------
    async def _infra(self) -> str:
        name = container_name(self.ctx.scope, self.pod.namespace, self.pod.name, INFRA)
        existing = None if self.fresh else await inspect(self.ctx.api, name)
        if existing is not None:
            self._infra_id = str(existing["Id"])
            return self._infra_id
        main = self.pod.spec.container(MAIN_CONTAINER) or self.pod.spec.containers[0]
        plan = ContainerPlan(INFRA, name, str(main.image), {
            "image": str(main.image), "name": name, "entrypoint": _INFRA_CMD, "command": [],
            "hostname": self.pod.name[:63],
            "labels": {"podfleet.io/managed": "true", "podfleet.io/pod": pod_label(self.ctx.scope, self.pod.namespace, self.pod.name),
                       "podfleet.io/container": INFRA}}, {})
        started = await self._start(plan)
        self._started.pop(INFRA, None)
        self._infra_id = started.container_id
        return started.container_id

    async def _create(self, plan: ContainerPlan) -> str:
        api = self.ctx.api
        host_config = api.client.create_host_config(**plan.host)
        try:
            created = await api.call(api.client.create_container, host_config=host_config, **plan.create)
        except ProviderError as err:
            raise ProviderError(f"container {plan.name!r}: {err.message}") from err
        return str(created["Id"])

    async def _start(self, plan: ContainerPlan, container_id: str | None = None) -> _Started:
        api = self.ctx.api
        info = None if self.fresh else await inspect(api, container_id or plan.engine_name)
        if info is not None:
            container_id = str(info["Id"])
        if container_id is None:
            container_id = await self._create(plan)
        state = (info or {}).get("State") or {}
        if info is None or state.get("Status") in ("created", "configured"):
            try:
                await api.call(api.client.start, container_id)
            except ProviderError as err:
                raise ProviderError(f"container {plan.name!r} failed to start: {err.message}") from err
        if self.status.container(plan.name) is None and plan.name != INFRA:
            self._set_container(ContainerState(plan.name, started_at=time.time()))
        started = _Started(plan, container_id, asyncio.ensure_future(wait_exit(api, container_id)))
        self._started[plan.name] = started
        return started

    async def _until(self, waiter: asyncio.Future[Any]) -> None:
        stop_wait = asyncio.ensure_future(self._stop_event.wait())
        try:
            await asyncio.wait({waiter, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()

    def _exit_state(self, started: _Started, info: dict[str, Any] | None) -> ContainerState:
        state = (info or {}).get("State") or {}
        code = int(state.get("ExitCode", 1)) if info else 1
        memory_limited = "mem_limit" in started.plan.host
        if self._stop is not None and self._stop.reason == "DeadlineExceeded":
            reason = "DeadlineExceeded"
        elif state.get("OOMKilled") or (memory_limited and code == 137 and self._stop is None):
            reason = "OOMKilled"
        else:
            reason = "Completed" if code == 0 else "Error"
        message = None if info else "the container disappeared before it reported an exit code"
        previous = self.status.container(started.plan.name) or ContainerState(started.plan.name)
        if code != 0 and message is None:
            message = dataset_read_failures(self.pod.metadata.annotations, previous.started_at, time.time())
        result = ContainerState(started.plan.name, exit_code=code, reason=reason, message=message,
                                started_at=previous.started_at, finished_at=time.time())
        self._set_container(result)
        return result

    async def _stop_all(self, grace: float) -> None:
        """Stop every running container of the pod (SIGTERM, SIGKILL after `grace`), infra last."""
        api = self.ctx.api
        running = [s for s in self._started.values() if not s.waiter.done()]
        await asyncio.gather(*(api.call(api.client.stop, s.container_id, timeout=int(max(grace, 0)))
                               for s in running), return_exceptions=True)
        for s in running:
            info = await s.waiter if not s.waiter.cancelled() else None
            if s.plan.name != INFRA and s.plan.name in {c.name for c in self.status.containers}:
                self._exit_state(s, info)
        if self._infra_id:
            await asyncio.gather(api.call(api.client.stop, self._infra_id, timeout=0), return_exceptions=True)

    async def _save_logs(self, capture: str | None) -> None:
        api = self.ctx.api
        for name, started in self._started.items():
            path = self.dirs.log(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                data = await api.call(api.client.logs, started.container_id, stdout=True, stderr=True)
                path.write_bytes(data)
                if name == capture:
                    out = await api.call(api.client.logs, started.container_id, stdout=True, stderr=False)
                    self.dirs.stdout(name).parent.mkdir(parents=True, exist_ok=True)
                    self.dirs.stdout(name).write_bytes(out)
            except (NotFoundError, ProviderError) as err:
                log.warning("pod %s/%s: logs of %s not saved: %s", self.pod.namespace, self.pod.name, name, err)

    async def remove_containers(self) -> None:
        """Remove every engine container of this pod (found by label: adoption-safe)."""
        api = self.ctx.api
        try:
            found = await api.call(api.client.containers, all=True,
                                   filters={"label": "podfleet.io/pod=" + pod_label(self.ctx.scope, self.pod.namespace,
                                                                                       self.pod.name)})
        except PodfleetError:
            found = []
        await remove_pod_containers(api, found)

    async def _finish_stopped(self) -> None:
        assert self._stop is not None
        await self._stop_all(self._stop.grace)
        await self._save_logs(None)
        main = self.status.container(MAIN_CONTAINER)
        await self._complete(PodPhase.FAILED, self._stop.reason, self._stop.message,
                     TaskResult(exit_code=main.exit_code if main else None))

    # -- status -----------------------------------------------------------------------
    def _set_container(self, state: ContainerState) -> None:
        self.status.containers = [c for c in self.status.containers if c.name != state.name] + [state]

    def _set_phase(self, phase: PodPhase) -> None:
        if self.status.phase != phase:
            self.status.phase = phase
            self.status.reason = self.status.message = None
            self.persist()

    async def _complete(self, phase: PodPhase, reason: str | None, message: str | None,
                        result: TaskResult | None) -> None:
        """Remove the containers (logs and outputs are saved by now), then report the final status.

        Removing first: whoever sees the final status may close the provider at once.
        """
        if not self.ctx.keep_containers:
            await self.remove_containers()
        self._finish(phase, reason, message, result)

    def _finish(self, phase: PodPhase, reason: str | None, message: str | None, result: TaskResult | None) -> None:
        self.status.reason, self.status.message = reason, message
        self.status.task_result = result
        self.status.finished_at = time.time()
        self.status.phase = phase
        self.persist()

    def persist(self) -> None:
        write_json(self.dirs.status_file, status_to_json(self.status))
        self._notify(self.status)


__all__ = ["PodRun", "RunContext", "remove_pod_containers", "CacheHooks", "DEADLINE_MESSAGE", "MATCHED_CACHE_ANNOTATION"]
