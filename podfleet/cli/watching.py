"""Running workflows in this process (`submit --wait/--watch`, `wait`, `watch`)."""

from __future__ import annotations

from podfleet.cli.embedded import Embedded
import click

from podfleet.controller.runner import Runner
from podfleet.store.contract import Obj


async def run_embedded(env: Embedded, refs: list[tuple[str, str]], *, watch: bool,
                       output: str | None) -> list[str]:
    """Drive the workflows to completion here; returns their final phases."""
    if getattr(env, "remote", False):  # client mode: the server runs them, we only wait
        from podfleet.client.env import wait_remote

        finals = await wait_remote(env, refs, watch=watch)  # type: ignore[arg-type]
        if not watch and output in (None, "wide"):
            for obj in finals:
                status = obj.get("status") or {}
                click.echo(f"{obj['metadata']['name']} {status.get('phase')} at {status.get('finishedAt')}")
        return [(o.get("status") or {}).get("phase", "") for o in finals]
    view = None
    if watch:
        from podfleet.cli.render import LiveView

        view = LiveView()
    runner = Runner(env.store, env.provider(), on_change=view.update if view else None)
    phases: list[str] = []
    try:
        for namespace, name in refs:
            final: Obj = await runner.run_workflow(namespace, name)
            phases.append((final.get("status") or {}).get("phase", ""))
            if view is not None:
                view.update(final)
    finally:
        if view is not None:
            view.close()
        await runner.close()
        await runner.provider.close()
    if not watch and output in (None, "wide"):
        # As `argo submit --wait`: one line per workflow once it is done (quiet with -o).
        for namespace, name in refs:
            obj = await env.store.get("Workflow", namespace, name, with_nodes=False)
            status = obj.get("status") or {}
            click.echo(f"{name} {status.get('phase')} at {status.get('finishedAt')}")
    return phases
