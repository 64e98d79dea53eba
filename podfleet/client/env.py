"""What `embedded()` yields in client mode: settings, a RemoteStore and a log-only provider.

The server address comes from PODFLEET_SERVER or ARGO_SERVER (`host:port` or a URL; without
a scheme, https unless PODFLEET_SECURE/ARGO_SECURE is `false`), the token from
PODFLEET_TOKEN or ARGO_TOKEN (the `Bearer ` prefix is optional, as with the argo CLI),
certificate checks are skipped with PODFLEET_INSECURE_SKIP_VERIFY/ARGO_INSECURE_SKIP_VERIFY.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from podfleet.client.store import RemoteStore, raise_for
from podfleet.config import Settings
from podfleet.errors import PodfleetError, ProviderError, TransientError


@dataclass(frozen=True)
class ServerSettings:
    url: str
    token: str | None
    verify: bool


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name)
        if value:
            return value
    return None


def server_settings(environ: Mapping[str, str] | None = None) -> ServerSettings | None:
    """The server to talk to, or None for embedded mode."""
    env = os.environ if environ is None else environ
    address = _first(env, "PODFLEET_SERVER", "ARGO_SERVER")
    if not address:
        return None
    if "://" not in address:
        secure = (_first(env, "PODFLEET_SECURE", "ARGO_SECURE") or "true").lower() not in ("false", "0", "no")
        address = f"{'https' if secure else 'http'}://{address}"
    token = _first(env, "PODFLEET_TOKEN", "ARGO_TOKEN")
    if token and " " not in token.strip():
        token = f"Bearer {token.strip()}"
    skip = (_first(env, "PODFLEET_INSECURE_SKIP_VERIFY", "ARGO_INSECURE_SKIP_VERIFY") or "").lower()
    return ServerSettings(address.rstrip("/"), token, skip not in ("true", "1", "yes"))


class RemoteProvider:
    """Logs through the server; pods are the server's business, so nothing else is done here."""

    name = "remote"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def logs(self, namespace: str, name: str, container: str = "main",
                   follow: bool = False) -> AsyncIterator[str]:
        params = {"podName": name, "logOptions.container": container}
        if follow:
            params["logOptions.follow"] = "true"
        # A pod is named <workflow>-<template>-<hash> (or <workflow> alone); names hold dashes, so try
        # the workflow names the pod name allows, longest first (the server says 404 otherwise).
        parts = name.split("-")
        for cut in range(len(parts), 0, -1):
            workflow = "-".join(parts[:cut])
            try:
                async with self.client.stream("GET", f"/api/v1/workflows/{namespace}/{workflow}/log",
                                              params=params, timeout=None) as resp:
                    if resp.status_code == 404:
                        await resp.aread()
                        continue
                    raise_for(resp)
                    async for line in resp.aiter_lines():
                        if line.strip():
                            message = json.loads(line)
                            if "error" in message:
                                raise ProviderError(str(message["error"].get("message")))
                            yield str(message["result"].get("content", "")) + "\n"
                    return
            except httpx.HTTPError as err:
                raise TransientError(f"cannot read logs from the server: {err}") from None
        raise ProviderError(f'pod "{name}" is not known to the server')

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: float | None = None) -> None:
        return None  # the server's controller deletes pods

    async def create_pod(self, pod: Any) -> None:
        raise ProviderError("pods run on the server in client mode")

    async def get_pod_status(self, namespace: str, name: str) -> None:
        return None

    async def list_pods(self) -> list[Any]:
        return []

    async def events(self) -> AsyncIterator[Any]:
        raise ProviderError("pod events are only seen on the server")
        yield  # pragma: no cover

    async def close(self) -> None:
        return None


@dataclass
class RemoteEnv:
    """Stands in for `Embedded`: same attributes, server-backed."""

    settings: Settings
    store: RemoteStore
    provider_name: str
    server: ServerSettings
    remote: bool = True

    def provider(self) -> RemoteProvider:
        return RemoteProvider(self.store.client)


def remote_env_from(settings: Settings, server: ServerSettings) -> RemoteEnv:
    headers = {"Authorization": server.token} if server.token else {}
    client = httpx.AsyncClient(base_url=server.url, headers=headers, verify=server.verify, timeout=60)
    return RemoteEnv(settings, RemoteStore(client), "remote", server)


async def wait_remote(env: RemoteEnv, refs: list[tuple[str, str]], *, watch: bool) -> list[dict[str, Any]]:
    """Poll the server until each workflow completes (nothing runs here); returns the final objects."""
    import asyncio

    view = None
    if watch:
        from podfleet.cli.render import LiveView

        view = LiveView()
    finals = []
    try:
        for namespace, name in refs:
            while True:
                obj = await env.store.get("Workflow", namespace, name, with_nodes=view is not None)
                if view is not None:
                    view.update(obj)
                if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error"):
                    finals.append(obj)
                    break
                await asyncio.sleep(0.5)
    except PodfleetError:
        raise
    finally:
        if view is not None:
            view.close()
    return finals


__all__ = ["ServerSettings", "server_settings", "RemoteEnv", "RemoteProvider", "remote_env_from", "wait_remote"]
