"""How objects are printed: `-o name|json|yaml|wide`, and Argo's summaries."""

from __future__ import annotations

import click

from podfleet.resources.dump import to_json, to_yaml
from podfleet.store.contract import Obj


def print_object(obj: Obj, output: str | None) -> None:
    if output == "json":
        click.echo(to_json(obj))
    elif output == "yaml":
        click.echo(to_yaml(obj), nl=False)
    elif output == "name":
        click.echo(obj["metadata"]["name"])
    else:
        from podfleet.cli.render import render_get

        click.echo(render_get(obj, wide=output == "wide"), nl=False)


def print_submitted(obj: Obj, output: str | None) -> None:
    """What `argo submit` prints right after creating a workflow."""
    if output in ("json", "yaml", "name"):
        print_object(obj, output)
        return
    from podfleet.cli.render import workflow_summary

    click.echo(workflow_summary(obj), nl=False)
