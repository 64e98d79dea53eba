"""Workflow verbs that read or follow workflows: list, get, delete, wait, watch, logs."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import click

from podfleet.cli.embedded import Embedded, embedded, namespace_of, run
from podfleet.cli.output import print_object
from podfleet.controller.ids import pod_name
from podfleet.errors import InvalidError, NotFoundError
from podfleet.store.contract import Obj

COMPLETED = ("Succeeded", "Failed", "Error")


def namespace_option(fn):  # type: ignore[no-untyped-def]
    return click.option("-n", "--namespace", default=None, help="Namespace.")(fn)


async def get_workflow(env: Embedded, namespace: str, name: str, *, with_nodes: bool = True) -> Obj:
    try:
        return await env.store.get("Workflow", namespace, name, with_nodes=with_nodes)
    except NotFoundError:
        raise NotFoundError(f'workflow "{name}" not found in namespace "{namespace}"') from None


async def resolve_name(env: Embedded, namespace: str, name: str) -> str:
    """Argo's `@latest` alias: the most recently created workflow."""
    if name != "@latest":
        return name
    workflows = await env.store.list("Workflow", namespace)
    if not workflows:
        raise NotFoundError(f'no workflows in namespace "{namespace}"')
    return str(workflows[-1]["metadata"]["name"])


@click.command("list")
@namespace_option
@click.option("-A", "--all-namespaces", is_flag=True, help="List workflows of every namespace.")
@click.option("--status", default=None, help="Only workflows in these phases (comma separated).")
@click.option("--completed", is_flag=True, help="Only completed workflows.")
@click.option("--running", is_flag=True, help="Only running workflows.")
@click.option("-l", "--selector", default=None, help="Label selector KEY=VALUE[,KEY=VALUE].")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml", "wide"]), default=None)
@click.pass_context
def list_(ctx: click.Context, namespace: str | None, all_namespaces: bool, status: str | None,
          completed: bool, running: bool, selector: str | None, output: str | None) -> None:
    """List workflows."""
    ns = None if all_namespaces else namespace_of(ctx, namespace)
    labels = None
    if selector:
        labels = {}
        for pair in selector.split(","):
            key, sep, val = pair.partition("=")
            if not sep:
                raise InvalidError(f"bad selector {pair!r}: expected KEY=VALUE")
            labels[key.strip()] = val.strip()

    async def main() -> list[Obj]:
        async with embedded() as env:
            return await env.store.list("Workflow", ns, label_selector=labels)

    workflows: list[Obj] = run(main())  # type: ignore[assignment]
    phases = {p.strip() for p in status.split(",")} if status else None

    def keep(wf: Obj) -> bool:
        phase = (wf.get("status") or {}).get("phase") or "Pending"
        if phases and phase not in phases:
            return False
        if completed and phase not in COMPLETED:
            return False
        return not (running and phase != "Running")

    workflows = sorted(filter(keep, workflows), key=lambda w: w["metadata"].get("creationTimestamp", ""),
                       reverse=True)
    if output == "name":
        for wf in workflows:
            click.echo(wf["metadata"]["name"])
    elif output in ("json", "yaml"):
        from podfleet.resources.dump import to_json, to_yaml

        click.echo(to_json(workflows) if output == "json" else to_yaml(workflows), nl=output == "json")
    else:
        from podfleet.cli.render import workflow_list_table

        click.echo(workflow_list_table(workflows, wide=output == "wide"), nl=False)


async def follow(env: Embedded, namespace: str, name: str, *, watch: bool) -> Obj:
    """Wait for a workflow to complete, running it here if no live controller owns it."""
    if getattr(env, "remote", False):  # client mode: the server runs it, we only wait
        from podfleet.client.env import wait_remote

        return (await wait_remote(env, [(namespace, name)], watch=watch))[0]  # type: ignore[arg-type]
    from podfleet.cli.render import LiveView
    from podfleet.controller.runner import Runner

    view = LiveView() if watch else None
    runner = Runner(env.store, env.provider(), on_change=view.update if view else None)

    async def poll() -> None:
        while True:
            if view is not None:
                view.update(await get_workflow(env, namespace, name))
            await asyncio.sleep(0.5)

    poller = asyncio.create_task(poll())
    try:
        final = await runner.run_workflow(namespace, name)
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        await runner.close()
        await runner.provider.close()
    final = await get_workflow(env, namespace, name)
    if view is not None:
        view.update(final)
        view.close()
    return final


@click.command()
@click.argument("args", nargs=-1, required=True)
@namespace_option
@click.option("-o", "--output", type=click.Choice(["json", "yaml", "wide", "name", "short"]), default=None)
@click.option("--node-field-selector", default=None, help="Only nodes matching, e.g. phase=Failed.")
@click.option("--status", default=None, help="Only nodes in this phase.")
@click.pass_context
def get(ctx: click.Context, args: tuple[str, ...], namespace: str | None, output: str | None,
        node_field_selector: str | None, status: str | None) -> None:
    """Show a workflow (`get NAME`) or other objects (`get KIND [NAME]`).

    KIND is workflowtemplate, clusterworkflowtemplate, cronworkflow, configmap or secret.
    """
    from podfleet.cli.resources_cmd import get_objects, kind_of_word, show_objects

    ns = namespace_of(ctx, namespace)
    kind = kind_of_word(args[0]) if len(args) <= 2 else None
    if kind == "Workflow" and len(args) == 2:
        args = args[1:]
    elif kind is not None:
        objs = run(get_objects(kind, ns, args[1] if len(args) > 1 else None))
        show_objects(kind, objs, output, single=len(args) > 1)  # type: ignore[arg-type]
        return
    if len(args) != 1:
        raise InvalidError(f"unknown kind {args[0]!r}; give a workflow name, or one of: workflowtemplate, "
                           "clusterworkflowtemplate, cronworkflow, configmap, secret")
    name = args[0]

    async def main() -> Obj:
        async with embedded() as env:
            return await get_workflow(env, ns, await resolve_name(env, ns, name))

    wf: Obj = run(main())  # type: ignore[assignment]
    if output in ("json", "yaml", "name"):
        print_object(wf, output)
        return
    from podfleet.cli.render import render_get

    selector = node_field_selector or (f"phase={status}" if status else None)
    click.echo(render_get(wf, wide=output == "wide", node_field_selector=selector), nl=False)


