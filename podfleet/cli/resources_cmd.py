"""`apply -f`, `get <kind>` and `delete <kind>` for the objects workflows use:
WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, ConfigMap, Secret."""

from __future__ import annotations

import click

from podfleet.cli.embedded import embedded, namespace_of, run
from podfleet.cli.output import print_object
from podfleet.errors import ConflictError, InvalidError, NotFoundError
from podfleet.lint import lint_documents
from podfleet.resources.loader import load_paths
from podfleet.store.contract import Obj

import podfleet.imagecache  # noqa: E402,F401 - registers the ImageCache kind for apply/get
from podfleet.datacache.columns import WORDS as DATACACHE_WORDS  # registers the data.fluid.io kinds

# Names users type for each kind, as kubectl/argo accept them.
KIND_WORDS: dict[str, str] = {}
for _kind, _words in {
    "Workflow": ("workflow", "workflows", "wf"),
    "WorkflowTemplate": ("workflowtemplate", "workflowtemplates", "wftmpl"),
    "ClusterWorkflowTemplate": ("clusterworkflowtemplate", "clusterworkflowtemplates", "cwftmpl"),
    "CronWorkflow": ("cronworkflow", "cronworkflows", "cronwf", "cwf"),
    "ConfigMap": ("configmap", "configmaps", "cm"),
    "Secret": ("secret", "secrets"),
    "ImageCache": ("imagecache", "imagecaches", "ic"),
    **DATACACHE_WORDS,
}.items():
    for _word in _words:
        KIND_WORDS[_word] = _kind

CLUSTER_SCOPED = {"ClusterWorkflowTemplate", "ImageCache"}
APPLICABLE = set(KIND_WORDS.values()) - {"Workflow"}


def kind_of_word(word: str) -> str | None:
    return KIND_WORDS.get(word.lower())


async def apply_objects(store: object, docs_raw: list[Obj], namespace: str) -> list[tuple[Obj, str]]:
    """Create or replace each object; returns (object, 'created'|'configured'|'unchanged')."""
    results: list[tuple[Obj, str]] = []
    for raw in docs_raw:
        kind = raw["kind"]
        ns = "" if kind in CLUSTER_SCOPED else (raw.get("metadata") or {}).get("namespace") or namespace
        raw = {**raw, "metadata": {**(raw.get("metadata") or {}), "namespace": ns}}
        name = raw["metadata"].get("name")
        if not name:
            raise InvalidError(f"{kind} needs metadata.name to be applied", field_path="metadata.name")
        try:
            current = await store.get(kind, ns, name)  # type: ignore[attr-defined]
        except NotFoundError:
            results.append((await store.create(raw), "created"))  # type: ignore[attr-defined]
            continue
        merged = {**raw, "metadata": {**raw["metadata"], "resourceVersion": current["metadata"]["resourceVersion"],
                                      "uid": current["metadata"].get("uid"),
                                      "creationTimestamp": current["metadata"].get("creationTimestamp")}}
        if "status" in current and "status" not in raw:
            merged["status"] = current["status"]
        same = {k: v for k, v in current.items() if k != "metadata"} == {k: v for k, v in merged.items()
                                                                            if k != "metadata"}
        if same:
            results.append((current, "unchanged"))
            continue
        try:
            results.append((await store.update(merged), "configured"))  # type: ignore[attr-defined]
        except ConflictError:
            raise ConflictError(f"{kind} {name!r} changed while it was being applied; apply again") from None
    return results


@click.command()
@click.option("-f", "--filename", "files", multiple=True, required=True, type=click.Path(),
              help="File or folder of objects to create or update (repeatable).")
@click.option("-n", "--namespace", default=None, help="Namespace for objects that do not name one.")
@click.pass_context
def apply(ctx: click.Context, files: tuple[str, ...], namespace: str | None) -> None:
    """Create or update objects from files, like `kubectl apply -f`."""
    ns = namespace_of(ctx, namespace)
    docs = load_paths(files)
    for doc in docs:
        kind = doc.raw.get("kind")
        if kind not in APPLICABLE:
            raise InvalidError(f"cannot apply a {kind!r}: apply takes {', '.join(sorted(APPLICABLE))} "
                               "(submit Workflows with `podfleet submit`)", file=doc.file)
    report = lint_documents(docs)
    if report.problems:  # not `ok`: a file of only ConfigMaps/Secrets lints nothing and is fine
        from podfleet.lint import format_pretty

        raise InvalidError("nothing was applied, the objects failed lint:\n" + format_pretty(report).rstrip())
    from podfleet.cli.datacache_cmd import after_apply, check_documents

    check_documents(docs)

    async def main() -> list[tuple[Obj, str]]:
        async with embedded() as env:
            return await apply_objects(env.store, [d.raw for d in docs], ns)

    for obj, what in run(main()):  # type: ignore[attr-defined]
        click.echo(f"{obj['kind'].lower()}/{obj['metadata']['name']} {what}")
    after_apply([d.raw for d in docs], ns)


async def get_objects(kind: str, namespace: str, name: str | None) -> list[Obj]:
    ns = "" if kind in CLUSTER_SCOPED else namespace
    async with embedded() as env:
        if name:
            try:
                return [await env.store.get(kind, ns, name)]
            except NotFoundError:
                where = "" if kind in CLUSTER_SCOPED else f' in namespace "{namespace}"'
                raise NotFoundError(f'{kind} "{name}" not found{where}') from None
        return await env.store.list(kind, ns)


def show_objects(kind: str, objs: list[Obj], output: str | None, single: bool) -> None:
    if output in ("json", "yaml"):
        from podfleet.resources.dump import to_json, to_yaml

        value: object = objs[0] if single else objs
        click.echo(to_json(value) if output == "json" else to_yaml(value), nl=output == "json")
    elif output == "name":
        for obj in objs:
            click.echo(obj["metadata"]["name"])
    elif single and kind == "Workflow":
        print_object(objs[0], output)
    else:
        from podfleet.cli.render import resource_table

        click.echo(resource_table(kind, objs), nl=False)


async def delete_object(kind: str, namespace: str, name: str) -> None:
    ns = "" if kind in CLUSTER_SCOPED else namespace
    async with embedded() as env:
        try:
            await env.store.delete(kind, ns, name)
        except NotFoundError:
            raise NotFoundError(f'{kind} "{name}" not found') from None
