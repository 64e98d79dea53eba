"""The engine API, made async: the blocking `docker` client run on a pool of our own.

asyncio's default executor has min(32, cpus + 4) threads — six on a 2-core laptop —
which would cap how many pods start at once; the engine calls are I/O waits, so a
larger dedicated pool costs little. Every engine failure becomes a `ProviderError`
(or `NotFoundError`) carrying the engine's own explanation, never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import docker
import docker.errors
import requests.exceptions

from podfleet.errors import NotFoundError, ProviderError
from podfleet.providers.container.engine import Engine, unix_ping_headers

T = TypeVar("T")
DEFAULT_THREADS = 64
API_TIMEOUT = 120


def explain(err: Exception) -> str:
    """The engine's own words for a failure (`explanation` of an APIError), else the error text."""
    if isinstance(err, docker.errors.APIError):
        text = err.explanation or str(err)
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        return str(text).strip()
    return str(err).strip() or type(err).__name__


class EngineAPI:
    def __init__(self, engine: Engine, threads: int = DEFAULT_THREADS) -> None:
        self.engine = engine
        # The API version from a ping's headers where we can read them: `version="auto"`
        # asks `/version`, which podman answers in ~0.3 s — paid by every CLI command.
        ping = unix_ping_headers(engine.url[len("unix://"):]) if engine.url.startswith("unix://") else None
        api_version = (ping or {}).get("api-version") or "auto"
        self.client = docker.APIClient(base_url=engine.url, timeout=API_TIMEOUT, version=api_version,
                                       max_pool_size=threads)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="podfleet-engine")
        if ping is not None:
            self.is_podman = "libpod-api-version" in ping
            self.version = ping.get("libpod-api-version") or api_version
        else:
            info = self.client.version()
            # Podman answers with Components naming "Podman Engine"; Docker with "Engine".
            components = [str(c.get("Name", "")) for c in info.get("Components") or ()]
            self.is_podman = any("podman" in c.lower() for c in components)
            self.version = str(info.get("Version", "?"))
        # A unix socket means the engine's processes are this machine's (pidfd exit watching).
        self.local = engine.url.startswith("unix://")

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(_guarded, fn, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()


def _guarded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except docker.errors.NotFound as err:
        raise NotFoundError(explain(err)) from err
    except docker.errors.APIError as err:
        raise ProviderError(explain(err)) from err
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as err:
        raise ProviderError(f"the container engine does not answer: {err}") from err


__all__ = ["EngineAPI", "explain"]
