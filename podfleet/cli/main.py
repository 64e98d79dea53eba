"""Entry point of the `podfleet` command.

Every expected failure is a PodfleetError and is printed as one line on stderr with
exit status 1; a traceback would mean a bug, and is only shown with PODFLEET_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

import click

from podfleet import __version__
from podfleet.errors import PodfleetError


class PodfleetGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PodfleetError as err:
            if os.environ.get("PODFLEET_DEBUG"):
                raise
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=PodfleetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podfleet")
@click.option("-n", "--namespace", default=None, help="Namespace (default: $PODFLEET_NAMESPACE or 'default').")
@click.pass_context
def cli(ctx: click.Context, namespace: str | None) -> None:
    """Run Argo Workflows, unchanged, on elastic pods — no cluster needed."""
    ctx.ensure_object(dict)
    ctx.obj["namespace"] = namespace


def _register() -> None:
    # Imported here so `podfleet --help` stays fast and each verb lives in its own module.
    from podfleet.cli import controller_cmd, operations_cmd, resources_cmd, submit, workflows
    from podfleet.cli import lint as lint_cmd

    cli.add_command(lint_cmd.lint)
    cli.add_command(submit.submit)
    cli.add_command(workflows.list_)
    cli.add_command(workflows.get)
    cli.add_command(workflows.delete)
    cli.add_command(workflows.wait)
    cli.add_command(workflows.watch)
    cli.add_command(workflows.logs)
    cli.add_command(resources_cmd.apply)
    cli.add_command(controller_cmd.controller)
    from podfleet.cli import artifacts_cmd, fleet_cmd

    cli.add_command(artifacts_cmd.artifacts)

    for command in (fleet_cmd.fleet, fleet_cmd.pods, fleet_cmd.cost):
        cli.add_command(command)
    from podfleet.cli import auth_cmd, cron_cmd, server_cmd

    cli.add_command(server_cmd.server)
    cli.add_command(auth_cmd.auth)
    cli.add_command(cron_cmd.cron)
    from podfleet.cli import datacache_cmd

    cli.add_command(datacache_cmd.datacache)
    for verb in (operations_cmd.suspend, operations_cmd.resume, operations_cmd.stop, operations_cmd.terminate,
                 operations_cmd.retry, operations_cmd.resubmit):
        cli.add_command(verb)


_register()


def main() -> None:
    cli(prog_name="podfleet")
