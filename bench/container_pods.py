"""(a) What podfleet's container provider costs over driving the engine by hand.

N trivial pods (`true` in alpine:3.23) through ContainerProvider at concurrency C,
against the same N containers created, started, waited for, their logs read and removed
directly through the same engine API (the `docker` client on a thread pool) at
concurrency C. Prints pods/s of each and their ratio (target ≥ 0.85).
Needs the local image kit: scripts/test-images/setup.sh.

    python bench/container_pods.py [-n 200] [-c 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

from podfleet.providers.container import ContainerProvider, discover
from podfleet.providers.contract import PodPhase
from podfleet.resources.pod import Pod

IMAGE = "alpine:3.23"


def pod(i: int) -> Pod:
    return Pod.model_validate({
        "metadata": {"name": f"bench-{i}", "namespace": "bench", "labels": {"workflows.argoproj.io/workflow": "bench"},
                     "annotations": {"podfleet.io/template": json.dumps({"container": {}}),
                                     "podfleet.io/include-script-output": "false"}},
        "spec": {"containers": [{"name": "main", "image": IMAGE, "command": ["true"],
                                 "imagePullPolicy": "IfNotPresent"}]},
    })


async def through_podfleet(n: int, concurrency: int, url: str) -> float:
    engine = discover()
    assert engine is not None and engine.url == url
    with tempfile.TemporaryDirectory() as tmp:
        provider = ContainerProvider(Path(tmp), engine=engine)
        events = provider.events()
        gate = asyncio.Semaphore(concurrency)
        done: dict[str, asyncio.Future[PodPhase]] = {}

        async def route() -> None:
            async for status in events:
                if status.phase.completed and status.name in done and not done[status.name].done():
                    done[status.name].set_result(status.phase)

        router = asyncio.ensure_future(route())
        loop = asyncio.get_running_loop()

        async def one(i: int) -> PodPhase:
            async with gate:
                done[f"bench-{i}"] = loop.create_future()
                await provider.create_pod(pod(i))
                return await done[f"bench-{i}"]

        start = time.perf_counter()
        phases = await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - start
        router.cancel()
        await provider.close()
    assert all(p is PodPhase.SUCCEEDED for p in phases), phases
    return n / elapsed


def directly(n: int, concurrency: int, url: str) -> float:
    client = docker.APIClient(base_url=url, max_pool_size=concurrency)

    def one(i: int) -> int:
        cid = client.create_container(IMAGE, ["true"], name=f"bench-direct-{i}")["Id"]
        client.start(cid)
        code = client.wait(cid)["StatusCode"]
        client.logs(cid)
        client.remove_container(cid, force=True)
        return int(code)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        codes = list(pool.map(one, range(n)))
    elapsed = time.perf_counter() - start
    assert codes == [0] * n
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("-c", type=int, default=20)
    args = parser.parse_args()
    engine = discover()
    if engine is None:
        raise SystemExit("no container engine: run scripts/test-images/setup.sh")
    direct = directly(args.n, args.c, engine.url)
    ours = asyncio.run(through_podfleet(args.n, args.c, engine.url))
    print(f"{args.n} pods at concurrency {args.c} on {engine.source}")
    print(f"  engine API directly: {direct:6.1f} pods/s")
    print(f"  podfleet provider:   {ours:6.1f} pods/s")
    print(f"  ratio podfleet/direct: {ours / direct:.2f} (target >= 0.85)")


if __name__ == "__main__":
    main()
