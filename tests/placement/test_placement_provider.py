"""PlacementProvider over a real ProcessProvider: queued pods, deletion, cost, adoption after a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from podfleet.placement import PlacementProvider
from podfleet.placement.fleet import Fleet, Zone
from podfleet.providers.contract import PodPhase, PodStatus
from podfleet.providers.process import ProcessProvider
from podfleet.resources.pod import Pod


def make(name: str, seconds: str) -> Pod:
    return Pod.model_validate({
        "metadata": {"name": name, "namespace": "argo", "labels": {"workflows.argoproj.io/workflow": "wf"},
                     "annotations": {"podfleet.io/template": "{}", "k8s.aliyun.com/eci-use-specs": "1-2Gi"}},
        "spec": {"containers": [{"name": "main", "image": "x", "command": ["sh", "-c", f"sleep {seconds}"]}]}})


def placement(home: Path) -> PlacementProvider:
    fleet = Fleet([Zone("vsw-a", "process", None, None, 1, True)])
    return PlacementProvider(lambda _name: ProcessProvider(home), fleet, home=home)


async def until(events: object, name: str, phase: PodPhase) -> PodStatus:
    async for status in events:  # type: ignore[attr-defined]
        if status.name == name and status.phase is phase:
            return status
    raise AssertionError("event stream ended")


def test_a_pod_waits_for_capacity_can_be_deleted_while_waiting_and_completed_pods_carry_their_cost(
        tmp_path: Path) -> None:
    async def main() -> None:
        provider = placement(tmp_path)
        events = provider.events()
        try:
            await provider.create_pod(make("first", "0.3"))
            await provider.create_pod(make("second", "0.1"))
            await provider.create_pod(make("third", "0.1"))
            waiting = await provider.get_pod_status("argo", "second")
            assert waiting is not None and waiting.phase is PodPhase.PENDING
            assert waiting.reason == "ContainerInstanceScheduling" and "1 pod(s) queued" in (waiting.message or "")
            await provider.delete_pod("argo", "second")
            deleted = await until(events, "second", PodPhase.FAILED)
            assert deleted.reason == "Deleted"
            assert await provider.get_pod_status("argo", "second") is None
            first = await until(events, "first", PodPhase.SUCCEEDED)
            assert first.annotations["k8s.aliyun.com/eci-instance-spec"] == "1-2Gi"
            assert float(first.annotations["podfleet.io/cost"]) > 0 and first.annotations["podfleet.io/billed-seconds"] == "1"
            third = await until(events, "third", PodPhase.SUCCEEDED)  # placed once `first` freed the slot
            assert third.started_at is not None and first.finished_at is not None
            assert third.started_at >= first.finished_at
        finally:
            await provider.close()

    asyncio.run(main())


def test_a_restarted_placement_layer_counts_the_pods_still_running(tmp_path: Path) -> None:
    async def main() -> None:
        provider = placement(tmp_path)
        await provider.create_pod(make("long", "1"))
        await provider.close()  # the sandbox keeps running
        again = placement(tmp_path)
        try:
            await again.create_pod(make("next", "0.1"))
            status = await again.get_pod_status("argo", "next")
            assert status is not None and status.reason == "ContainerInstanceScheduling"
            assert again.snapshot()["zones"][0]["used"]["pods"] == 1
            events = again.events()
            await until(events, "next", PodPhase.SUCCEEDED)
        finally:
            await again.close()

    asyncio.run(main())
