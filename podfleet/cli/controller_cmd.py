"""`podfleet controller` — run the workflow controller on the embedded store.

`submit` without `--wait` starts one of these in the background with `--until-idle`;
it can also be run by hand to carry on workflows after a crash or reboot.
"""

from __future__ import annotations

import click

from podfleet.cli.embedded import embedded, run
from podfleet.controller.runner import Runner, default_holder

BACKGROUND_LEASE = "controller/background"


@click.command()
@click.option("--until-idle", is_flag=True, help="Exit once no workflow is left to run.")
@click.option("--provider", default=None, help="Pod provider: auto, process or container.")
def controller(until_idle: bool, provider: str | None) -> None:
    """Run unfinished workflows from the store until they complete."""

    async def main() -> None:
        async with embedded(provider) as env:
            holder = default_holder()
            if until_idle and not await env.store.acquire_lease(BACKGROUND_LEASE, holder, 30.0):
                return  # another background controller is already carrying the workflows on
            runner = Runner(env.store, env.provider(), holder=holder)
            try:
                if until_idle:
                    await runner.run_until_idle()
                else:
                    await runner.run_until_idle(idle_grace=float("inf"))
            finally:
                await runner.close()
                await runner.provider.close()
                await env.store.release_lease(BACKGROUND_LEASE, holder)

    run(main())
