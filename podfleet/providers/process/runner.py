"""One pod's life on this machine, resumable after a controller restart.

Every step checks the pod directory before acting: a container whose `proc.json`
exists was started already (by us or a provider that died) and is watched, never
started twice; a container whose `exit.json` holds an exit code is done. So running
the same `PodRun` again on an adopted pod continues exactly where the last one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.podconfig import pod_artifacts
from podfleet.datacache.mount import DATASETS_ANNOTATION, dataset_read_failures
from podfleet.errors import PodfleetError
from podfleet.executor import MAIN_CONTAINER, captures_result, collect_outputs, pod_template, stage_inputs
from podfleet.executor.layout import workflow_name
from podfleet.providers.contract import ContainerState, PodPhase, PodStatus, TaskResult
from podfleet.providers.process import cgroups, procs
from podfleet.providers.process.hostfs import RootedFilesystem
from podfleet.providers.process.podspec import ContainerPlan, plan_container, volume_source
from podfleet.providers.process.procs import ProcessRef
from podfleet.providers.process.sandbox import STATUS_FD, SandboxMode, SandboxSpec, build_argv, prepare_root
from podfleet.providers.podstate import PodDir, exit_code_of, read_json, status_to_json, write_json
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.providers.process")

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


@dataclass
class RunnerConfig:
    home: Path
    mode: SandboxMode
    tool: str
    cgroups: cgroups.CgroupSupport | None
    repository: ArtifactRepository | None
    sidecar_grace: float = 2.0


@dataclass
class _Stop:
    reason: str
    message: str
    grace: float


class PodRun:
    def __init__(self, pod: Pod, dirs: PodDir, config: RunnerConfig, status: PodStatus,
                 notify: Callable[[PodStatus], None], *, fresh: bool) -> None:
        self.pod = pod
        # A fresh pod was created by this provider: nothing on disk to resume, so the
        # hot path skips every "was this done before?" read.
        self.fresh = fresh
        self.dirs = dirs
        self.config = config
        self.status = status
        self._notify = notify  # (status, phase changed)
        self._stop: _Stop | None = None
        self._stop_event = asyncio.Event()
        self._refs: dict[str, ProcessRef] = {}
        self._waiters: dict[str, asyncio.Task[int]] = {}
        self._groups: dict[str, dict[str, Path]] = {} if fresh else self._load_groups()
        self._prepared: set[str] = set()
        self.task: asyncio.Task[None] | None = None

    # -- public -------------------------------------------------------------------------
    def request_stop(self, reason: str, message: str, grace: float) -> None:
        if self._stop is None:
            self._stop = _Stop(reason, message, grace)
            self._stop_event.set()

    @property
    def grace(self) -> float:
        value = self.pod.spec.termination_grace_period_seconds
        return 30.0 if value is None else float(value)

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            # Provider closing: sandboxes keep running and a new provider adopts them;
            # only our watchers stop.
            for waiter in self._waiters.values():
                waiter.cancel()
            raise
        except Exception as err:  # noqa: BLE001 - a provider bug must fail the pod, not hang it
            log.exception("pod %s/%s: provider error", self.pod.namespace, self.pod.name)
            await self._kill_all(0)
            self._finish(PodPhase.FAILED, "Error", f"process provider error: {err}", None)

    # -- the life ---------------------------------------------------------------------
    async def _run(self) -> None:
        if self.status.phase.completed:
            return
        deadline = self.pod.spec.active_deadline_seconds
        timer = None
        if deadline is not None:
            delay = max(0.0, (self.status.started_at or time.time()) + deadline - time.time())
            timer = asyncio.get_running_loop().call_later(
                delay, self.request_stop, "DeadlineExceeded", DEADLINE_MESSAGE, self.grace)
        try:
            await self._lifecycle()
        finally:
            if timer is not None:
                timer.cancel()

    async def _lifecycle(self) -> None:
        try:
            template = pod_template(self.pod)
            # Dataset volumes are materialised while planning (I/O): off the event loop.
            datasets = DATASETS_ANNOTATION in (self.pod.metadata.annotations or {})
            plans = await asyncio.to_thread(self._plan) if datasets else self._plan()
        except PodfleetError as err:
            self._finish(PodPhase.FAILED, "Error", err.message, TaskResult(error=err.message))
            return
        for container in self.pod.spec.init_containers or ():
            code = await self._run_to_end(plans[str(container.name)])
            if self._stop is not None:
                return await self._finish_stopped()
            if code != 0:
                message = f"init container {container.name!r} failed with exit code {code}"
                self._finish(PodPhase.FAILED, "Init:Error", message, None)
                return
        main = plans.get(MAIN_CONTAINER) or plans[str(self.pod.spec.containers[0].name)]
        main_fs = RootedFilesystem(self.dirs.root(main.name), main.host_mounts())
        try:
            artifacts = pod_artifacts(self.pod.metadata.annotations, self.config.repository)
        except PodfleetError as err:
            self._finish(PodPhase.FAILED, "Error", err.message, TaskResult(error=err.message))
            return
        # Staging is idempotent; it only must not happen again once main has started.
        if self.fresh or not self.dirs.proc_file(main.name).exists():
            try:
                self._prepare_fs(main)
                if _needs_thread(template, "inputs"):
                    await asyncio.to_thread(stage_inputs, template, main_fs, artifacts)
                else:
                    stage_inputs(template, main_fs, artifacts)
            except PodfleetError as err:
                message = err.message if "artifact" in err.message else f"failed to stage inputs: {err.message}"
                self._finish(PodPhase.FAILED, "Error", message, TaskResult(error=message))
                return
        capture = captures_result(self.pod, template)
        for container in self.pod.spec.containers:
            self._start(plans[str(container.name)], tee=capture and container.name == main.name)
        self._set_phase(PodPhase.RUNNING)
        stop_wait = asyncio.ensure_future(self._stop_event.wait())
        try:
            await asyncio.wait({self._waiters[main.name], stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()
        if self._stop is not None:
            return await self._finish_stopped()
        code = await self._waiters[main.name]
        await self._kill_all(min(self.config.sidecar_grace, self.grace))
        collect = functools.partial(
            collect_outputs, template, main_fs, self.dirs.stdout(main.name) if capture else None, exit_code=code,
            repository=artifacts, workflow_name=workflow_name(self.pod), pod_name=self.pod.name,
            log_path=self.dirs.log(main.name))
        needs_thread = _needs_thread(template, "outputs") or (artifacts is not None and artifacts.archive_logs)
        result = await asyncio.to_thread(collect) if needs_thread else collect()
        state = self.status.container(main.name)
        if result.error:
            self._finish(PodPhase.FAILED, "Error", result.error, result)
        elif code == 0:
            self._finish(PodPhase.SUCCEEDED, None, None, result)
        else:
            reason = state.reason if state else None
            self._finish(PodPhase.FAILED, reason if reason == "OOMKilled" else None, None, result)

    def _plan(self) -> dict[str, ContainerPlan]:
        volumes = {v.name: volume_source(self.pod, v, self.dirs, self.config.home) for v in self.pod.spec.volumes or ()}
        all_containers = list(self.pod.spec.init_containers or ()) + list(self.pod.spec.containers)
        return {str(c.name): plan_container(self.pod, c, volumes) for c in all_containers}

    def _prepare_fs(self, plan: ContainerPlan) -> None:
        if plan.name in self._prepared:
            return
        self._prepared.add(plan.name)
        prepare_root(self.dirs.root(plan.name), plan.mounts, self.config.mode)
        RootedFilesystem(self.dirs.root(plan.name), plan.host_mounts()).makedirs(plan.cwd)

    # -- containers -------------------------------------------------------------------
    async def _run_to_end(self, plan: ContainerPlan) -> int:
        self._start(plan, tee=False)
        stop_wait = asyncio.ensure_future(self._stop_event.wait())
        try:
            await asyncio.wait({self._waiters[plan.name], stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()
        if self._stop is not None:
            return -1
        return await self._waiters[plan.name]

    def _start(self, plan: ContainerPlan, *, tee: bool) -> None:
        """Start the container unless it was started before (adoption), then watch it."""
        if plan.name in self._waiters:
            return
        record = None if self.fresh else read_json(self.dirs.proc_file(plan.name))
        if record is None and not self.fresh:
            record = self._record_from_status_file(plan.name)
        tee_ref = None
        if record is None:
            self._prepare_fs(plan)
            ref, tee_ref = self._spawn(plan, tee)
            started, own = time.time(), True
            record = {"sandbox": ref.to_json(), "tee": tee_ref.to_json() if tee_ref else None, "started_at": started}
            write_json(self.dirs.proc_file(plan.name), record)
        else:
            ref = ProcessRef.from_json(record["sandbox"])
            tee_ref = ProcessRef.from_json(record["tee"]) if record.get("tee") else None
            started, own = float(record.get("started_at") or 0) or None, False
        if self.status.container(plan.name) is None:
            self._set_container(ContainerState(plan.name, started_at=started))
        self._refs[plan.name] = ref
        self._waiters[plan.name] = asyncio.ensure_future(self._watch(plan.name, ref, tee_ref, own=own))

    def _record_from_status_file(self, name: str) -> dict[str, object] | None:
        """A controller that died between spawning a sandbox and writing proc.json left no
        record, but the sandbox's own status file (bwrap's --json-status-fd, created at
        spawn) says whether it started: if its command got going, adopt it from there
        rather than run it a second time; if it did not, start afresh on a clean root."""
        status_file = self.dirs.exit_file(name)
        if not status_file.exists():
            return None
        child = None
        for line in status_file.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError, TypeError, ValueError):
                child = int(json.loads(line)["child-pid"])
                break
        if child is None:
            shutil.rmtree(self.dirs.root(name), ignore_errors=True)
            status_file.unlink(missing_ok=True)
            return None
        record = {"sandbox": procs.ProcessRef(child, procs.start_ticks(child)).to_json(), "tee": None,
                  "started_at": status_file.stat().st_mtime}
        write_json(self.dirs.proc_file(name), record)
        return record

    def _spawn(self, plan: ContainerPlan, tee: bool) -> tuple[ProcessRef, ProcessRef | None]:
        container = next(c for c in [*(self.pod.spec.init_containers or ()), *self.pod.spec.containers]
                         if c.name == plan.name)
        groups: dict[str, Path] = {}
        if self.config.cgroups is not None:
            wanted = cgroups.limits_of(container)
            if wanted:
                groups = cgroups.create(self.config.cgroups, f"{self.pod.namespace}_{self.pod.name}", plan.name, wanted)
                self._groups[plan.name] = groups
                write_json(self.dirs.cgroups_file,
                           {k: {c: str(p) for c, p in v.items()} for k, v in self._groups.items()})
        spec = SandboxSpec(root=self.dirs.root(plan.name), hostname=self.pod.name[:63], argv=plan.argv,
                           cwd=plan.cwd, mounts=plan.mounts,
                           cgroup_procs=[p / "cgroup.procs" for p in groups.values()])
        argv = build_argv(self.config.mode, self.config.tool, spec)
        log_path = self.dirs.log(plan.name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        extra = {STATUS_FD: str(self.dirs.exit_file(plan.name))}
        if not tee:
            ref = procs.spawn(argv, plan.env, stdout=str(log_path), stderr=str(log_path), extra_fds=extra)
            return ref, None
        # main's stdout goes to the log *and* to its own file (outputs.result is stdout only),
        # through a `tee` that, like the sandbox, lives on without us.
        read_end, write_end = os.pipe()
        try:
            ref = procs.spawn(argv, plan.env, stdout=write_end, stderr=str(log_path), extra_fds=extra)
            os.close(write_end)
            write_end = -1
            tee_ref = procs.spawn(["/usr/bin/tee", "-a", str(self.dirs.stdout(plan.name))], {"PATH": "/usr/bin:/bin"},
                                  stdin=read_end, stdout=str(log_path), stderr=str(log_path))
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        return ref, tee_ref

    async def _watch(self, name: str, ref: ProcessRef, tee_ref: ProcessRef | None, *, own: bool) -> int:
        reaped = await procs.wait_exit(ref, own=own)
        if tee_ref is not None:
            await procs.wait_exit(tee_ref, own=own)
        code = exit_code_of(self.dirs.exit_file(name))
        message = None
        if code is None:
            code = reaped if reaped is not None else 1
            message = "the sandbox exited without reporting the container's exit code (see its log)"
        groups = self._groups.get(name, {})
        if self._stop is not None and self._stop.reason == "DeadlineExceeded":
            reason = "DeadlineExceeded"
        elif cgroups.oom_killed(groups):
            reason = "OOMKilled"
        else:
            reason = "Completed" if code == 0 else "Error"
        if groups:
            await asyncio.to_thread(cgroups.remove, groups)
        previous = self.status.container(name) or ContainerState(name)
        if code != 0 and message is None:
            message = dataset_read_failures(self.pod.metadata.annotations, previous.started_at, time.time())
        self._set_container(ContainerState(name, exit_code=code, reason=reason, message=message,
                                           started_at=previous.started_at, finished_at=time.time()))
        return code

    def _load_groups(self) -> dict[str, dict[str, Path]]:
        saved = read_json(self.dirs.cgroups_file) or {}
        return {k: {c: Path(p) for c, p in v.items()} for k, v in saved.items()}

    async def _kill_all(self, grace: float) -> None:
        """SIGTERM every process of the pod, SIGKILL what is left after `grace` seconds."""
        running = [n for n, w in self._waiters.items() if not w.done()]
        if not running:
            return
        for name in running:
            procs.signal_tree(self._refs[name], signal.SIGTERM)
            for pid in cgroups.procs(self._groups.get(name, {})):
                _kill(pid, signal.SIGTERM)
        pending = [self._waiters[n] for n in running]
        if grace > 0:
            _, left = await asyncio.wait(pending, timeout=grace)
            pending = list(left)
        for name in running:
            if not self._waiters[name].done():
                procs.kill_tree(self._refs[name])
                for pid in cgroups.procs(self._groups.get(name, {})):
                    _kill(pid, signal.SIGKILL)
        if pending:
            await asyncio.wait(pending)

    async def _finish_stopped(self) -> None:
        assert self._stop is not None
        await self._kill_all(self._stop.grace)
        main = self.status.container(MAIN_CONTAINER)
        result = TaskResult(exit_code=main.exit_code if main else None)
        self._finish(PodPhase.FAILED, self._stop.reason, self._stop.message, result)

    # -- status -----------------------------------------------------------------------
    def _set_container(self, state: ContainerState) -> None:
        others = [c for c in self.status.containers if c.name != state.name]
        # Kept in memory and written with the next phase change: after a restart the
        # container files (proc.json, exit.json) rebuild it anyway.
        self.status.containers = others + [state]

    def _set_phase(self, phase: PodPhase) -> None:
        if self.status.phase != phase:
            self.status.phase = phase
            if phase.completed:
                self.persist()
            else:
                # Running is not written down: after a restart the container files
                # (proc.json, exit.json) show it again, and the write is a third of a
                # trivial pod's file-system cost.
                self._notify(self.status)

    def _finish(self, phase: PodPhase, reason: str | None, message: str | None, result: TaskResult | None) -> None:
        self.status.reason = reason
        self.status.message = message
        self.status.task_result = result
        self.status.finished_at = time.time()
        for groups in self._groups.values():
            cgroups.remove(groups, attempts=5)
        self.status.phase = phase
        self.persist()

    def persist(self) -> None:
        """Write the status and tell the provider (which copies it for each subscriber)."""
        write_json(self.dirs.status_file, status_to_json(self.status))
        self._notify(self.status)


def _needs_thread(template: dict[str, object], section: str) -> bool:
    """Artifacts mean real I/O (tar, copies): off the event loop. Parameters and the script are tiny."""
    part = template.get(section)
    return isinstance(part, dict) and bool(part.get("artifacts"))


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


__all__ = ["PodRun", "RunnerConfig", "DEADLINE_MESSAGE"]
