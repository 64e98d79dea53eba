"""`policy: Cron` DataLoads, with the worker's clock moved by the test (a real schedule
would take minutes): nothing is loaded before the schedule first falls due — Fluid runs
a Cron DataLoad as a CronJob — and each due time loads again, so files added to the
store in between reach the cache."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.datacache.harness import payload

from podfleet.datacache.reconcile import Reconciler, parse_stamp
from podfleet.store import open_store


def objects(source: Path) -> list[dict[str, Any]]:
    meta = {"name": "data", "namespace": "argo"}
    return [
        {"apiVersion": "data.fluid.io/v1alpha1", "kind": "Dataset", "metadata": meta,
         "spec": {"mounts": [{"mountPoint": f"local://{source}", "name": "src"}]}},
        {"apiVersion": "data.fluid.io/v1alpha1", "kind": "JindoRuntime", "metadata": meta,
         "spec": {"replicas": 1, "tieredstore": {"levels": [{"mediumtype": "SSD", "quota": "1Gi"}]}}},
        {"apiVersion": "data.fluid.io/v1alpha1", "kind": "DataLoad", "metadata": {**meta, "name": "nightly"},
         "spec": {"dataset": {"name": "data", "namespace": "argo"}, "policy": "Cron",
                  "schedule": "*/10 * * * *"}},
    ]


def cached_files(home: Path) -> int:
    """Objects with chunks in the dataset's cache tier."""
    tier = home / "datacache" / "argo" / "data" / "L0-SSD"
    return sum(1 for d in tier.iterdir() if d.is_dir()) if tier.is_dir() else 0


def test_cron_dataload_waits_for_its_schedule_then_loads_each_time(tmp_path: Path) -> None:
    source, home = tmp_path / "bucket", tmp_path / "home"
    source.mkdir()
    (source / "a.bin").write_bytes(payload(300_000, seed=1))

    async def main() -> None:
        store = open_store(home / "store.db")
        for obj in objects(source):
            await store.create(obj)
        load = await store.get("DataLoad", "argo", "nightly")
        created = parse_stamp(load["metadata"]["creationTimestamp"])
        assert created is not None
        clock = [created]  # the moment it was applied: nothing is due yet
        worker = Reconciler(store, home, "test", clock=lambda: clock[0])

        async def settle() -> dict[str, Any]:
            for _ in range(400):
                if not await worker.pass_once():
                    break
                await asyncio.sleep(0.02)
            return dict((await store.get("DataLoad", "argo", "nightly")).get("status") or {})

        status = await settle()
        assert status.get("phase", "Pending") == "Pending" and cached_files(home) == 0  # not due yet

        first_due = (clock[0] + timedelta(minutes=10 - clock[0].minute % 10)).replace(second=0, microsecond=0)
        clock[0] = first_due + timedelta(seconds=5)
        status = await settle()
        assert status["phase"] == "Complete", status
        assert status["lastScheduleTime"] == first_due.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert cached_files(home) == 1

        (source / "b.bin").write_bytes(payload(200_000, seed=2))
        status = await settle()
        assert status["lastScheduleTime"] == first_due.strftime("%Y-%m-%dT%H:%M:%SZ")  # same due time: once
        assert cached_files(home) == 1

        clock[0] = first_due + timedelta(minutes=10, seconds=5)
        status = await settle()
        assert status["phase"] == "Complete", status
        assert parse_stamp(status["lastScheduleTime"]) == first_due + timedelta(minutes=10)
        assert cached_files(home) == 2  # the file added since the last run is warm too
        assert datetime.now(timezone.utc) - created < timedelta(minutes=5)  # the test did not really wait

    asyncio.run(main())
