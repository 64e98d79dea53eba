"""Engine throughput and step latency, measured side by side in one run.

(a) throughput: one workflow of N trivial pods (`withSequence` 1..N, `sh -c true`,
    parallelism C) through the whole engine (store + controller + process provider),
    against the same N bwrap sandboxes spawned by a plain asyncio pool at concurrency C.
    Prints pods/s of each, their ratio (target ≥ 0.7) and pods/min (target ≥ 2,000).
(b) step latency: a workflow of S sequential steps; for each step the gap between the
    previous pod's end and the next pod's start, as the provider recorded them, minus
    the same gap for S sandboxes spawned back to back by hand. Prints the median added
    per step (target < 20 ms).

    python bench/engine_throughput.py [-n 1000] [-c 50] [-s 100]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from provider_spawn import plain_pool  # noqa: E402  (the hand-spawned baseline, shared)

from podfleet.controller.runner import Runner  # noqa: E402
from podfleet.providers.process import ProcessProvider  # noqa: E402
from podfleet.store import open_store  # noqa: E402


def fan_out(n: int, parallelism: int) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "throughput", "namespace": "bench"},
        "spec": {"entrypoint": "main", "parallelism": parallelism, "templates": [
            {"name": "main", "steps": [[{"name": "t", "template": "true", "withSequence": {"count": str(n)}}]]},
            {"name": "true", "container": {"image": "alpine:3.23", "command": ["sh", "-c", "true"]}},
        ]},
    }


def sequence(steps: int) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "sequence", "namespace": "bench"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "steps": [[{"name": f"s{i}", "template": "true"}] for i in range(steps)]},
            {"name": "true", "container": {"image": "alpine:3.23", "command": ["sh", "-c", "true"]}},
        ]},
    }


async def run_engine(home: Path, workflow: dict) -> tuple[float, list[tuple[float, float]]]:
    store = open_store(home / "store.db")
    provider = ProcessProvider(home)
    runner = Runner(store, provider)
    await store.create(workflow)
    started = time.perf_counter()
    final = await runner.run_workflow("bench", workflow["metadata"]["name"])
    elapsed = time.perf_counter() - started
    assert final["status"]["phase"] == "Succeeded", final["status"].get("message")
    pods = [(p.started_at or 0.0, p.finished_at or 0.0) for p in await provider.list_pods()]
    await runner.close()
    await provider.close()
    await store.close()
    return elapsed, sorted(pods)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="pods in the fan-out")
    parser.add_argument("-c", type=int, default=50, help="parallelism / pool concurrency")
    parser.add_argument("-s", type=int, default=100, help="sequential steps")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        pool_rate = asyncio.run(plain_pool(home / "pool", args.n, args.c))
        engine, _ = asyncio.run(run_engine(home / "engine", fan_out(args.n, args.c)))
        engine_rate = args.n / engine
        print(f"(a) {args.n} pods, parallelism {args.c}")
        print(f"    plain sandbox pool : {pool_rate:8.1f} pods/s")
        print(f"    podfleet engine    : {engine_rate:8.1f} pods/s = {60 * engine_rate:,.0f} pods/min")
        print(f"    ratio engine/pool  : {engine_rate / pool_rate:8.2f}   (target >= 0.70, >= 2,000 pods/min)")

        serial_rate = asyncio.run(plain_pool(home / "serial", args.s, 1))
        elapsed, pods = asyncio.run(run_engine(home / "seq-engine", sequence(args.s)))
        gaps = [b[0] - a[1] for a, b in zip(pods, pods[1:])]
        per_step = elapsed / args.s
        print(f"(b) {args.s} sequential steps")
        print(f"    sandbox by hand    : {1000 / serial_rate:8.1f} ms per step (spawn to exit, back to back)")
        print(f"    podfleet engine    : {1000 * per_step:8.1f} ms per step "
              f"(median gap pod end -> next pod start {1000 * statistics.median(gaps):.1f} ms)")
        print(f"    added per step     : {1000 * (per_step - 1 / serial_rate):8.1f} ms   (target < 20 ms)")


if __name__ == "__main__":
    main()
