"""`podfleet datacache run`: the dataset-cache worker (status, DataLoads), and what
`apply` does for data.fluid.io objects: check them, warn about what keeps a dataset
from binding, and start a background worker that carries DataLoads to the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from podfleet.cli.embedded import embedded, run
from podfleet.config import settings_from_env
from podfleet.datacache.model import ALL_KINDS, API_VERSION, RUNTIME_KINDS

WORKER_LEASE = "datacache/worker"


def _is_fluid(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("apiVersion") == API_VERSION and raw.get("kind") in ALL_KINDS


def check_documents(docs: list[Any]) -> None:
    """Validate data.fluid.io documents (schemes, tiers, policies) before anything is applied."""
    from podfleet.resources.loader import parse_resource

    for doc in docs:
        if _is_fluid(doc.raw):
            parse_resource(doc)


def after_apply(raws: list[Any], namespace: str) -> None:
    fluid = [r for r in raws if _is_fluid(r)]
    if not fluid:
        return
    for line in run(_warnings(fluid, namespace)):  # type: ignore[attr-defined]
        click.echo(f"warning: {line}", err=True)
    start_background_worker()


async def _warnings(raws: list[Any], namespace: str) -> list[str]:
    from podfleet.datacache.plan import find_runtime, plan_dataset
    from podfleet.errors import NotFoundError, PodfleetError

    out: list[str] = []
    async with embedded() as env:
        async def lookup(kind: str, ns: str, name: str) -> dict[str, Any] | None:
            try:
                return dict(await env.store.get(kind, ns, name))
            except NotFoundError:
                return None

        for raw in raws:
            meta = raw.get("metadata") or {}
            ns, name = meta.get("namespace") or namespace, meta.get("name")
            if raw["kind"] in RUNTIME_KINDS and await lookup("Dataset", ns, name) is None:
                out.append(f'{raw["kind"]} "{name}" has no Dataset "{name}" in namespace "{ns}": it stays NotReady '
                           "until one is applied (a runtime binds to the Dataset of the same name)")
            elif raw["kind"] == "Dataset" and await find_runtime(lookup, ns, name) is not None:
                stored = await lookup("Dataset", ns, name)
                try:
                    await plan_dataset(lookup, env.settings.home, ns, stored or raw)
                except PodfleetError as err:
                    out.append(f"{err.message}; the Dataset stays NotBound")
            elif raw["kind"] == "DataLoad":
                target = (raw.get("spec") or {}).get("dataset") or {}
                if await lookup("Dataset", ns, str(target.get("name"))) is None:
                    out.append(f'DataLoad "{name}": no Dataset "{target.get("name")}" in namespace "{ns}": '
                               "it stays Pending until one is applied")
    return out


def start_background_worker() -> None:
    """A detached `podfleet datacache run --until-idle` (one at a time: it takes a lease)."""
    from podfleet.client.env import server_settings

    if server_settings() is not None or os.environ.get("PODFLEET_DATACACHE_WORKER") == "off":
        return
    settings = settings_from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    log = open(settings.home / "datacache.log", "ab")  # noqa: SIM115 — handed to the child
    subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "podfleet", "datacache", "run", "--until-idle"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        env={**os.environ, "PODFLEET_HOME": str(settings.home),
             # the same podfleet as this process, whatever the child's cwd
             "PYTHONPATH": os.pathsep.join(p for p in (_package_root(), os.environ.get("PYTHONPATH")) if p)},
        cwd=str(Path.home()) if Path.home().exists() else "/",
    )
    log.close()


def _package_root() -> str:
    import podfleet

    return str(Path(podfleet.__file__).resolve().parents[1])


@click.group()
def datacache() -> None:
    """The dataset cache (Fluid's Dataset, runtimes and DataLoad)."""


@datacache.command("run")
@click.option("--until-idle", is_flag=True, help="Exit once no DataLoad is pending or executing.")
def run_cmd(until_idle: bool) -> None:
    """Keep datasets' and runtimes' status current and run DataLoads."""
    from podfleet.controller.runner import default_holder
    from podfleet.datacache.reconcile import run as reconcile

    async def main() -> None:
        async with embedded() as env:
            holder = default_holder()
            if not await env.store.acquire_lease(WORKER_LEASE, holder, 3600.0):
                return  # another worker is running
            try:
                await reconcile(env.store, env.settings.home, holder, until_idle=until_idle)
            finally:
                await env.store.release_lease(WORKER_LEASE, holder)

    run(main())


__all__ = ["datacache", "check_documents", "after_apply", "start_background_worker"]
