"""The runner: drives the pure `reconcile` against a real store and a real provider.

One asyncio task per workflow. Each task holds the workflow's lease, so two podfleet
processes sharing a store never run the same workflow; a lease whose holder died is
taken over (at once when the holder was a process on this host that no longer
exists, else when its TTL runs out).

A task loops: reconcile → persist the changed nodes (O(changed)) → create/delete pods →
sleep until something matters (a pod of this workflow changed phase, the stored object
was changed by someone else, or the reconcile's `requeue_after` elapsed). Pod events
arriving together are handled by one reconcile: the task only wakes once per batch.

Because reconcile is a pure function of (spec, persisted nodes, pod statuses) and pod
names are deterministic, a runner that starts after a crash simply reconciles again:
pods that are still running are adopted (`provider.list_pods()`), pods that finished
while nobody watched report their final status, and nothing runs twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from podfleet.controller.artifacts import gc_completed
from podfleet.controller.reconcile import reconcile
from podfleet.errors import ConflictError, NotFoundError, PodfleetError
from podfleet.providers.contract import PodStatus, Provider
from podfleet.resources.kinds import Workflow
from podfleet.resources.podlayout import WORKFLOW_LABEL
from podfleet.store.contract import Obj, Store

LEASE_TTL = 15.0


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_dead(holder: str) -> bool:
    """True when `holder` names a process on this host that no longer exists."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class StoreResolver:
    """The controller's `Resolver`: WorkflowTemplates and ConfigMaps from a store snapshot.

    Reconcile is synchronous, so what it may look up is loaded before each pass; the
    snapshot is refreshed only when such an object changed (see Runner._watch_store).
    """

    def __init__(self) -> None:
        self.templates: dict[tuple[str, str, bool], dict[str, Any]] = {}
        self.config_maps: dict[tuple[str, str], dict[str, Any]] = {}
        self.secrets: dict[tuple[str, str], dict[str, Any]] = {}
        self.loaded: set[str] = set()

    async def load(self, store: Store, namespace: str) -> None:
        if namespace in self.loaded:
            return
        for obj in await store.list("WorkflowTemplate", namespace):
            self.templates[(namespace, obj["metadata"]["name"], False)] = obj
        for obj in await store.list("ConfigMap", namespace):
            self.config_maps[(namespace, obj["metadata"]["name"])] = obj
        for obj in await store.list("Secret", namespace):
            self.secrets[(namespace, obj["metadata"]["name"])] = obj
        if "" not in self.loaded:
            for obj in await store.list("ClusterWorkflowTemplate"):
                self.templates[("", obj["metadata"]["name"], True)] = obj
            self.loaded.add("")
        self.loaded.add(namespace)

    def invalidate(self) -> None:
        self.templates.clear()
        self.config_maps.clear()
        self.secrets.clear()
        self.loaded.clear()

    def workflow_template(self, namespace: str, name: str, cluster_scope: bool) -> dict | None:
        return self.templates.get(("" if cluster_scope else namespace, name, cluster_scope))

    def config_map(self, namespace: str, name: str) -> dict | None:
        return self.config_maps.get((namespace, name))

    def secret(self, namespace: str, name: str) -> dict | None:
        return self.secrets.get((namespace, name))


