"""Watch: ordered events, immediate in-process delivery, changes from other processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest

from podfleet.store import ResourceVersionTooOldError, open_store


async def take(watch, count: int, timeout: float = 5.0) -> list:
    out = []

    async def collect():
        async for event in watch:
            out.append(event)
            if len(out) == count:
                return

    await asyncio.wait_for(collect(), timeout)
    return out


async def test_events_arrive_in_resource_version_order(store_path, make_workflow):
    async with open_store(store_path) as store:
        watch = store.watch()
        obj = await store.create(make_workflow("wf"))
        obj = await store.update(obj)
        await store.create(make_workflow("other"))
        await store.delete("Workflow", "default", "wf")
        events = await take(watch, 4)
        assert [(e.type, e.name) for e in events] == [
            ("ADDED", "wf"), ("MODIFIED", "wf"), ("ADDED", "other"), ("DELETED", "wf")]
        versions = [e.resource_version for e in events]
        assert versions == sorted(versions)
        assert events[1].object["metadata"]["resourceVersion"] == str(events[1].resource_version)
        assert events[3].object is None


async def test_watch_objects_are_the_state_at_each_event_without_nodes(store_path, make_workflow):
    async with open_store(store_path) as store:
        watch = store.watch(kind="Workflow")
        obj = await store.create(make_workflow("wf", nodes=3))
        obj["status"]["phase"] = "Succeeded"
        await store.update(obj)
        added, modified = await take(watch, 2)
        assert added.object["status"]["phase"] == "Running"
        assert modified.object["status"]["phase"] == "Succeeded"
        assert "nodes" not in added.object["status"]


async def test_watch_since_replays_history_and_filters(store_path, make_workflow):
    async with open_store(store_path) as store:
        a = await store.create(make_workflow("a", namespace="one"))
        await store.create(make_workflow("b", namespace="two"))
        await store.create({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "namespace": "one"}})
        since = int(a["metadata"]["resourceVersion"]) - 1
        everything = await take(store.watch(since=since), 3)
        assert [e.name for e in everything] == ["a", "b", "c"]
        [only] = await take(store.watch("Workflow", "two", since=since), 1)
        assert only.name == "b"


async def test_in_process_changes_wake_watchers_without_polling_delay(tmp_path, make_workflow):
    # A poll interval of 30 s: only the in-process wake-up can deliver within the timeout.
    async with open_store(tmp_path / "s.db", poll_interval=30.0) as store:
        watch = store.watch()
        waiting = asyncio.create_task(take(watch, 1, timeout=2.0))
        await asyncio.sleep(0.05)  # the watcher is now blocked waiting
        started = time.monotonic()
        await store.create(make_workflow("wf"))
        [event] = await waiting
        assert event.name == "wf"
        assert time.monotonic() - started < 1.0


async def test_watch_from_now_starts_when_watch_is_called(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("before"))
        watch = store.watch()
        await store.create(make_workflow("after"))  # before iteration starts: still seen
        [event] = await take(watch, 1)
        assert event.name == "after"


WRITER = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from podfleet.store import open_store

    async def main():
        store = open_store(Path(sys.argv[1]))
        obj = await store.create({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                                  "metadata": {"name": "remote", "namespace": "default"}, "spec": {}})
        for phase in ("Running", "Succeeded"):
            obj["status"] = {"phase": phase}
            obj = await store.update(obj)
        await store.close()

    asyncio.run(main())
""")


async def test_changes_by_another_process_are_seen(store_path):
    async with open_store(store_path, poll_interval=0.05) as store:
        watch = store.watch()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, str(store_path),
                                                    stderr=subprocess.PIPE)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
        events = await take(watch, 3)
        assert [(e.type, e.object and e.object.get("status", {}).get("phase")) for e in events] == [
            ("ADDED", None), ("MODIFIED", "Running"), ("MODIFIED", "Succeeded")]
        assert (await store.get("Workflow", "default", "remote"))["status"]["phase"] == "Succeeded"


async def test_resuming_from_trimmed_history_says_too_old(store_path, make_workflow):
    async with open_store(store_path, keep_events=3) as store:
        first = await store.create(make_workflow("wf"))
        obj = first
        for _ in range(5):
            obj = await store.update(obj)
        assert await store.trim_events() > 0
        with pytest.raises(ResourceVersionTooOldError, match="too old"):
            await take(store.watch(since=int(first["metadata"]["resourceVersion"])), 1)
        # The newest events are kept and still replayable.
        recent = await take(store.watch(since=int(obj["metadata"]["resourceVersion"]) - 2), 2)
        assert [e.resource_version for e in recent] == [int(obj["metadata"]["resourceVersion"]) - 1,
                                                         int(obj["metadata"]["resourceVersion"])]


async def test_old_events_are_trimmed_by_age(store_path, make_workflow, clock):
    async with open_store(store_path, clock=clock) as store:
        obj = await store.create(make_workflow("wf"))
        clock.advance(7200)
        await store.update(obj)
        assert await store.trim_events() == 1


async def test_events_are_trimmed_automatically_while_writing(store_path, make_workflow):
    async with open_store(store_path, keep_events=10, trim_every=5) as store:
        obj = await store.create(make_workflow("wf"))
        for _ in range(30):
            obj = await store.update(obj)
        with pytest.raises(ResourceVersionTooOldError):
            await take(store.watch(since=0), 1)


async def test_closing_the_store_ends_its_watches(store_path):
    store = open_store(store_path)
    watch = store.watch()
    waiting = asyncio.create_task(take(watch, 1, timeout=5.0))
    await asyncio.sleep(0.05)
    await store.close()
    assert await waiting == []


def test_a_store_can_be_watched_from_successive_event_loops(store_path, make_workflow):
    store = open_store(store_path, poll_interval=0.05)

    async def watch_one(name: str) -> str:
        watch = store.watch()
        waiting = asyncio.create_task(take(watch, 1))
        await asyncio.sleep(0.1)  # the watcher waits on the store's wake-up event
        await store.create(make_workflow(name))
        [event] = await waiting
        return event.name

    async def watch_and_give_up() -> None:
        waiting = asyncio.create_task(take(store.watch(), 1))
        await asyncio.sleep(0.1)  # waits on the wake-up event, binding it to this loop
        waiting.cancel()

    assert asyncio.run(watch_one("first")) == "first"
    asyncio.run(watch_and_give_up())
    assert asyncio.run(watch_one("second")) == "second"
    asyncio.run(store.close())
