"""Cost of updating one node of a Workflow with 100, 1,000 and 10,000 nodes.

The store keeps nodes in their own rows, so this should be flat: the ratios printed
against the 100-node case should stay near 1.0. Also prints the rows SQLite wrote per
update and, for contrast, the cost of reading the whole workflow back.

    python bench/store_update_cost.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from podfleet.store import open_store

SIZES = (100, 1_000, 10_000)
UPDATES = 1_000


def node(i: int, phase: str = "Succeeded") -> dict:
    return {"id": f"wf-{i}", "name": f"wf[0].step-{i}", "displayName": f"step-{i}", "type": "Pod",
            "templateName": "work", "phase": phase, "startedAt": "2024-01-01T00:00:00Z",
            "finishedAt": "2024-01-01T00:00:09Z", "children": [f"wf-{i + 1}"],
            "outputs": {"parameters": [{"name": "out", "value": "x" * 40}]}}


async def one_size(size: int) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "store.db")
        wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
              "metadata": {"name": "wf", "namespace": "default"}, "spec": {"entrypoint": "main"},
              "status": {"phase": "Running", "nodes": {f"wf-{i}": node(i) for i in range(size)}}}
        obj = await store.create(wf)
        for i in range(50):  # warm up caches and statements
            obj = await store.update(obj, nodes={"wf-7": node(7, "Running")})
        t = time.perf_counter()
        for i in range(UPDATES):
            obj["status"]["progress"] = f"{i}/{size}"
            obj = await store.update(obj, nodes={f"wf-{i % size}": node(i % size, "Running")})
        per_update = (time.perf_counter() - t) / UPDATES
        rows = store.last_write.rows_changed if store.last_write else -1
        t = time.perf_counter()
        full = await store.get("Workflow", "default", "wf")
        read = time.perf_counter() - t
        assert len(full["status"]["nodes"]) == size
        await store.close()
        return per_update, rows, read


def main() -> None:
    results = {size: asyncio.run(one_size(size)) for size in SIZES}
    base = results[SIZES[0]][0]
    print(f"1-node update ({UPDATES} updates each):")
    for size, (per_update, rows, read) in results.items():
        print(f"  {size:>6} nodes: {per_update * 1e6:7.1f} us/update  ratio {per_update / base:4.2f}  "
              f"rows written {rows}  (full get with nodes: {read * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
