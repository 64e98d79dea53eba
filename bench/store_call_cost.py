"""Per-call cost of the store's SQLite work run on the event loop vs a single worker thread.

Prints microseconds per call for a `get` and a 1-node `update`, each run directly on
the loop thread (what podfleet.store.sqlite does) and through a one-thread executor,
with the loop idle and with the loop busy (a task doing small CPU slices), which is
when the worker-thread hand-off has to wait for the GIL.

    python bench/store_call_cost.py
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
import time
from pathlib import Path

from podfleet.store import open_store
from podfleet.store import objects

N = 2000


def workflow(nodes: int) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "bench", "namespace": "default"}, "spec": {"entrypoint": "main"},
            "status": {"phase": "Running", "nodes": {f"n{i}": {"id": f"n{i}", "phase": "Succeeded"}
                                                    for i in range(nodes)}}}


async def busy_loop(stop: asyncio.Event) -> None:
    while not stop.is_set():
        sum(range(2000))  # ~20-50 us of CPU, then yield: a loop serving other work
        await asyncio.sleep(0)


async def measure(busy: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "store.db")
        obj = await store.create(workflow(10))
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        spinner = asyncio.create_task(busy_loop(stop)) if busy else None
        results: dict[str, float] = {}

        def get_fn(c):
            return objects.get(c, "Workflow", "default", "bench", with_nodes=False)

        t = time.perf_counter()
        for _ in range(N):
            await store.get("Workflow", "default", "bench", with_nodes=False)
        results["get direct"] = (time.perf_counter() - t) / N * 1e6

        t = time.perf_counter()
        for _ in range(N):
            await loop.run_in_executor(pool, store._run_once, get_fn, False)
        results["get thread"] = (time.perf_counter() - t) / N * 1e6

        t = time.perf_counter()
        for i in range(N):
            obj = await store.update(obj, nodes={"n1": {"id": "n1", "phase": "Running", "i": i}})
        results["update direct"] = (time.perf_counter() - t) / N * 1e6

        t = time.perf_counter()
        for i in range(N):
            cur = obj

            def upd(c, cur=cur, i=i):
                return objects.update(c, cur, {"n1": {"id": "n1", "phase": "Running", "i": i}}, None, 0.0)[0]
            obj = await loop.run_in_executor(pool, store._run_once, upd, True)
        results["update thread"] = (time.perf_counter() - t) / N * 1e6

        stop.set()
        if spinner:
            await spinner
        pool.shutdown()
        await store.close()
        return results


def main() -> None:
    for busy in (False, True):
        res = asyncio.run(measure(busy))
        label = "busy loop" if busy else "idle loop"
        print(f"{label}: " + ", ".join(f"{k} {v:.0f} us" for k, v in res.items()))


if __name__ == "__main__":
    main()