@dataclass
class _Task:
    namespace: str
    name: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    reload: bool = False
    written_version: int = 0
    done: asyncio.Future[Obj] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _is_completed(obj: Obj) -> bool:
    return (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error")


class Runner:
    """Runs every workflow it is asked to, on one provider, until each completes."""

    def __init__(self, store: Store, provider: Provider, *, holder: str | None = None,
                 lease_ttl: float = LEASE_TTL, now: Callable[[], datetime] | None = None,
                 on_change: Callable[[Obj], None] | None = None,
                 on_operation: Callable[[float], None] | None = None) -> None:
        self.store = store
        self.provider = provider
        self.holder = holder or default_holder()
        self.lease_ttl = lease_ttl
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._on_change = on_change
        # Told the seconds each reconcile pass took, persisting included (server metrics).
        self._on_operation = on_operation
        self._pods: dict[tuple[str, str], PodStatus] = {}
        self._pods_by_workflow: dict[tuple[str, str], set[str]] = {}
        self._tasks: dict[tuple[str, str], _Task] = {}
        self._resolver = StoreResolver()
        self._background: list[asyncio.Task[Any]] = []
        self._started = False

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for status in await self.provider.list_pods():
            self._remember_pod(status)
        self._background.append(asyncio.create_task(self._pump_pod_events(), name="pod-events"))
        self._background.append(asyncio.create_task(self._watch_store(), name="store-watch"))

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()
        for key in list(self._tasks):
            with contextlib.suppress(PodfleetError):
                await self.store.release_lease(self._lease_key(*key), self.holder)

    async def run_workflow(self, namespace: str, name: str) -> Obj:
        """Drive one workflow until it completes; returns the final stored object."""
        await self.start()
        key = (namespace, name)
        task = self._tasks.get(key)
        if task is not None and task.done.done():
            # A finished workflow runs again (retry in a long-lived runner): pods deleted
            # since must not be remembered, or their old status would fail the new nodes.
            await self._forget_gone_pods(namespace, name)
            task = None
        if task is None:
            task = _Task(namespace, name)
            self._tasks[key] = task
            asyncio.create_task(self._drive(task), name=f"workflow/{namespace}/{name}")
        return await asyncio.shield(task.done)

    async def run_until_idle(self, *, idle_grace: float = 2.0) -> None:
        """Adopt every unfinished workflow in the store and return once none is left.

        New workflows created meanwhile (by `podfleet submit` in another process) are
        picked up too; the runner exits after `idle_grace` seconds with nothing to do.
        """
        await self.start()
        idle_since: float | None = None
        while True:
            for obj in await self.store.list("Workflow"):
                meta = obj["metadata"]
                key = (meta.get("namespace", ""), meta["name"])
                if not _is_completed(obj) and key not in self._tasks:
                    holder = await self._holder_of(*key)
                    if holder in (None, self.holder) or _holder_is_dead(holder):
                        task = _Task(*key)
                        self._tasks[key] = task
                        asyncio.create_task(self._drive(task), name=f"workflow/{key[0]}/{key[1]}")
            running = [t for t in self._tasks.values() if not t.done.done()]
            if running:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= idle_grace:
                return
            await asyncio.sleep(0.2)

    # -- per workflow ------------------------------------------------------------------

    @staticmethod
    def _lease_key(namespace: str, name: str) -> str:
        return f"workflow/{namespace}/{name}"

    async def _holder_of(self, namespace: str, name: str) -> str | None:
        lease_holder = getattr(self.store, "lease_holder", None)
        if lease_holder is None:
            return None
        holder: str | None = await lease_holder(self._lease_key(namespace, name))
        return holder

    async def _acquire(self, task: _Task) -> None:
        key = self._lease_key(task.namespace, task.name)
        while not await self.store.acquire_lease(key, self.holder, self.lease_ttl):
            holder = await self._holder_of(task.namespace, task.name)
            if holder and _holder_is_dead(holder):
                await self.store.release_lease(key, holder)
                continue
            obj = await self.store.get("Workflow", task.namespace, task.name, with_nodes=False)
            if _is_completed(obj):
                return
            await asyncio.sleep(min(1.0, self.lease_ttl / 3))

    async def _drive(self, task: _Task) -> None:
        try:
            final = await self._drive_loop(task)
            if not task.done.done():
                task.done.set_result(final)
        except BaseException as err:  # the waiter must hear about every way the task ends
            if not task.done.done():
                task.done.set_exception(err if isinstance(err, Exception) else PodfleetError(str(err)))
            if not isinstance(err, Exception):
                raise
        finally:
            with contextlib.suppress(Exception):
                await self.store.release_lease(self._lease_key(task.namespace, task.name), self.holder)

    async def _load(self, task: _Task) -> tuple[Obj, dict[str, Obj]]:
        obj = await self.store.get("Workflow", task.namespace, task.name, with_nodes=True)
        nodes = (obj.get("status") or {}).pop("nodes", None) or {}
        task.written_version = int(obj["metadata"].get("resourceVersion", 0))
        return obj, nodes

    async def _drive_loop(self, task: _Task) -> Obj:
        await self._acquire(task)
        obj, nodes = await self._load(task)
        # The typed model is built once per load: reconcile changes only its status, so each
        # pass writes back the (small) status instead of re-validating and re-dumping the
        # whole spec, which costs O(spec) — tens of ms for a 10,000-step template.
        model = Workflow.model_validate(obj)
        lease_renewed = time.monotonic()
        quick_passes = 0
        while True:
            if task.reload:
                task.reload = False
                obj, nodes = await self._load(task)
                model = Workflow.model_validate(obj)
            began = time.monotonic()
            await self._resolver.load(self.store, task.namespace)
            pods = self._workflow_pods(task.namespace, task.name)
            actions = reconcile(model, nodes, pods, now=self._now(), resolver=self._resolver)
            changed = {nid: node if isinstance(node, dict) else node.dump()
                       for nid, node in actions.changed_nodes.items()}
            nodes.update(changed)
            obj = {**obj, "status": model.status.dump() if model.status is not None else {}}
            try:
                stored = await self.store.update(obj, nodes=changed)
            except ConflictError:
                task.reload = True
                continue
            except NotFoundError:
                return obj  # deleted while running: nothing left to drive
            task.written_version = int(stored["metadata"]["resourceVersion"])
            obj["metadata"] = stored["metadata"]
            if self._on_operation is not None:
                self._on_operation(time.monotonic() - began)
            if self._on_change is not None:
                self._on_change({**obj, "status": {**(obj.get("status") or {}), "nodes": nodes}})
            await self._apply(actions)
            if _is_completed(obj) and not actions.pods_to_create:
                final = {**obj, "status": {**(obj.get("status") or {}), "nodes": nodes}}
                await gc_completed(final, self._resolver, self.provider)
                return final
            if time.monotonic() - lease_renewed > self.lease_ttl / 3:
                await self.store.acquire_lease(self._lease_key(task.namespace, task.name), self.holder,
                                               self.lease_ttl)
                lease_renewed = time.monotonic()
            # A pass that changed nodes may have unblocked more work (a group finished, the
            # next one can start): look again at once, a bounded number of times, so a
            # reconcile that keeps reporting changes cannot spin.
            if actions.changed_nodes and quick_passes < 3:
                quick_passes += 1
                await asyncio.sleep(0)
                continue
            quick_passes = 0
            timeout = actions.requeue_after
            wait_for = self.lease_ttl / 3 if timeout is None else min(timeout, self.lease_ttl / 3)
            if not task.wake.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait_for):
                        await task.wake.wait()
            task.wake.clear()

    async def _apply(self, actions: Any) -> None:
        if actions.configmaps_to_write:
            for cm in actions.configmaps_to_write:
                await self._write_config_map(cm)
            self._resolver.invalidate()
        if actions.pods_to_create:
            await asyncio.gather(*(self.provider.create_pod(pod) for pod in actions.pods_to_create))
        for namespace, name, grace in actions.pods_to_delete:
            await self.provider.delete_pod(namespace, name, grace)

    async def _write_config_map(self, cm: dict[str, Any]) -> None:
        meta = cm["metadata"]
        try:
            current = await self.store.get("ConfigMap", meta.get("namespace", ""), meta["name"])
        except NotFoundError:
            with contextlib.suppress(ConflictError):
                await self.store.create(cm)
            return
        current["data"] = {**(current.get("data") or {}), **(cm.get("data") or {})}
        with contextlib.suppress(ConflictError):
            await self.store.update(current)

    # -- pods and store events ----------------------------------------------------------

    def _remember_pod(self, status: PodStatus) -> tuple[str, str] | None:
        self._pods[(status.namespace, status.name)] = status
        workflow = status.labels.get(WORKFLOW_LABEL)
        if not workflow:
            return None
        key = (status.namespace, workflow)
        self._pods_by_workflow.setdefault(key, set()).add(status.name)
        return key

    async def _forget_gone_pods(self, namespace: str, name: str) -> None:
        names = self._pods_by_workflow.get((namespace, name), set())
        for pod in list(names):
            if await self.provider.get_pod_status(namespace, pod) is None:
                self._pods.pop((namespace, pod), None)
                names.discard(pod)

    def _workflow_pods(self, namespace: str, name: str) -> dict[str, PodStatus]:
        names = self._pods_by_workflow.get((namespace, name), ())
        return {n: self._pods[(namespace, n)] for n in names if (namespace, n) in self._pods}

    async def _pump_pod_events(self) -> None:
        async for status in self.provider.events():
            key = self._remember_pod(status)
            task = self._tasks.get(key) if key else None
            if task is not None:
                task.wake.set()

    async def _watch_store(self) -> None:
        async for event in self.store.watch():
            if event.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate", "ConfigMap", "Secret"):
                self._resolver.invalidate()
                for task in self._tasks.values():
                    task.wake.set()
                continue
            if event.kind != "Workflow":
                continue
            task = self._tasks.get((event.namespace, event.name))
            if task is None or event.resource_version <= task.written_version:
                continue
            if event.type == "DELETED":
                await self._delete_workflow_pods(event.namespace, event.name)
            task.reload = True
            task.wake.set()

    async def _delete_workflow_pods(self, namespace: str, name: str) -> None:
        for pod in list(self._pods_by_workflow.get((namespace, name), ())):
            with contextlib.suppress(PodfleetError):
                await self.provider.delete_pod(namespace, pod, 0)
