"""How much the process provider costs over spawning the same sandboxes by hand.

N trivial pods (`sh -c true`) through ProcessProvider at concurrency C, against the same
N bwrap sandboxes spawned with a plain asyncio subprocess pool at concurrency C.
Prints pods/s of each and their ratio (target ≥ 0.7).

    python bench/provider_spawn.py [-n 300] [-c 50]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import tempfile
import time
from pathlib import Path

from podfleet.providers.process import ProcessProvider
from podfleet.providers.process.podspec import DEFAULT_PATH
from podfleet.providers.process.sandbox import STATUS_FD, SandboxSpec, build_argv, prepare_root
from podfleet.resources.pod import Pod


def _pod(i: int, capture: bool) -> Pod:
    # An Argo container node; `capture` = something reads its outputs.result (a tee per pod).
    annotations = {"podfleet.io/template": "{}", "podfleet.io/include-script-output": str(capture).lower()}
    return Pod.model_validate({
        "metadata": {"name": f"bench-{i}", "namespace": "bench", "labels": {"workflows.argoproj.io/workflow": "bench"},
                     "annotations": annotations},
        "spec": {"containers": [{"name": "main", "image": "alpine", "command": ["sh", "-c", "true"]}]},
    })


async def through_provider(home: Path, n: int, concurrency: int, capture: bool = False) -> float:
    provider = ProcessProvider(home)
    done: dict[str, asyncio.Future[None]] = {}
    loop = asyncio.get_running_loop()
    events = provider.events()

    async def pump() -> None:
        async for status in events:
            if status.phase.completed and status.name in done:
                done[status.name].set_result(None)

    pump_task = asyncio.create_task(pump())
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            pod = _pod(i, capture)
            done[pod.name] = loop.create_future()
            await provider.create_pod(pod)
            await done[pod.name]

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - started
    pump_task.cancel()
    await provider.close()
    return n / elapsed


async def plain_pool(home: Path, n: int, concurrency: int) -> float:
    provider = ProcessProvider(home / "probe")
    mode, tool = provider.config.mode, provider.config.tool
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            root = home / "plain" / str(i)
            prepare_root(root, [])
            argv = build_argv(mode, tool, SandboxSpec(root=root, hostname=f"p{i}", argv=["sh", "-c", "true"]))
            # Same sandbox, same exit-status file and log file as a pod gets.
            with open(root.parent / f"{i}.exit", "w") as status, open(root.parent / f"{i}.log", "a") as log:
                argv = [str(status.fileno()) if a == str(STATUS_FD) else a for a in argv]
                proc = await asyncio.create_subprocess_exec(*argv, env={"PATH": DEFAULT_PATH}, stdout=log,
                                                            stderr=log, pass_fds=(status.fileno(),),
                                                            start_new_session=True)
                await proc.wait()

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("-c", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    base = Path(tempfile.mkdtemp(prefix="podfleet-bench-"))
    try:
        plain = asyncio.run(plain_pool(base / "a", args.n, args.c))
        ours = asyncio.run(through_provider(base / "b", args.n, args.c))
        with_result = asyncio.run(through_provider(base / "c", args.n, args.c, capture=True))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"plain asyncio pool            : {plain:8.1f} sandboxes/s")
    print(f"process provider              : {ours:8.1f} pods/s")
    print(f"ratio                         : {ours / plain:8.2f} (target >= 0.7)")
    print(f"provider, capturing result    : {with_result:8.1f} pods/s (ratio {with_result / plain:.2f}; one tee per pod)")


if __name__ == "__main__":
    main()
