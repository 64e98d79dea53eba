"""`podfleet submit` — Argo's `argo submit`, embedded by default.

With `--wait`/`--watch` the controller runs in this process until the workflow ends
(exit 0 when it Succeeded, 1 otherwise). Without them `submit` returns at once and a
detached background controller carries the workflow on, exiting when idle.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import click

from podfleet.cli.embedded import Embedded, embedded, namespace_of, run, start_background_controller
from podfleet.cli.output import print_object, print_submitted
from podfleet.errors import InvalidError, NotFoundError
from podfleet.lint import lint_workflow
from podfleet.resources.loader import load_paths
from podfleet.store.contract import Obj


def _parse_parameters(values: tuple[str, ...], files: tuple[str, ...]) -> list[tuple[str, str]]:
    import yaml

    params: list[tuple[str, str]] = []
    for path in files:
        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as err:
            raise InvalidError(f"cannot read parameter file: {err}", file=path) from None
        if not isinstance(data, dict):
            raise InvalidError("a parameter file must be a YAML/JSON mapping of name: value", file=path)
        params.extend((str(k), v if isinstance(v, str) else str(v)) for k, v in data.items())
    for value in values:
        name, sep, val = value.partition("=")
        if not sep or not name:
            raise InvalidError(f"bad parameter {value!r}: expected NAME=VALUE")
        params.append((name, val))
    return params


def apply_submit_options(wf: Obj, *, namespace: str, parameters: list[tuple[str, str]],
                         entrypoint: str | None, generate_name: str | None, name: str | None,
                         labels: str | None, service_account: str | None) -> Obj:
    """What `argo submit` flags do to a workflow before it is created."""
    wf = copy.deepcopy(wf)
    meta = wf.setdefault("metadata", {})
    meta["namespace"] = namespace
    if name:
        meta["name"] = name
        meta.pop("generateName", None)
    elif generate_name:
        meta["generateName"] = generate_name
        meta.pop("name", None)
    if labels:
        for pair in labels.split(","):
            key, sep, val = pair.partition("=")
            if not sep:
                raise InvalidError(f"bad label {pair!r}: expected KEY=VALUE")
            meta.setdefault("labels", {})[key.strip()] = val.strip()
    spec = wf.setdefault("spec", {})
    if entrypoint:
        spec["entrypoint"] = entrypoint
    if service_account:
        spec["serviceAccountName"] = service_account
    if parameters:
        declared = spec.setdefault("arguments", {}).setdefault("parameters", [])
        for pname, pval in parameters:
            for param in declared:
                if param.get("name") == pname:
                    param["value"] = pval
                    param.pop("valueFrom", None)
                    break
            else:
                declared.append({"name": pname, "value": pval})
    if not meta.get("name") and not meta.get("generateName"):
        raise InvalidError("metadata.name or metadata.generateName is required", field_path="metadata")
    wf.pop("status", None)
    return wf


async def _templates_for_lint(env: Embedded, namespace: str) -> dict[tuple[str, str], Obj]:
    """The stored (Cluster)WorkflowTemplates a workflow may refer to, as lint wants them."""
    found: dict[tuple[str, str], Obj] = {}
    for kind, ns in (("WorkflowTemplate", namespace), ("ClusterWorkflowTemplate", None)):
        for obj in await env.store.list(kind, ns):
            found[(kind, obj["metadata"]["name"])] = obj
    return found


async def _submit(env: Embedded, workflows: list[Obj], *, wait: bool, watch: bool, output: str | None,
                  dry_run: bool, estimate: bool = False) -> int:
    from podfleet.lint.eci import fleet_problems
    from podfleet.placement import load_fleet

    created: list[Obj] = []
    fleet = await load_fleet(env.store, env.provider_name)
    for wf in workflows:
        templates = await _templates_for_lint(env, wf["metadata"]["namespace"])
        problems = lint_workflow(wf, templates=templates, submit=True)
        problems += fleet_problems(wf, fleet)
        if problems:
            lines = "\n".join(f"  {p.field_path}: {p.message}" if p.field_path else f"  {p.message}"
                              for p in problems)
            raise InvalidError(f"workflow failed lint, nothing was submitted:\n{lines}",
                               file=getattr(wf, "_file", None))
    for wf in workflows:
        if dry_run:
            created.append(wf)
            continue
        created.append(await env.store.create(wf))
    for obj in created:
        print_submitted(obj, output)
    if estimate:
        from podfleet.cli.fleet_cmd import estimate_text

        for obj in created:
            click.echo(await estimate_text(env, obj), nl=False)
    if dry_run:
        return 0
    if not (wait or watch):
        start_background_controller(env.settings, env.provider_name)
        return 0
    from podfleet.cli.watching import run_embedded

    phases = await run_embedded(env, [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in created],
                                watch=watch, output=output)
    return 0 if all(p == "Succeeded" for p in phases) else 1


@click.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("-n", "--namespace", default=None, help="Namespace to submit into.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="Input parameter NAME=VALUE (repeatable).")
@click.option("-f", "--parameter-file", "parameter_files", multiple=True, type=click.Path(),
              help="YAML/JSON file of parameters.")
@click.option("--entrypoint", default=None, help="Override the entrypoint.")
@click.option("--generate-name", default=None, help="Override metadata.generateName.")
@click.option("--name", default=None, help="Override metadata.name.")
@click.option("-l", "--labels", default=None, help="Comma separated labels KEY=VALUE.")
@click.option("--serviceaccount", "service_account", default=None, help="Run pods with this service account.")
@click.option("--from", "from_", default=None, help="Submit from an existing resource: workflowtemplate/NAME, "
              "clusterworkflowtemplate/NAME or cronworkflow/NAME.")
@click.option("-w", "--watch", is_flag=True, help="Watch the workflow until it completes, drawing its tree.")
@click.option("--wait", is_flag=True, help="Wait for the workflow to complete.")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml", "wide"]), default=None)
@click.option("--provider", default=None, help="Pod provider: auto, process or container ($PODFLEET_PROVIDER).")
@click.option("--dry-run", is_flag=True, help="Print the workflow that would be submitted; store nothing.")
@click.option("--estimate", is_flag=True, help="Price the workflow per instance spec before it runs "
              "(from its specs and past durations of the same templates).")
@click.pass_context
def submit(ctx: click.Context, files: tuple[str, ...], namespace: str | None, parameters: tuple[str, ...],
           parameter_files: tuple[str, ...], entrypoint: str | None, generate_name: str | None,
           name: str | None, labels: str | None, service_account: str | None, from_: str | None,
           watch: bool, wait: bool, output: str | None, provider: str | None, dry_run: bool,
           estimate: bool) -> None:
    """Submit workflows from FILES (or --from a template) and optionally wait for them."""
    ns = namespace_of(ctx, namespace)
    params = _parse_parameters(parameters, parameter_files)
    if not files and not from_:
        raise InvalidError("nothing to submit: give workflow files or --from KIND/NAME")

    async def main() -> int:
        async with embedded(provider) as env:
            raws = await _load_workflows(env, files, from_, ns)
            workflows = [apply_submit_options(raw, namespace=ns, parameters=params, entrypoint=entrypoint,
                                              generate_name=generate_name, name=name, labels=labels,
                                              service_account=service_account) for raw in raws]
            return await _submit(env, workflows, wait=wait, watch=watch, output=output, dry_run=dry_run,
                                 estimate=estimate)

    sys.exit(int(run(main())))  # type: ignore[call-overload]


async def _load_workflows(env: Embedded, files: tuple[str, ...], from_: str | None, namespace: str) -> list[Obj]:
    if from_:
        return [await workflow_from_resource(env, from_, namespace)]
    workflows: list[Obj] = []
    for doc in load_paths(files):
        if doc.raw.get("kind") != "Workflow":
            raise InvalidError(f"cannot submit a {doc.raw.get('kind')!r}: only Workflow documents can be "
                               f"submitted (apply templates with `podfleet apply -f`)", file=doc.file)
        workflows.append(doc.raw)
    if not workflows:
        raise InvalidError(f"no Workflow found in {', '.join(files)}")
    return workflows


async def workflow_from_resource(env: Embedded, ref: str, namespace: str) -> Obj:
    """A Workflow for `--from kind/name`, as argo-server's submit endpoint builds it."""
    kind_word, sep, name = ref.partition("/")
    kinds = {"workflowtemplate": "WorkflowTemplate", "wftmpl": "WorkflowTemplate",
             "clusterworkflowtemplate": "ClusterWorkflowTemplate", "cwftmpl": "ClusterWorkflowTemplate",
             "cronworkflow": "CronWorkflow", "cronwf": "CronWorkflow", "cwf": "CronWorkflow"}
    kind = kinds.get(kind_word.lower())
    if not sep or not name or kind is None:
        raise InvalidError(f"bad --from {ref!r}: expected workflowtemplate/NAME, clusterworkflowtemplate/NAME "
                           "or cronworkflow/NAME")
    try:
        source = await env.store.get(kind, "" if kind == "ClusterWorkflowTemplate" else namespace, name)
    except NotFoundError:
        raise NotFoundError(f"{kind} {name!r} not found in namespace {namespace!r}") from None
    labels = {"workflows.argoproj.io/" + ("cron-workflow" if kind == "CronWorkflow" else
                                            "cluster-workflow-template" if kind == "ClusterWorkflowTemplate"
                                            else "workflow-template"): name}
    if kind == "CronWorkflow":
        spec: dict[str, Any] = copy.deepcopy(source.get("spec", {}).get("workflowSpec", {}))
    else:
        spec = {"workflowTemplateRef": {"name": name, **({"clusterScope": True}
                                                           if kind == "ClusterWorkflowTemplate" else {})}}
        args = (source.get("spec") or {}).get("arguments")
        if args:
            spec["arguments"] = copy.deepcopy(args)
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": f"{name}-", "namespace": namespace, "labels": labels},
            "spec": spec}


__all__ = ["submit", "apply_submit_options", "workflow_from_resource", "print_object"]
