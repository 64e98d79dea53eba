"""(b) Pod start latency with the image cached vs pulled from the registry.

One pod at a time (`true` in podfleet-test/pull-me:1 from the local registry): first
with the image removed from the engine (the pod pulls it), then with it present and
`imagePullPolicy: IfNotPresent` (no pull). Start latency = create_pod → Running.
Prints the medians, absolute and as a ratio. Needs scripts/test-images/setup.sh.

    python bench/container_pull.py [-n 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import docker

from podfleet.providers.container import ContainerProvider, discover
from podfleet.providers.contract import PodPhase
from podfleet.resources.pod import Pod

IMAGE = "podfleet-test/pull-me:1"


def pod(name: str) -> Pod:
    return Pod.model_validate({
        "metadata": {"name": name, "namespace": "bench",
                     "annotations": {"podfleet.io/template": json.dumps({"container": {}})}},
        "spec": {"containers": [{"name": "main", "image": IMAGE, "command": ["true"],
                                 "imagePullPolicy": "IfNotPresent"}]},
    })


def forget(url: str) -> None:
    client = docker.APIClient(base_url=url)
    for name in (IMAGE, f"docker.io/{IMAGE}", f"127.0.0.1:5000/{IMAGE}"):
        try:
            client.remove_image(name, force=True)
        except docker.errors.APIError:
            pass


async def start_latency(provider: ContainerProvider, name: str) -> float:
    events = provider.events()
    start = time.perf_counter()
    await provider.create_pod(pod(name))
    running = None
    async for status in events:
        if status.name != name:
            continue
        if status.phase is PodPhase.RUNNING and running is None:
            running = time.perf_counter() - start
        if status.phase.completed:
            assert status.phase is PodPhase.SUCCEEDED, status
            break
    assert running is not None
    return running


async def run(n: int) -> tuple[list[float], list[float]]:
    engine = discover()
    if engine is None:
        raise SystemExit("no container engine: run scripts/test-images/setup.sh")
    pulled, cached = [], []
    with tempfile.TemporaryDirectory() as tmp:
        provider = ContainerProvider(Path(tmp), engine=engine)
        try:
            for i in range(n):
                forget(engine.url)
                pulled.append(await start_latency(provider, f"pulled-{i}"))
                cached.append(await start_latency(provider, f"cached-{i}"))
        finally:
            await provider.close()
    return pulled, cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    pulled, cached = asyncio.run(run(args.n))
    p, c = statistics.median(pulled), statistics.median(cached)
    print(f"pod start latency (create → Running), median of {args.n}, 2 MB image from the local registry")
    print(f"  image pulled:  {p * 1000:7.0f} ms")
    print(f"  image cached:  {c * 1000:7.0f} ms")
    print(f"  ratio pulled/cached: {p / c:.2f}")


if __name__ == "__main__":
    main()
