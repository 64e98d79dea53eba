"""`podfleet lint PATH...` — offline `argo lint`."""

from __future__ import annotations

import sys

import click

from podfleet import lint as linting


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Choice(["pretty", "simple", "json"]), default="pretty",
              help="Output format.")
def lint(paths: tuple[str, ...], output: str) -> None:
    """Lint Workflows, WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows.

    Files and folders are linted together, so templateRef and workflowTemplateRef
    resolve against the templates given alongside.
    """
    report = linting.lint_paths(list(paths))
    formatter = {"pretty": linting.format_pretty, "simple": linting.format_simple,
                 "json": linting.format_json}[output]
    click.echo(formatter(report), nl=False)
    sys.exit(0 if report.ok else 1)
