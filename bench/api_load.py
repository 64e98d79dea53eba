"""Load on `podfleet server` over loopback: N concurrent clients submit M small workflows and poll them.

Prints API latency (p50/p99/max per call kind, and idle vs under-load GET p99 side by side),
workflows per second, and checks that every workflow completed and none was lost.

    python bench/api_load.py [--clients 20] [--workflows 500] [--poll 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WF = {"metadata": {"generateName": "load-"}, "spec": {"entrypoint": "main", "templates": [
    {"name": "main", "container": {"image": "alpine", "command": ["true"]}}]}}
DONE = ("Succeeded", "Failed", "Error")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def _timed(samples: dict[str, list[float]], kind: str, call: object) -> httpx.Response:
    began = time.perf_counter()
    resp: httpx.Response = await call  # type: ignore[misc]
    samples.setdefault(kind, []).append(time.perf_counter() - began)
    return resp


async def _client(http: httpx.AsyncClient, count: int, poll: float, samples: dict[str, list[float]],
                  phases: dict[str, str], errors: list[str]) -> None:
    names = []
    for _ in range(count):
        resp = await _timed(samples, "create", http.post("/api/v1/workflows/default", json={"workflow": WF}))
        if resp.status_code != 200:
            errors.append(f"create {resp.status_code}: {resp.text[:100]}")
            continue
        body = resp.json()
        if (body.get("status") or {}).get("phase") not in ("Running", *DONE):
            errors.append(f"created workflow shows phase {body.get('status')}")
        names.append(body["metadata"]["name"])
    pending = set(names)
    while pending:
        await asyncio.sleep(poll)
        for name in list(pending):
            resp = await _timed(samples, "get", http.get(f"/api/v1/workflows/default/{name}",
                                                         params={"fields": "status.phase"}))
            phase = (resp.json().get("status") or {}).get("phase")
            if phase in ("Pending", None, ""):
                errors.append(f"{name} reported phase {phase!r} after create")
            if phase in DONE:
                phases[name] = phase
                pending.discard(name)
        await _timed(samples, "list", http.get("/api/v1/workflows/default", params={
            "fields": "metadata,items.metadata.name,items.status.phase", "listOptions.limit": "50"}))


async def _idle_get_p99(url: str, name: str) -> float:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        samples: dict[str, list[float]] = {}
        for _ in range(200):
            await _timed(samples, "get", http.get(f"/api/v1/workflows/default/{name}",
                                                  params={"fields": "status.phase"}))
        return _pct(samples["get"], 0.99)


async def run(url: str, clients: int, workflows: int, poll: float) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        warm = (await http.post("/api/v1/workflows/default", json={"workflow": WF})).json()["metadata"]["name"]
        while (await http.get(f"/api/v1/workflows/default/{warm}")).json()["status"]["phase"] not in DONE:
            await asyncio.sleep(0.2)
    idle = await _idle_get_p99(url, warm)
    samples: dict[str, list[float]] = {}
    phases: dict[str, str] = {}
    errors: list[str] = []
    per = [workflows // clients + (1 if i < workflows % clients else 0) for i in range(clients)]
    began = time.perf_counter()
    limits = httpx.Limits(max_connections=clients * 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        await asyncio.gather(*(_client(http, n, poll, samples, phases, errors) for n in per))
    elapsed = time.perf_counter() - began
    print(f"{workflows} workflows, {clients} clients: all done in {elapsed:.1f} s "
          f"({workflows / elapsed:.1f} workflows/s)")
    for kind, values in sorted(samples.items()):
        print(f"  {kind:<7} calls={len(values):>6}  p50={_pct(values, 0.5):7.1f} ms  p99={_pct(values, 0.99):7.1f} ms"
              f"  max={max(values) * 1000:7.1f} ms  mean={statistics.mean(values) * 1000:6.1f} ms")
    all_calls = [v for values in samples.values() for v in values]
    print(f"  API p99 over all {len(all_calls)} calls: {_pct(all_calls, 0.99):.1f} ms")
    loaded_get = _pct(samples.get("get", []), 0.99)
    print(f"  GET p99 idle {idle:.1f} ms vs under load {loaded_get:.1f} ms: ratio {loaded_get / max(idle, 1e-6):.1f}x")
    outcome = {p: sum(1 for v in phases.values() if v == p) for p in DONE}
    print(f"  completed {len(phases)}/{workflows} {outcome}; problems: {len(errors)}")
    for problem in errors[:5]:
        print("   ", problem)
    lost = workflows - len(phases)
    return 0 if lost == 0 and not errors and outcome["Succeeded"] == workflows else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workflows", type=int, default=500)
    parser.add_argument("--poll", type=float, default=0.5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="podfleet-api-load-"))
    port = _free_port()
    env = {**os.environ, "PODFLEET_HOME": str(home), "PODFLEET_PROVIDER": os.environ.get("PODFLEET_PROVIDER",
                                                                                       "process")}
    for key in ("PODFLEET_SERVER", "ARGO_SERVER"):
        env.pop(key, None)
    log = open(home / "server.log", "wb")  # noqa: SIM115 — handed to the server process
    server = subprocess.Popen([sys.executable, "-m", "podfleet", "server", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        return asyncio.run(run(url, args.clients, args.workflows, args.poll))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
