"""`podfleet cron create|list|get|suspend|resume|delete` — Argo's `argo cron`.

CronWorkflows are stored like any object; they fire while `podfleet server` runs (its
controller holds the scheduler). With PODFLEET_SERVER set these verbs go to the server.
"""

from __future__ import annotations

import click

from podfleet.cli.embedded import embedded, namespace_of, run
from podfleet.cli.output import print_object
from podfleet.errors import ConflictError, InvalidError, NotFoundError
from podfleet.lint import lint_documents
from podfleet.resources.loader import load_paths
from podfleet.store.contract import Obj

KIND = "CronWorkflow"


def _ns_option(fn):  # type: ignore[no-untyped-def]
    return click.option("-n", "--namespace", default=None, help="Namespace.")(fn)


@click.group()
def cron() -> None:
    """Manage CronWorkflows."""


@cron.command("create")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_ns_option
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]), default=None)
@click.pass_context
def create(ctx: click.Context, files: tuple[str, ...], namespace: str | None, output: str | None) -> None:
    """Create CronWorkflows from FILES."""
    ns = namespace_of(ctx, namespace)
    docs = load_paths(files)
    crons = [d for d in docs if d.raw.get("kind") == KIND]
    if not crons:
        raise InvalidError(f"no CronWorkflow found in {', '.join(files)}")
    report = lint_documents(docs)
    if not report.ok:
        from podfleet.lint import format_pretty

        raise InvalidError("nothing was created, the objects failed lint:\n" + format_pretty(report).rstrip())

    async def main() -> list[Obj]:
        async with embedded() as env:
            created = []
            for doc in crons:
                raw = {**doc.raw, "metadata": {**(doc.raw.get("metadata") or {}), "namespace": ns}}
                try:
                    created.append(await env.store.create(raw))
                except ConflictError:
                    raise ConflictError(f'cronworkflow "{raw["metadata"].get("name")}" already exists') from None
            return created

    for obj in run(main()):  # type: ignore[attr-defined]
        if output:
            print_object(obj, output)
        else:
            click.echo(f"cronworkflow/{obj['metadata']['name']} created")


async def _get(env: object, ns: str, name: str) -> Obj:
    try:
        return await env.store.get(KIND, ns, name)  # type: ignore[attr-defined,no-any-return]
    except NotFoundError:
        raise NotFoundError(f'cronworkflow "{name}" not found in namespace "{ns}"') from None


@cron.command("list")
@_ns_option
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]), default=None)
@click.pass_context
def list_(ctx: click.Context, namespace: str | None, output: str | None) -> None:
    """List CronWorkflows."""
    ns = namespace_of(ctx, namespace)

    async def main() -> list[Obj]:
        async with embedded() as env:
            return await env.store.list(KIND, ns)

    objs: list[Obj] = run(main())  # type: ignore[assignment]
    if output in ("json", "yaml"):
        from podfleet.resources.dump import to_json, to_yaml

        click.echo(to_json(objs) if output == "json" else to_yaml(objs), nl=output == "json")
        return
    if output == "name":
        for obj in objs:
            click.echo(obj["metadata"]["name"])
        return
    click.echo(f"{'NAME':<30} {'SCHEDULE':<20} {'SUSPENDED':<10} LAST RUN")
    for obj in objs:
        spec = obj.get("spec") or {}
        schedule = ",".join(spec.get("schedules") or [spec.get("schedule") or ""])
        last = (obj.get("status") or {}).get("lastScheduledTime") or "N/A"
        click.echo(f"{obj['metadata']['name']:<30} {schedule:<20} {str(bool(spec.get('suspend'))).lower():<10} {last}")


@cron.command("get")
@click.argument("name")
@_ns_option
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]), default="yaml")
@click.pass_context
def get(ctx: click.Context, name: str, namespace: str | None, output: str) -> None:
    """Show one CronWorkflow."""
    ns = namespace_of(ctx, namespace)

    async def main() -> Obj:
        async with embedded() as env:
            return await _get(env, ns, name)

    print_object(run(main()), output)  # type: ignore[arg-type]


def _set_suspend(value: bool, verb: str) -> click.Command:
    @click.command(verb)
    @click.argument("names", nargs=-1, required=True)
    @_ns_option
    @click.pass_context
    def command(ctx: click.Context, names: tuple[str, ...], namespace: str | None) -> None:
        ns = namespace_of(ctx, namespace)

        async def main() -> None:
            async with embedded() as env:
                for name in names:
                    for _ in range(10):
                        obj = await _get(env, ns, name)
                        obj.setdefault("spec", {})["suspend"] = value
                        try:
                            await env.store.update(obj)
                            break
                        except ConflictError:
                            continue
                    click.echo(f"CronWorkflow '{name}' {verb}d")

        run(main())

    command.help = f"{verb.capitalize()} CronWorkflows."
    return command


cron.add_command(_set_suspend(True, "suspend"))
cron.add_command(_set_suspend(False, "resume"))


@cron.command("delete")
@click.argument("names", nargs=-1, required=True)
@_ns_option
@click.pass_context
def delete(ctx: click.Context, names: tuple[str, ...], namespace: str | None) -> None:
    """Delete CronWorkflows."""
    ns = namespace_of(ctx, namespace)

    async def main() -> None:
        async with embedded() as env:
            for name in names:
                try:
                    await env.store.delete(KIND, ns, name)
                except NotFoundError:
                    raise NotFoundError(f'cronworkflow "{name}" not found in namespace "{ns}"') from None
                click.echo(f"CronWorkflow '{name}' deleted")

    run(main())
