"""Controller cost per node at 1,000 vs 10,000 nodes: is it flat?

Drives the real `reconcile` to completion on a fan-out of N pods (a `withSequence` loop
with `parallelism` P) and on a chain of N/100 groups of 100 steps. Pods are completed by
feeding the controller the PodStatus a provider would report (the provider is not what
is measured here). Prints time per node, passes, and peak Python memory per node, and
the 10k/1k ratios (flat = 1.0).

    python bench/controller_scale.py [--sizes 1000 10000] [-p 500]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from typing import Any

from podfleet.controller.reconcile import reconcile
from podfleet.providers.contract import ContainerState, PodPhase, PodStatus, TaskResult
from podfleet.resources.kinds import Workflow

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
CONTAINER = {"image": "alpine:3.23", "command": ["sh", "-c", "true"]}


def fan_out(n: int, parallelism: int) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "scale", "namespace": "bench", "uid": "u", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"entrypoint": "main", "parallelism": parallelism, "templates": [
                {"name": "main", "steps": [[{"name": "t", "template": "t", "withSequence": {"count": str(n)}}]]},
                {"name": "t", "container": CONTAINER}]}}


def groups(n: int, width: int = 100) -> dict[str, Any]:
    steps = [[{"name": f"s{g}-{i}", "template": "t"} for i in range(width)] for g in range(n // width)]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "scale", "namespace": "bench", "uid": "u", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "steps": steps}, {"name": "t", "container": CONTAINER}]}}


def drive(obj: dict[str, Any]) -> tuple[float, int, int, int]:
    """Run to completion; returns (seconds in reconcile, passes, pods, peak bytes)."""
    wf = Workflow.model_validate(obj)
    nodes: dict[str, Any] = {}
    pods: dict[str, PodStatus] = {}
    now = T0
    spent, passes = 0.0, 0
    tracemalloc.start()
    while True:
        started = time.perf_counter()
        actions = reconcile(wf, nodes, pods, now=now)
        spent += time.perf_counter() - started
        passes += 1
        nodes.update({k: v if isinstance(v, dict) else v.dump() for k, v in actions.changed_nodes.items()})
        phase = getattr(wf.status, "phase", None)
        if getattr(phase, "value", phase) in ("Succeeded", "Failed", "Error"):
            break
        now += timedelta(seconds=1)
        stamp = now.timestamp()
        for pod in actions.pods_to_create:
            name = pod["metadata"]["name"] if isinstance(pod, dict) else pod.metadata.name
            labels = (pod["metadata"] if isinstance(pod, dict) else pod.metadata.dump()).get("labels") or {}
            pods[name] = PodStatus(namespace="bench", name=name, phase=PodPhase.SUCCEEDED, started_at=stamp - 0.5,
                                   finished_at=stamp, labels=labels,
                                   containers=[ContainerState("main", exit_code=0, reason="Completed")],
                                   task_result=TaskResult(exit_code=0))
        if passes > 100_000:
            raise RuntimeError("did not converge")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return spent, passes, len(pods), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("-p", type=int, default=500, help="parallelism of the fan-out")
    args = parser.parse_args()
    for label, make in (("fan-out", lambda n: fan_out(n, args.p)), ("step groups", groups)):
        rows = []
        for n in args.sizes:
            spent, passes, pods, peak = drive(make(n))
            rows.append((n, spent / pods, peak / pods))
            print(f"{label:12s} {n:6d} nodes: {1e3 * spent:9.1f} ms in reconcile over {passes:5d} passes, "
                  f"{1e6 * spent / pods:7.1f} us/node, peak {peak / 2**20:7.1f} MiB ({peak / pods / 1024:.1f} KiB/node)")
        (n0, t0, m0), (n1, t1, m1) = rows[0], rows[-1]
        print(f"{label:12s} {n1}/{n0}: time per node x{t1 / t0:.2f}, memory per node x{m1 / m0:.2f}  (flat = 1.0)")


if __name__ == "__main__":
    main()
