"""The CronWorkflow controller: one `tick()` looks at every CronWorkflow once.

For each one not suspended it finds the latest due time after `lastScheduledTime` (or
its creation); a due time later than `startingDeadlineSeconds` (10 s when unset: only
"now" fires, missed runs are not made up, as with Argo) is skipped, `when` is evaluated
with `cronworkflow.*` variables, and concurrencyPolicy decides about running children:
Allow starts another, Forbid skips, Replace terminates them first. The child is named
`<cron>-<unix time of the due minute>`, so two schedulers sharing a store cannot start
it twice. Finished children beyond successful/failedJobsHistoryLimit (3 and 1) are deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from podfleet.controller import operations
from podfleet.controller.nodes import parse_time, rfc3339
from podfleet.cron.schedule import latest_due
from podfleet.errors import ConflictError, NotFoundError, PodfleetError
from podfleet.expressions import exprlang
from podfleet.store.contract import Obj, Store

log = logging.getLogger("podfleet.cron")
CRON_LABEL = "workflows.argoproj.io/cron-workflow"
SCHEDULED_ANNOTATION = "workflows.argoproj.io/scheduled-time"
DEFAULT_GRACE = 10.0
COMPLETED = ("Succeeded", "Failed", "Error")

Create = Callable[[Obj], Awaitable[Obj]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CronScheduler:
    def __init__(self, store: Store, create: Create | None = None, *, clock: Callable[[], datetime] = _now,
                 on_triggered: Callable[[str, str], None] | None = None,
                 on_policy: Callable[[str, str, str], None] | None = None) -> None:
        self.store = store
        self._create: Create = create or store.create
        self.clock = clock
        self._on_triggered = on_triggered or (lambda ns, name: None)
        self._on_policy = on_policy or (lambda ns, name, policy: None)
        # Due times already decided (skipped by `when` or a policy), so they are not re-examined every tick.
        self._decided: dict[tuple[str, str], datetime] = {}
        self.queue_depth = 0

    async def run(self, interval: float = 1.0) -> None:
        while True:
            try:
                await self.tick()
            except PodfleetError as err:
                log.warning("cron: %s", err)
            await asyncio.sleep(interval)

    async def tick(self) -> list[Obj]:
        """Consider every CronWorkflow once; returns the workflows started."""
        started: list[Obj] = []
        crons = await self.store.list("CronWorkflow")
        self.queue_depth = len(crons)
        for cron in crons:
            try:
                wf = await self._consider(cron)
            except PodfleetError as err:
                meta = cron.get("metadata") or {}
                log.warning("cron workflow %s/%s: %s", meta.get("namespace"), meta.get("name"), err)
                continue
            finally:
                self.queue_depth -= 1
            if wf is not None:
                started.append(wf)
        self.queue_depth = 0
        return started

    async def _children(self, namespace: str, name: str) -> list[Obj]:
        return await self.store.list("Workflow", namespace, label_selector={CRON_LABEL: name})

    async def _consider(self, cron: Obj) -> Obj | None:
        meta, spec = cron["metadata"], cron.get("spec") or {}
        ns, name = meta.get("namespace", "default"), meta["name"]
        now = self.clock()
        children = await self._children(ns, name)
        await self._prune(spec, children)
        status = cron.get("status") or {}
        after = parse_time(status.get("lastScheduledTime")) or parse_time(meta.get("creationTimestamp")) or now
        if spec.get("suspend"):
            return None
        due = latest_due(spec, after=after, now=now)
        if due is None or self._decided.get((ns, name)) == due:
            return None
        grace = spec.get("startingDeadlineSeconds")
        grace = float(grace) if isinstance(grace, (int, float)) and not isinstance(grace, bool) else DEFAULT_GRACE
        if (now - due).total_seconds() > grace:
            self._decided[(ns, name)] = due
            return None
        if spec.get("when") and not self._when(spec["when"], cron, children, now):
            self._decided[(ns, name)] = due
            return None
        active = [c for c in children if (c.get("status") or {}).get("phase") not in COMPLETED]
        policy = spec.get("concurrencyPolicy") or "Allow"
        if active and policy == "Forbid":
            self._decided[(ns, name)] = due
            self._on_policy(ns, name, "Forbid")
            return None
        if active and policy == "Replace":
            self._on_policy(ns, name, "Replace")
            for child in active:
                await self._terminate(child)
        wf = self._child(cron, due)
        try:
            created = await self._create(wf)
        except ConflictError:
            created = None  # another scheduler on this store started it already
        self._decided[(ns, name)] = due
        if created is not None:
            self._on_triggered(ns, name)
        await self._record(ns, name, due, created)
        return created

    def _when(self, expression: str, cron: Obj, children: list[Obj], now: datetime) -> bool:
        text = expression.strip()
        if text.startswith("{{") and text.endswith("}}"):
            text = text[2:-2].strip()
            text = text[1:].strip() if text.startswith("=") else text
        meta, status = cron["metadata"], cron.get("status") or {}
        last = parse_time(status.get("lastScheduledTime"))
        scope = {"cronworkflow.name": meta["name"], "cronworkflow.namespace": meta.get("namespace", ""),
                 "cronworkflow.lastScheduledTime": last,
                 "cronworkflow.failed": int(status.get("failed") or 0),
                 "cronworkflow.succeeded": int(status.get("succeeded") or 0)}
        for key, value in (meta.get("labels") or {}).items():
            scope[f"cronworkflow.labels.{key}"] = value
        for key, value in (meta.get("annotations") or {}).items():
            scope[f"cronworkflow.annotations.{key}"] = value
        env = exprlang.build_env(scope)
        env["now"] = lambda: now
        return exprlang.evaluate_bool(text, env)

    def _child(self, cron: Obj, due: datetime) -> Obj:
        meta, spec = cron["metadata"], cron.get("spec") or {}
        wf_meta = copy.deepcopy(spec.get("workflowMetadata") or {})
        labels = {**(wf_meta.get("labels") or {}), CRON_LABEL: meta["name"]}
        annotations = {**(wf_meta.get("annotations") or {}), SCHEDULED_ANNOTATION: rfc3339(due)}
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                "metadata": {"name": f"{meta['name']}-{int(due.timestamp())}", "namespace": meta.get("namespace"),
                             "labels": labels, "annotations": annotations,
                             "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
                                                  "name": meta["name"], "uid": meta.get("uid", ""),
                                                  "controller": True, "blockOwnerDeletion": True}]},
                "spec": copy.deepcopy(spec.get("workflowSpec") or {})}

    async def _terminate(self, child: Obj) -> None:
        meta = child["metadata"]
        for _ in range(10):
            try:
                obj = await self.store.get("Workflow", meta["namespace"], meta["name"], with_nodes=False)
                changes = operations.terminate(obj)
            except (NotFoundError, ConflictError):
                return  # gone, or finished meanwhile
            obj.setdefault("spec", {}).update(changes.spec_changes)
            try:
                await self.store.update(obj)
                return
            except ConflictError:
                continue

    async def _record(self, namespace: str, name: str, due: datetime, created: Obj | None) -> None:
        for _ in range(10):
            try:
                cron = await self.store.get("CronWorkflow", namespace, name)
            except NotFoundError:
                return
            children = await self._children(namespace, name)
            status = cron.setdefault("status", {})
            status["lastScheduledTime"] = rfc3339(due)
            status["active"] = [{"kind": "Workflow", "namespace": namespace, "name": c["metadata"]["name"],
                                 "uid": c["metadata"].get("uid"), "apiVersion": "argoproj.io/v1alpha1"}
                                for c in children if (c.get("status") or {}).get("phase") not in COMPLETED]
            status["succeeded"] = sum(1 for c in children if (c.get("status") or {}).get("phase") == "Succeeded")
            status["failed"] = sum(1 for c in children if (c.get("status") or {}).get("phase") in ("Failed", "Error"))
            status["phase"] = "Active"
            status.setdefault("conditions", [])
            try:
                await self.store.update(cron)
                return
            except ConflictError:
                continue

    async def _prune(self, spec: dict[str, Any], children: list[Obj]) -> None:
        limits = {"Succeeded": spec.get("successfulJobsHistoryLimit"), "Failed": spec.get("failedJobsHistoryLimit")}
        keep = {"Succeeded": 3 if limits["Succeeded"] is None else int(limits["Succeeded"]),
                "Failed": 1 if limits["Failed"] is None else int(limits["Failed"])}
        for outcome in ("Succeeded", "Failed"):
            phases = ("Succeeded",) if outcome == "Succeeded" else ("Failed", "Error")
            done = [c for c in children if (c.get("status") or {}).get("phase") in phases]
            done.sort(key=lambda c: (c.get("status") or {}).get("finishedAt") or c["metadata"].get(
                "creationTimestamp", ""), reverse=True)
            for old in done[keep[outcome]:]:
                with contextlib.suppress(NotFoundError):
                    await self.store.delete("Workflow", old["metadata"]["namespace"], old["metadata"]["name"])


def clock_at(moment: datetime) -> Callable[[], datetime]:
    """A frozen clock (tests)."""
    return lambda: moment


__all__ = ["CronScheduler", "CRON_LABEL", "SCHEDULED_ANNOTATION", "clock_at"]
