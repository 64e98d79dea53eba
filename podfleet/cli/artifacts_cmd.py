"""`podfleet artifacts get|list`: getting a workflow's artifacts out of its repository.

The repository is the one frozen in the workflow's `status.artifactRepositoryRef`
(credentials read from the namespace's Secrets); key-only artifacts live there, artifacts
with their own bucket name it. `get` unpacks a tgz or zip, like the executor does.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import click

from podfleet.artifacts.lookup import find_node as _find_node
from podfleet.artifacts.lookup import location_of as _location
from podfleet.cli.embedded import embedded, namespace_of, run


def _rows(wf: dict[str, Any], node: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    nodes = [node] if node is not None else list(((wf.get("status") or {}).get("nodes") or {}).values())
    rows = []
    for n in nodes:
        for art in ((n.get("outputs") or {}).get("artifacts")) or ():
            loc = _location(art)
            key = str(loc[1].get("key") or loc[1].get("url") or loc[1].get("repo") or "") if loc else ""
            rows.append((str(n.get("displayName") or n.get("name")), str(art.get("name")), loc[0] if loc else "", key))
    return rows


async def _load(namespace: str, workflow: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from podfleet.cli.workflows import get_workflow, resolve_name

    async with embedded() as env:
        name = await resolve_name(env, namespace, workflow)
        wf = await get_workflow(env, namespace, name)
        secrets: dict[str, Any] = {}
        for obj in await env.store.list("Secret", namespace):
            secrets[obj["metadata"]["name"]] = obj
        return wf, secrets


@click.group("artifacts")
def artifacts() -> None:
    """List and download a workflow's artifacts."""


@artifacts.command("list")
@click.argument("workflow")
@click.argument("node", required=False)
@click.option("-n", "--namespace", default=None, help="Namespace.")
@click.pass_context
def list_cmd(ctx: click.Context, workflow: str, node: str | None, namespace: str | None) -> None:
    """The output artifacts of WORKFLOW (or of one NODE) with their keys."""
    wf, _ = run(_load(namespace_of(ctx, namespace), workflow))  # type: ignore[misc]
    rows = _rows(wf, _find_node(wf, node) if node else None)
    if not rows:
        click.echo("no artifacts")
        return
    header = ("NODE", "ARTIFACT", "LOCATION", "KEY")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        click.echo("   ".join(row[i].ljust(widths[i]) for i in range(3)) + "   " + row[3])


@artifacts.command("get")
@click.argument("workflow")
@click.argument("node")
@click.argument("artifact")
@click.option("-o", "--output", "output", default=None, type=click.Path(),
              help="Where to write it (default: the artifact's name in the current folder).")
@click.option("-n", "--namespace", default=None, help="Namespace.")
@click.pass_context
def get_cmd(ctx: click.Context, workflow: str, node: str, artifact: str, output: str | None,
            namespace: str | None) -> None:
    """Download ARTIFACT of NODE (a step/task name, node name or id, or pod name) and unpack it."""
    from podfleet.artifacts.archive import unpack_any
    from podfleet.artifacts.local import LocalArtifactRepository
    from podfleet.artifacts.lookup import find_artifact, open_artifact
    from podfleet.config import settings_from_env
    from podfleet.controller.artifacts import decode_secret

    ns = namespace_of(ctx, namespace)
    wf, secret_objs = run(_load(ns, workflow))  # type: ignore[misc]
    art = find_artifact(_find_node(wf, node), artifact)
    stored = open_artifact(wf, art, lambda name: decode_secret(secret_objs.get(name)),
                           LocalArtifactRepository(settings_from_env().artifacts_dir))
    target = Path(output) if output else Path.cwd() / str(artifact)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".podfleet-get-", dir=target.parent) as tmp:
        fetched = Path(tmp) / "object"
        stored.repository.get(stored.key, fetched)
        placed = unpack_any(fetched, Path(tmp) / "unpacked")
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        shutil.move(str(placed), str(target))
    click.echo(f"{artifact} -> {target}")


__all__ = ["artifacts"]
