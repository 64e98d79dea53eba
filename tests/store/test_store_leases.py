"""Leases: one live holder per key; expired leases can be taken over."""

from __future__ import annotations

import asyncio

import pytest

from podfleet.errors import InvalidError
from podfleet.store import open_store


async def test_a_held_lease_refuses_other_holders_and_renews_for_its_own(store_path, clock):
    async with open_store(store_path, clock=clock) as store:
        assert await store.acquire_lease("wf/default/a", "ctrl-1", 10)
        assert not await store.acquire_lease("wf/default/a", "ctrl-2", 10)
        clock.advance(8)
        assert await store.acquire_lease("wf/default/a", "ctrl-1", 10)  # renew: now valid until +18
        clock.advance(8)
        assert not await store.acquire_lease("wf/default/a", "ctrl-2", 10)
        assert await store.lease_holder("wf/default/a") == "ctrl-1"


async def test_an_expired_lease_can_be_taken_over(store_path, clock):
    async with open_store(store_path, clock=clock) as store:
        assert await store.acquire_lease("k", "dead", 5)
        clock.advance(5.5)
        assert await store.lease_holder("k") is None
        assert await store.acquire_lease("k", "alive", 5)
        assert not await store.acquire_lease("k", "dead", 5)  # the old holder lost it
        assert await store.lease_holder("k") == "alive"


async def test_release_frees_the_lease_only_for_its_holder(store_path, clock):
    async with open_store(store_path, clock=clock) as store:
        assert await store.acquire_lease("k", "a", 60)
        await store.release_lease("k", "b")  # not the holder: no effect
        assert not await store.acquire_lease("k", "b", 60)
        await store.release_lease("k", "a")
        assert await store.acquire_lease("k", "b", 60)


async def test_keys_are_independent(store_path):
    async with open_store(store_path) as store:
        assert await store.acquire_lease("x", "a", 60)
        assert await store.acquire_lease("y", "b", 60)


async def test_two_stores_on_one_file_racing_for_a_lease_have_one_winner(store_path):
    first, second = open_store(store_path), open_store(store_path)
    try:
        for round_ in range(20):
            key = f"race-{round_}"
            results = await asyncio.gather(first.acquire_lease(key, "one", 60),
                                           second.acquire_lease(key, "two", 60))
            assert sorted(results) == [False, True]
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("key, holder, ttl", [("", "h", 1), ("k", "", 1), ("k", "h", 0), ("k", "h", -3)])
async def test_bad_lease_requests_are_invalid(store_path, key, holder, ttl):
    async with open_store(store_path) as store:
        with pytest.raises(InvalidError):
            await store.acquire_lease(key, holder, ttl)


RACER = """
import asyncio, json, sys
from pathlib import Path
from podfleet.store import open_store

async def main():
    store = open_store(Path(sys.argv[1]))
    won = [k for k in range(60) if await store.acquire_lease(f"wf-{k}", sys.argv[2], 60)]
    await store.close()
    print(json.dumps(won))

asyncio.run(main())
"""


async def test_two_processes_racing_for_leases_never_both_win(store_path):
    import json
    import sys

    await open_store(store_path).close()  # create the file before the race
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", RACER, str(store_path), holder,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
             for holder in ("one", "two")]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 25)
    won = []
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()
        won.append(set(json.loads(out)))
    assert won[0].isdisjoint(won[1])
    assert won[0] | won[1] == set(range(60))
    async with open_store(store_path) as store:
        holders = {await store.lease_holder(f"wf-{k}") for k in range(60)}
        assert holders <= {"one", "two"}
