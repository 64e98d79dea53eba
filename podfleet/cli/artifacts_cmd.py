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

from podfleet.cli.embedded import embedded, namespace_of, run
from podfleet.errors import NotFoundError, PodfleetError

_KINDS = ("s3", "oss", "local", "http", "git", "raw")


def _location(art: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for kind in _KINDS:
        if isinstance(art.get(kind), dict):
            return kind, art[kind]
    return None


def _find_node(wf: dict[str, Any], wanted: str) -> dict[str, Any]:
    """A node by id, full name, display (step/task) name, or pod name."""
    from podfleet.controller.ids import pod_name

    nodes = list(((wf.get("status") or {}).get("nodes") or {}).values())
    name = wf["metadata"]["name"]
    for match in (lambda n: n.get("id") == wanted, lambda n: n.get("name") == wanted,
                  lambda n: n.get("displayName") == wanted,
                  lambda n: n.get("type") == "Pod" and pod_name(name, n["name"], n.get("templateName")) == wanted):
        found = [n for n in nodes if match(n)]
        if found:
            # The last attempt of a retried step is the one whose outputs count.
            with_outputs = [n for n in found if (n.get("outputs") or {}).get("artifacts")]
            return (with_outputs or found)[-1]
    raise NotFoundError(f'workflow "{name}" has no node or step named "{wanted}"')


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
    from podfleet.artifacts.config import Secrets, repository_kind, secret_refs
    from podfleet.artifacts.podconfig import LOCAL_DEFAULT, PodArtifacts, open_repository
    from podfleet.artifacts.local import LocalArtifactRepository
    from podfleet.config import settings_from_env
    from podfleet.controller.artifacts import decode_secret

    ns = namespace_of(ctx, namespace)
    wf, secret_objs = run(_load(ns, workflow))  # type: ignore[misc]
    found = _find_node(wf, node)
    outputs = (found.get("outputs") or {}).get("artifacts") or []
    art = next((a for a in outputs if a.get("name") == artifact), None)
    if art is None:
        names = ", ".join(str(a.get("name")) for a in outputs) or "none"
        raise NotFoundError(f'node "{found.get("displayName")}" has no output artifact "{artifact}" (it has: {names})')
    loc = _location(art)
    if loc is None or not loc[1].get("key"):
        raise PodfleetError(f'artifact "{artifact}" has no key in a repository podfleet can read')
    repo = ((wf.get("status") or {}).get("artifactRepositoryRef") or {}).get("artifactRepository") or LOCAL_DEFAULT
    refs = [*secret_refs(repo[repository_kind(repo)]), *secret_refs(loc[1])]
    values: dict[str, dict[str, str]] = {}
    for name, key in refs:
        got = decode_secret(secret_objs.get(name))
        if key in got:
            values.setdefault(name, {})[key] = got[key]
    secrets = Secrets(values)
    local = LocalArtifactRepository(settings_from_env().artifacts_dir)
    ctx_repo = PodArtifacts(open_repository(repo, secrets, local), secrets=secrets, local=local,
                            repository_spec=dict(repo))
    target = Path(output) if output else Path.cwd() / str(artifact)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".podfleet-get-", dir=target.parent) as tmp:
        fetched = Path(tmp) / "object"
        ctx_repo.for_location(loc[0], loc[1]).get(str(loc[1]["key"]), fetched)
        placed = unpack_any(fetched, Path(tmp) / "unpacked")
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        shutil.move(str(placed), str(target))
    click.echo(f"{artifact} -> {target}")


__all__ = ["artifacts"]
