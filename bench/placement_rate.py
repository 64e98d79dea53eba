"""Is placement ever the bottleneck? Placement decisions/s vs the process provider's pod start rate.

Ten serverless zones (100 pods each, a sold-out spec in half of them) are filled, then
10,000 pods of five different spec lists wait in the fail-back queue. Each step ends a
random running pod and drains the queue, as the provider's event pump does; a decision
is one pod placed. Measured in the same run:

  core      Scheduler.drain / try_place alone;
  layer     what PlacementProvider adds per pod: read the annotations, decide, write the
            spec into the pod and validate it (no provider call);
  provider  pods/s the process provider starts (`sh -c true`, bench/provider_spawn.py's way).

Prints each rate and layer/provider (target ≥ 10).

    python bench/placement_rate.py [-n 10000] [--pods 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from podfleet.placement.billing import price_per_second  # noqa: E402
from podfleet.placement.fleet import Fleet, Zone  # noqa: E402
from podfleet.placement.intent import read_intent  # noqa: E402
from podfleet.placement.rewrite import apply_placement  # noqa: E402
from podfleet.placement.scheduler import Placement, Scheduler  # noqa: E402
from podfleet.resources.pod import Pod  # noqa: E402

SPEC_LISTS = ["ecs.c6.large,ecs.c5.large,2-4Gi", "1-2Gi", "2-4Gi,4-8Gi", "ecs.g6.large,2-8Gi", "0.5-1Gi"]


def fleet() -> Fleet:
    return Fleet([Zone(f"vsw-{i}", "process", 64, 256, 100, True, {"ecs.c6.large": 0} if i % 2 else {})
                  for i in range(10)])


def manifest(i: int) -> dict:
    return {"metadata": {"name": f"p{i}", "namespace": "bench",
                         "labels": {"alibabacloud.com/eci": "true", "workflows.argoproj.io/workflow": "bench"},
                         "annotations": {"k8s.aliyun.com/eci-use-specs": SPEC_LISTS[i % len(SPEC_LISTS)],
                                         "k8s.aliyun.com/eci-schedule-strategy": "VSwitchRandom"}},
            "spec": {"containers": [{"name": "main", "image": "alpine", "command": ["sh", "-c", "true"]}]}}


def core_rate(n: int) -> tuple[float, float]:
    """(queued placements/s, direct try_place decisions/s)."""
    fl = fleet()
    sched = Scheduler(fl, random.Random(7))
    rng = random.Random(3)
    intents = [read_intent(manifest(i), fl.table) for i in range(len(SPEC_LISTS))]
    i = 0
    while True:  # fill the fleet
        if not isinstance(sched.try_place(("bench", f"r{i}"), intents[i % len(intents)]), Placement):
            break
        i += 1
    for j in range(n):
        sched.enqueue(("bench", f"q{j}"), intents[j % len(intents)], j, now=0.0)
    running = list(sched.placed)
    placed = 0
    started = time.perf_counter()
    while len(sched):
        key = running.pop(rng.randrange(len(running)))
        sched.release(key)
        got = sched.drain()
        placed += len(got)
        running += [k for k, _, _ in got]
    queued_rate = placed / (time.perf_counter() - started)
    sched2 = Scheduler(fl, random.Random(7))
    started = time.perf_counter()
    decisions = 0
    for k in range(n):
        key = ("bench", f"d{k}")
        sched2.try_place(key, intents[k % len(intents)])
        sched2.release(key)
        decisions += 1
    return queued_rate, decisions / (time.perf_counter() - started)


def layer_rate(n: int) -> float:
    fl = fleet()
    sched = Scheduler(fl, random.Random(7))
    started = time.perf_counter()
    for i in range(n):
        m = manifest(i)
        intent = read_intent(m, fl.table, fl.eci_namespaces)
        result = sched.try_place(("bench", m["metadata"]["name"]), intent)
        if isinstance(result, Placement):
            Pod.model_validate(apply_placement(m, result, price_per_second(result.spec, fl.prices)))
            sched.release(("bench", m["metadata"]["name"]))
    return n / (time.perf_counter() - started)


def provider_rate(pods: int) -> float:
    from provider_spawn import through_provider

    base = Path(tempfile.mkdtemp(prefix="podfleet-bench-"))
    try:
        return asyncio.run(through_provider(base, pods, 50))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="pods waiting in the queue")
    parser.add_argument("--pods", type=int, default=200, help="pods the process provider starts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    queued, direct = core_rate(args.n)
    layer = layer_rate(args.n)
    provider = provider_rate(args.pods)
    print(f"core: queue drain, {args.n} waiting, 10 zones : {queued:10.0f} placements/s")
    print(f"core: try_place (fail-fast path)           : {direct:10.0f} decisions/s")
    print(f"layer: annotations+decision+pod rewrite     : {layer:10.0f} pods/s")
    print(f"process provider start rate                : {provider:10.1f} pods/s")
    print(f"ratio layer / provider                     : {layer / provider:10.1f} (target >= 10)")


if __name__ == "__main__":
    main()
