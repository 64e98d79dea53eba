"""Verbs that change a workflow in place: suspend, resume, stop, terminate, retry, resubmit.

Each is a pure operation from `podfleet.controller.operations` applied to the stored
workflow with optimistic concurrency (re-read and re-apply on a conflict with a running
controller), followed by what it implies for pods. A controller picks the change up
from the store's watch; when none is running, a background one is started.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

import click

from podfleet.cli.embedded import Embedded, embedded, namespace_of, run, start_background_controller
from podfleet.cli.output import print_submitted
from podfleet.cli.workflows import get_workflow, namespace_option, resolve_name
from podfleet.controller import operations
from podfleet.errors import ConflictError, PodfleetError
from podfleet.store.contract import Obj

Operation = Callable[[Obj, dict[str, Any]], operations.NodeChanges]


async def apply_operation(env: Embedded, namespace: str, name: str, op: Operation) -> Obj:
    """Apply `op` to the stored workflow, retrying on conflicts; returns the updated object."""
    for _ in range(20):
        obj = await get_workflow(env, namespace, name)
        status = obj.setdefault("status", {})
        nodes = status.pop("nodes", None) or {}
        changes = op(obj, nodes)
        operations.apply_to(obj, changes)
        try:
            updated = await env.store.update(obj, nodes=changes.changed_nodes,
                                             deleted_nodes=changes.deleted_node_ids)
        except ConflictError:
            continue
        if changes.pods_to_delete:
            provider = env.provider()
            try:
                for pod in changes.pods_to_delete:
                    with contextlib.suppress(PodfleetError):
                        await provider.delete_pod(namespace, pod, 0)
            finally:
                await provider.close()
        return updated
    raise ConflictError(f'workflow "{name}" kept changing while it was being updated; try again')


def _simple_verb(verb: str, past: str, make_op: Callable[..., Operation]) -> click.Command:
    @click.command(verb)
    @click.argument("names", nargs=-1, required=True)
    @namespace_option
    @click.option("--node-field-selector", default=None, help="Only nodes matching, e.g. displayName=approve.")
    @click.pass_context
    def command(ctx: click.Context, names: tuple[str, ...], namespace: str | None,
                node_field_selector: str | None) -> None:
        ns = namespace_of(ctx, namespace)

        async def main() -> None:
            async with embedded() as env:
                for name in names:
                    name = await resolve_name(env, ns, name)
                    await apply_operation(env, ns, name, make_op(node_field_selector))
                    click.echo(f"workflow {name} {past}")
                start_background_controller(env.settings, env.provider_name)

        run(main())

    command.help = f"{verb.capitalize()} workflows."
    return command


suspend = _simple_verb("suspend", "suspended", lambda sel: lambda wf, nodes: operations.suspend(wf))
resume = _simple_verb("resume", "resumed", lambda sel: lambda wf, nodes: operations.resume(
    wf, nodes, node_field_selector=sel))
stop = _simple_verb("stop", "stopped", lambda sel: lambda wf, nodes: operations.stop(wf))
terminate = _simple_verb("terminate", "terminated", lambda sel: lambda wf, nodes: operations.terminate(wf))


@click.command()
@click.argument("names", nargs=-1, required=True)
@namespace_option
@click.option("--restart-successful", is_flag=True, help="Also re-run succeeded nodes the selector picks.")
@click.option("--node-field-selector", default=None, help="Nodes to restart, e.g. displayName=step-b.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="Override a workflow parameter NAME=VALUE.")
@click.option("-w", "--watch", is_flag=True, help="Watch the retried workflow until it completes.")
@click.option("--wait", is_flag=True, help="Wait for the retried workflow to complete.")
@click.pass_context
def retry(ctx: click.Context, names: tuple[str, ...], namespace: str | None, restart_successful: bool,
          node_field_selector: str | None, parameters: tuple[str, ...], watch: bool, wait: bool) -> None:
    """Retry failed workflows from their failed nodes."""
    ns = namespace_of(ctx, namespace)

    async def main() -> bool:
        async with embedded() as env:
            retried = []
            for name in names:
                name = await resolve_name(env, ns, name)
                await apply_operation(env, ns, name, lambda wf, nodes: operations.retry(
                    wf, nodes, restart_successful=restart_successful, node_field_selector=node_field_selector,
                    parameters=list(parameters) or None))
                click.echo(f"workflow {name} retried")
                retried.append(name)
            return await _follow_or_background(env, ns, retried, watch=watch, wait=wait)

    sys.exit(0 if run(main()) else 1)


@click.command()
@click.argument("names", nargs=-1, required=True)
@namespace_option
@click.option("--memoized", is_flag=True, help="Re-use the outputs of nodes that succeeded.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="Override a workflow parameter NAME=VALUE.")
@click.option("-w", "--watch", is_flag=True, help="Watch the new workflow until it completes.")
@click.option("--wait", is_flag=True, help="Wait for the new workflow to complete.")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml", "wide"]), default=None)
@click.pass_context
def resubmit(ctx: click.Context, names: tuple[str, ...], namespace: str | None, memoized: bool,
             parameters: tuple[str, ...], watch: bool, wait: bool, output: str | None) -> None:
    """Submit a workflow again, as a new workflow with the same spec."""
    ns = namespace_of(ctx, namespace)

    async def main() -> bool:
        async with embedded() as env:
            created = []
            for name in names:
                name = await resolve_name(env, ns, name)
                old = await get_workflow(env, ns, name, with_nodes=False)
                new = await env.store.create(operations.resubmit(old, memoized=memoized,
                                                                 parameters=list(parameters) or None))
                print_submitted(new, output)
                created.append(new["metadata"]["name"])
            return await _follow_or_background(env, ns, created, watch=watch, wait=wait, output=output)

    sys.exit(0 if run(main()) else 1)


async def _follow_or_background(env: Embedded, namespace: str, names: list[str], *, watch: bool, output: str | None = None,
                                wait: bool) -> bool:
    if not (watch or wait):
        start_background_controller(env.settings, env.provider_name)
        return True
    from podfleet.cli.watching import run_embedded

    phases = await run_embedded(env, [(namespace, n) for n in names], watch=watch, output=output)
    return all(p == "Succeeded" for p in phases)
