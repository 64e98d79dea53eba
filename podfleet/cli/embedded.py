"""Embedded mode: the store, a provider and a runner in this very process.

This is what makes `podfleet submit --watch wf.yaml` work with no server and no
cluster. The CLI verbs talk to an `Embedded` only through the store contract and the
runner, so a server-backed client can stand in for it later.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import click

from podfleet.config import Settings, settings_from_env
from podfleet.providers.contract import Provider
from podfleet.providers.select import open_provider
from podfleet.store import open_store
from podfleet.store.contract import Store

@dataclass
class Embedded:
    settings: Settings
    store: Store
    provider_name: str

    def provider(self) -> Provider:
        """The zones' providers behind the placement layer; the fleet comes from the store's
        `eci-profile` ConfigMap (kube-system), else one zone the size of this machine."""
        from podfleet.placement import PlacementProvider, load_fleet

        default = self.provider_name
        return PlacementProvider(lambda name: open_provider(name, self.settings),
                                 lambda: load_fleet(self.store, default), home=self.settings.home)


@contextlib.asynccontextmanager
async def embedded(provider: str | None = None) -> AsyncIterator[Embedded]:
    settings = settings_from_env()
    from podfleet.client.env import remote_env_from, server_settings

    server = server_settings()
    if server is not None:  # client mode: PODFLEET_SERVER / ARGO_SERVER is set
        remote = remote_env_from(settings, server)
        try:
            yield remote  # type: ignore[misc]  # same attributes as Embedded, server-backed
        finally:
            await remote.store.close()
        return
    store = open_store(settings.store_path)
    try:
        yield Embedded(settings, store, provider or settings.provider)
    finally:
        await store.close()


def namespace_of(ctx: click.Context, namespace: str | None) -> str:
    """`-n` given to the verb wins over `-n` given before it, then the environment."""
    if namespace:
        return namespace
    root = ctx.find_root().obj or {}
    return root.get("namespace") or settings_from_env().namespace


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def start_background_controller(settings: Settings, provider: str) -> None:
    """Carry submitted workflows on after `submit` returns: a detached controller that
    exits when nothing is left to run. Starting one while another runs is harmless —
    workflow leases keep them from running the same workflow twice."""
    from podfleet.client.env import server_settings

    if server_settings() is not None:
        return  # client mode: the server's controller carries workflows on
    settings.home.mkdir(parents=True, exist_ok=True)
    log = open(settings.home / "controller.log", "ab")  # noqa: SIM115 — handed to the child
    env = {**os.environ, "PODFLEET_HOME": str(settings.home)}
    subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "podfleet", "controller", "--until-idle", "--provider", provider],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=env,
        cwd=str(Path.home()) if Path.home().exists() else "/",
    )
    log.close()
