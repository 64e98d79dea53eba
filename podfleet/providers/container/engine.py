"""Finding a container engine that speaks the Docker Engine API: Docker or Podman.

Order: `$DOCKER_HOST`, then the Docker socket, then Podman's sockets (rootful, then the
user's). When none answers but `podman` is installed, `podman system service` is
started on demand on the user's Podman socket: podman has no daemon of its own, and a
laptop user should not have to know that.

The probe is a `GET /_ping` with a short timeout, so `--provider auto` decides fast.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from podfleet.errors import ProviderError

PING_TIMEOUT = 1.0
SERVICE_START_TIMEOUT = 10.0


@dataclass(frozen=True)
class Engine:
    """A reachable engine: the URL the `docker` client takes and what is behind it."""

    url: str
    # Where the engine was found ("DOCKER_HOST", "docker socket", "podman socket", "podman service started").
    source: str


def _socket_candidates(environ: dict[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = [("unix:///var/run/docker.sock", "docker socket"),
                                    ("unix:///run/podman/podman.sock", "podman socket")]
    runtime = environ.get("XDG_RUNTIME_DIR") or (f"/run/user/{os.getuid()}" if os.getuid() else "")
    if runtime:
        found.append((f"unix://{runtime}/podman/podman.sock", "podman socket"))
    return found


def unix_ping_headers(path: str, timeout: float = PING_TIMEOUT) -> dict[str, str] | None:
    """One raw HTTP `GET /_ping` on a unix socket: its headers (lower-case names) when it
    answers 200, else None. Cheaper than building a client to probe, and the headers name
    the API version (`Api-Version`) and podman (`Libpod-Api-Version`): podman's `/version`
    takes ~0.3 s to answer, a ping ~2 ms."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply and len(reply) < 16384:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return None
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if not (head[0].startswith("HTTP/1.") and head[0][8:13].strip() == "200"):
        return None
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:]) if k}


def _unix_ping(path: str, timeout: float) -> bool:
    return unix_ping_headers(path, timeout) is not None


def ping(url: str, timeout: float = PING_TIMEOUT) -> bool:
    if url.startswith("unix://"):
        return _unix_ping(url[len("unix://"):], timeout)
    try:
        import docker

        client = docker.DockerClient(base_url=url, timeout=timeout)
        try:
            return bool(client.api.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def podman_socket(environ: dict[str, str]) -> str:
    """Where we start `podman system service`: the rootful socket as root, the user's otherwise."""
    if os.getuid() == 0:
        return "/run/podman/podman.sock"
    runtime = environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return f"{runtime}/podman/podman.sock"


def start_podman_service(environ: dict[str, str], timeout: float = SERVICE_START_TIMEOUT) -> Engine:
    """Start `podman system service` (detached, no idle exit) and wait until it answers."""
    podman = shutil.which("podman")
    if podman is None:
        raise ProviderError("podman is not installed")
    path = podman_socket(environ)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    subprocess.Popen(  # noqa: S603 - podman from PATH, our own arguments
        [podman, "system", "service", "--time=0", f"unix://{path}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd="/",  # the service outlives us; it must not hold (or write into) the caller's folder
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _unix_ping(path, PING_TIMEOUT):
            return Engine(f"unix://{path}", "podman service started")
        time.sleep(0.05)
    raise ProviderError(f"started `podman system service` on {path}, but it did not answer within {timeout:.0f}s")


def discover(environ: dict[str, str] | None = None, *, start_podman: bool = True) -> Engine | None:
    """The first engine that answers, starting podman's service if needed; None when there is none."""
    env = dict(os.environ if environ is None else environ)
    host = env.get("DOCKER_HOST")
    if host:
        # An explicit DOCKER_HOST is the user's choice: never look elsewhere.
        return Engine(host, "DOCKER_HOST") if ping(host) else None
    for url, source in _socket_candidates(env):
        if _unix_ping(url[len("unix://"):], PING_TIMEOUT):
            return Engine(url, source)
    if start_podman and shutil.which("podman"):
        try:
            return start_podman_service(env)
        except ProviderError:
            return None
    return None


def why_not(environ: dict[str, str] | None = None) -> str:
    """One sentence on why no engine was found, for error messages."""
    env = dict(os.environ if environ is None else environ)
    if env.get("DOCKER_HOST"):
        return f"DOCKER_HOST={env['DOCKER_HOST']} does not answer"
    tried = ", ".join(url[len("unix://"):] for url, _ in _socket_candidates(env))
    if shutil.which("podman"):
        return f"no engine answers on {tried}, and `podman system service` could not be started"
    return f"no engine answers on {tried}, and neither docker nor podman is installed"


__all__ = ["Engine", "discover", "ping", "unix_ping_headers", "why_not", "start_podman_service", "podman_socket"]
