"""`podfleet auth token create|list|delete` — tokens for `podfleet server --auth-mode client`.

Tokens are made on the machine that holds the store (like creating a service-account
token with kubectl); the token is printed once and only its hash is kept.
"""

from __future__ import annotations

import click

from podfleet.auth import create_token, delete_token, list_tokens
from podfleet.cli.embedded import run
from podfleet.config import settings_from_env
from podfleet.store import open_store


@click.group()
def auth() -> None:
    """Manage API tokens."""


@auth.group()
def token() -> None:
    """Create, list and delete Bearer tokens."""


@token.command("create")
@click.argument("name")
@click.option("-n", "--namespace", "namespaces", multiple=True, help="Namespace the token may use (repeatable).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace, and cluster-scoped objects.")
def create(name: str, namespaces: tuple[str, ...], all_namespaces: bool) -> None:
    """Issue a token NAME; prints it once (use it as ARGO_TOKEN / PODFLEET_TOKEN)."""
    wanted = ["*"] if all_namespaces else list(namespaces)

    async def main() -> str:
        store = open_store(settings_from_env().store_path)
        try:
            _obj, secret = await create_token(store, name, wanted)
            return secret
        finally:
            await store.close()

    click.echo(run(main()))


@token.command("list")
def list_() -> None:
    """List tokens (names and namespaces; the tokens themselves are not kept)."""

    async def main() -> list[dict]:
        store = open_store(settings_from_env().store_path)
        try:
            return await list_tokens(store)
        finally:
            await store.close()

    rows = run(main())
    click.echo(f"{'NAME':<24} {'NAMESPACES':<30} CREATED")
    for obj in rows:  # type: ignore[attr-defined]
        spaces = ",".join(obj.get("spec", {}).get("namespaces") or [])
        click.echo(f"{obj['metadata']['name']:<24} {spaces:<30} {obj['metadata'].get('creationTimestamp', '')}")


@token.command("delete")
@click.argument("names", nargs=-1, required=True)
def delete(names: tuple[str, ...]) -> None:
    """Revoke tokens."""

    async def main() -> None:
        store = open_store(settings_from_env().store_path)
        try:
            for name in names:
                await delete_token(store, name)
                click.echo(f"token {name} deleted")
        finally:
            await store.close()

    run(main())
