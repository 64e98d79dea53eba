"""A real `podfleet server` process on 127.0.0.1, one per test module, with its own store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.loopback import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    home: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PODFLEET_HOME": str(self.home), "PODFLEET_PROVIDER": "process", **extra}

    def podfleet(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "podfleet", *args], capture_output=True, text=True,
                              timeout=timeout, env=env or self.env(), cwd=REPO)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(home: Path, *args: str) -> Server:
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    env = {**os.environ, "PODFLEET_HOME": str(home), "PODFLEET_PROVIDER": "process"}
    for key in ("PODFLEET_SERVER", "ARGO_SERVER", "PODFLEET_TOKEN", "ARGO_TOKEN"):
        env.pop(key, None)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "podfleet", "server", "--port", str(port), *args],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"podfleet server exited: {log.read_text()}")
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return Server(url, home, proc, log)
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"podfleet server did not start: {log.read_text()}")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("server") / "home")
    yield srv
    stop_server(srv)


def hello_workflow(name: str | None = None, *, message: str = "hello") -> dict:
    meta = {"name": name} if name else {"generateName": "hello-"}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "container": {"image": "alpine", "command": ["echo", message]}}]}}


def wait_phase(client: httpx.Client, ns: str, name: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wf = client.get(f"/api/v1/workflows/{ns}/{name}").json()
        if (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error"):
            return wf
        time.sleep(0.2)
    raise AssertionError(f"workflow {name} did not complete: {wf.get('status')}")