@click.command()
@click.argument("names", nargs=-1)
@namespace_option
@click.option("--all", "all_", is_flag=True, help="Delete every workflow in the namespace.")
@click.option("--completed", is_flag=True, help="Delete completed workflows.")
@click.pass_context
def delete(ctx: click.Context, names: tuple[str, ...], namespace: str | None, all_: bool, completed: bool) -> None:
    """Delete workflows (`delete NAME...`, their pods are stopped) or objects (`delete KIND NAME...`)."""
    from podfleet.cli.resources_cmd import delete_object, kind_of_word

    ns = namespace_of(ctx, namespace)
    kind = kind_of_word(names[0]) if len(names) >= 2 else None
    if kind is not None and kind != "Workflow":
        for name in names[1:]:
            run(delete_object(kind, ns, name))
            click.echo(f"{kind.lower()}/{name} deleted")
        return
    if kind == "Workflow":
        names = names[1:]
    if not names and not all_ and not completed:
        raise InvalidError("give workflow names, --all or --completed")

    async def main() -> list[str]:
        async with embedded() as env:
            targets = [await resolve_name(env, ns, n) for n in names]
            if all_ or completed:
                for wf in await env.store.list("Workflow", ns):
                    if all_ or (wf.get("status") or {}).get("phase") in COMPLETED:
                        targets.append(wf["metadata"]["name"])
            deleted = []
            provider = env.provider()
            try:
                from podfleet.artifacts.local import LocalArtifactRepository
                from podfleet.controller.artifacts import gc_deleted

                for target in dict.fromkeys(targets):
                    wf = await get_workflow(env, ns, target)
                    await gc_deleted(env.store, wf, LocalArtifactRepository(env.settings.artifacts_dir))
                    await env.store.delete("Workflow", ns, target)
                    for pod in _pod_names(wf):
                        with contextlib.suppress(Exception):
                            await provider.delete_pod(ns, pod, 0)
                    deleted.append(target)
            finally:
                await provider.close()
            return deleted

    for name in run(main()):  # type: ignore[attr-defined]
        click.echo(f'Workflow \'{name}\' deleted')


def _pod_names(wf: Obj) -> list[str]:
    wf_name = wf["metadata"]["name"]
    nodes = (wf.get("status") or {}).get("nodes") or {}
    return [pod_name(wf_name, n["name"], n.get("templateName")) for n in nodes.values() if n.get("type") == "Pod"]


@click.command()
@click.argument("names", nargs=-1, required=True)
@namespace_option
@click.option("--provider", default=None, help="Pod provider if this process has to run the workflow.")
@click.pass_context
def wait(ctx: click.Context, names: tuple[str, ...], namespace: str | None, provider: str | None) -> None:
    """Wait for workflows to complete; exit 1 if any did not succeed."""
    ns = namespace_of(ctx, namespace)

    async def main() -> bool:
        ok = True
        async with embedded(provider) as env:
            for name in names:
                final = await follow(env, ns, await resolve_name(env, ns, name), watch=False)
                status = final.get("status") or {}
                click.echo(f"{final['metadata']['name']} {status.get('phase')} at {status.get('finishedAt')}")
                ok = ok and status.get("phase") == "Succeeded"
        return ok

    sys.exit(0 if run(main()) else 1)


@click.command()
@click.argument("name")
@namespace_option
@click.option("--provider", default=None, help="Pod provider if this process has to run the workflow.")
@click.pass_context
def watch(ctx: click.Context, name: str, namespace: str | None, provider: str | None) -> None:
    """Watch a workflow until it completes, drawing its tree."""
    ns = namespace_of(ctx, namespace)

    async def main() -> str:
        async with embedded(provider) as env:
            final = await follow(env, ns, await resolve_name(env, ns, name), watch=True)
            return str((final.get("status") or {}).get("phase"))

    sys.exit(0 if run(main()) == "Succeeded" else 1)


@click.command()
@click.argument("name")
@click.argument("pod", required=False)
@namespace_option
@click.option("-c", "--container", default="main", help="Container name.")
@click.option("-f", "--follow", "follow_", is_flag=True, help="Keep printing as the logs grow.")
@click.option("--no-prefix", is_flag=True, help="Do not prefix lines with the pod name.")
@click.pass_context
def logs(ctx: click.Context, name: str, pod: str | None, namespace: str | None, container: str,
         follow_: bool, no_prefix: bool) -> None:
    """Print the logs of a workflow's pods (or of one POD)."""
    ns = namespace_of(ctx, namespace)

    async def main() -> None:
        async with embedded() as env:
            wf = await get_workflow(env, ns, await resolve_name(env, ns, name))
            pods = _pod_names(wf)
            if pod:
                if pod not in pods:
                    raise NotFoundError(f'pod "{pod}" is not a pod of workflow "{name}"')
                pods = [pod]
            provider = env.provider()
            try:
                for target in pods:
                    async for line in provider.logs(ns, target, container, follow=follow_):
                        click.echo(line.rstrip("\n") if no_prefix else f"{target}: {line.rstrip(chr(10))}")
            finally:
                await provider.close()

    run(main())
