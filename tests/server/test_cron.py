"""CronWorkflow scheduling: on the minute, Forbid/Replace/Allow, deadlines, when, suspend, history."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from podfleet.cron import CronScheduler
from podfleet.cron.schedule import last_due
from podfleet.store import open_store
from tests.server.conftest import Server

T0 = datetime(2030, 1, 1, 12, 0, 30, tzinfo=timezone.utc)


def cron_obj(name: str = "tick", **spec: object) -> dict:
    body = {"schedules": ["* * * * *"], "workflowSpec": {"entrypoint": "main", "templates": [
        {"name": "main", "container": {"image": "alpine", "command": ["true"]}}]}}
    body.update(spec)
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
            "metadata": {"name": name, "namespace": "default"}, "spec": body}


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def _scheduler(tmp_path: Path, cron: dict) -> tuple[CronScheduler, Clock]:
    store = open_store(tmp_path / "store.db")
    created = await store.create(cron)
    # The CronWorkflow was created at T0 (the store stamps real time; pretend it was T0).
    created["metadata"]["creationTimestamp"] = T0.strftime("%Y-%m-%dT%H:%M:%SZ")
    await store.update(created)
    clock = Clock(T0)
    return CronScheduler(store, clock=clock), clock


async def _phase(store: object, name: str, phase: str) -> None:
    wf = await store.get("Workflow", "default", name, with_nodes=False)  # type: ignore[attr-defined]
    wf["status"] = {"phase": phase, "finishedAt": "2030-01-01T12:00:00Z"}
    await store.update(wf)  # type: ignore[attr-defined]


def test_every_minute_fires_on_the_minute_and_forbid_skips_while_running(tmp_path: Path) -> None:
    async def main() -> None:
        sched, clock = await _scheduler(tmp_path, cron_obj(concurrencyPolicy="Forbid"))
        assert await sched.tick() == []  # 12:00:30: nothing due yet
        clock.now = T0 + timedelta(seconds=29)  # 12:00:59
        assert await sched.tick() == []
        clock.now = T0 + timedelta(seconds=30)  # 12:01:00 exactly
        fired = await sched.tick()
        assert [w["metadata"]["name"] for w in fired] == [f"tick-{int(clock.now.timestamp())}"]
        wf = fired[0]
        assert wf["metadata"]["labels"]["workflows.argoproj.io/cron-workflow"] == "tick"
        assert wf["metadata"]["annotations"]["workflows.argoproj.io/scheduled-time"] == "2030-01-01T12:01:00Z"
        assert await sched.tick() == []  # same minute: not again
        clock.now = T0 + timedelta(seconds=91)  # 12:02:01, the first child still running → Forbid
        assert await sched.tick() == []
        cron = await sched.store.get("CronWorkflow", "default", "tick")
        assert cron["status"]["lastScheduledTime"] == "2030-01-01T12:01:00Z"
        assert [a["name"] for a in cron["status"]["active"]] == [wf["metadata"]["name"]]
        await _phase(sched.store, wf["metadata"]["name"], "Succeeded")
        clock.now = T0 + timedelta(seconds=150)  # 12:03:00, nothing running → fires
        assert len(await sched.tick()) == 1
        await sched.store.close()

    asyncio.run(main())


def test_replace_terminates_and_allow_overlaps(tmp_path: Path) -> None:
    async def main() -> None:
        sched, clock = await _scheduler(tmp_path, cron_obj(concurrencyPolicy="Replace"))
        clock.now = T0 + timedelta(seconds=30)
        first = (await sched.tick())[0]
        clock.now = T0 + timedelta(seconds=90)
        second = (await sched.tick())[0]
        old = await sched.store.get("Workflow", "default", first["metadata"]["name"])
        assert old["spec"]["shutdown"] == "Terminate"
        assert "shutdown" not in second["spec"]
        await sched.store.close()

    asyncio.run(main())
    (tmp_path / "b").mkdir()

    async def allow() -> None:
        sched, clock = await _scheduler(tmp_path / "b", cron_obj(concurrencyPolicy="Allow"))
        for minute in (1, 2, 3):
            clock.now = T0 + timedelta(seconds=30 + 60 * (minute - 1))
            assert len(await sched.tick()) == 1
        assert len(await sched.store.list("Workflow", "default")) == 3
        await sched.store.close()

    asyncio.run(allow())


def test_deadline_suspend_when_and_history(tmp_path: Path) -> None:
    async def main() -> None:
        sched, clock = await _scheduler(tmp_path, cron_obj(startingDeadlineSeconds=5,
                                                           successfulJobsHistoryLimit=1))
        clock.now = T0 + timedelta(seconds=40)  # 10 s after 12:01:00, deadline 5 s: missed
        assert await sched.tick() == []
        cron = await sched.store.get("CronWorkflow", "default", "tick")
        cron["spec"]["suspend"] = True
        await sched.store.update(cron)
        clock.now = T0 + timedelta(seconds=90)
        assert await sched.tick() == []
        cron = await sched.store.get("CronWorkflow", "default", "tick")
        cron["spec"]["suspend"] = False
        cron["spec"]["when"] = "{{= cronworkflow.name == 'other' }}"
        await sched.store.update(cron)
        clock.now = T0 + timedelta(seconds=150)
        assert await sched.tick() == []
        cron = await sched.store.get("CronWorkflow", "default", "tick")
        cron["spec"]["when"] = "{{= cronworkflow.name == 'tick' }}"
        await sched.store.update(cron)
        names = []
        for minute in (4, 5, 6):
            clock.now = T0 + timedelta(seconds=30 + 60 * (minute - 1))
            fired = await sched.tick()
            assert len(fired) == 1
            names.append(fired[0]["metadata"]["name"])
            await _phase(sched.store, names[-1], "Succeeded")
        await sched.tick()
        left = [w["metadata"]["name"] for w in await sched.store.list("Workflow", "default")]
        assert len(left) == 1  # successfulJobsHistoryLimit: 1
        await sched.store.close()

    asyncio.run(main())


def test_timezone_and_legacy_schedule() -> None:
    now = datetime(2030, 1, 1, 12, 0, 10, tzinfo=timezone.utc)
    # 07:00 in New York is 12:00 UTC in January.
    assert last_due("0 7 * * *", after=now - timedelta(hours=1), now=now,
                    timezone_name="America/New_York") == datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert last_due("0 7 * * *", after=now - timedelta(hours=1), now=now) is None
    assert last_due("CRON_TZ=Asia/Tokyo 0 21 * * *", after=now - timedelta(minutes=5), now=now) is not None


def test_server_runs_cron_workflows_and_forbid_holds(server: Server) -> None:
    """Real time, bounded: an `@every 1s` schedule with Forbid and a child that runs 4 s."""
    cron = cron_obj("real", schedules=["@every 1s"], concurrencyPolicy="Forbid")
    cron["spec"]["workflowSpec"]["templates"][0]["container"]["command"] = ["sleep", "4"]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        resp = client.post("/api/v1/cron-workflows/default", json={"cronWorkflow": cron})
        assert resp.status_code == 200, resp.text
        deadline = time.monotonic() + 20
        children: list[dict] = []
        while time.monotonic() < deadline and not children:
            children = client.get("/api/v1/workflows/default", params={
                "listOptions.labelSelector": "workflows.argoproj.io/cron-workflow=real"}).json()["items"]
            time.sleep(0.3)
        assert len(children) == 1
        time.sleep(2.5)  # several schedule ticks while the child still runs
        children = client.get("/api/v1/workflows/default", params={
            "listOptions.labelSelector": "workflows.argoproj.io/cron-workflow=real"}).json()["items"]
        assert len(children) == 1  # Forbid: no second child while the first runs
        assert client.put("/api/v1/cron-workflows/default/real/suspend", json={}).json()["spec"]["suspend"] is True
        assert client.delete("/api/v1/cron-workflows/default/real").status_code == 200
        metrics = client.get("/metrics").text
        assert 'argo_workflows_cronworkflows_triggered_total{name="real",namespace="default"} 1.0' in metrics
        assert 'argo_workflows_cronworkflows_concurrencypolicy_triggered_total{concurrency_policy="Forbid"' in metrics


@pytest.mark.parametrize("bad", [["61 * * * *"], ["not a schedule"]])
def test_bad_schedule_is_400(server: Server, bad: list[str]) -> None:
    resp = httpx.post(f"{server.url}/api/v1/cron-workflows/default",
                      json={"cronWorkflow": cron_obj("bad", schedules=bad)})
    assert resp.status_code == 400 and resp.json()["code"] == 3
