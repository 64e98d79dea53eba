"""`podfleet fleet`, `podfleet pods WORKFLOW`, `podfleet cost WORKFLOW`, and the
`submit --dry-run --estimate` helper.

They read the fleet from the store (the `eci-profile` ConfigMap) and what placement
recorded under $PODFLEET_HOME/placement — never a live controller — so they work while
a background controller runs, and after it exited.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

import click

from podfleet.cli.embedded import Embedded, embedded, namespace_of, run
from podfleet.errors import NotFoundError
from podfleet.placement.estimate import estimate_workflow, render_estimate
from podfleet.placement.fleet import load_fleet
from podfleet.placement.intent import COST, INSTANCE_SPEC, ZONE
from podfleet.placement.records import Records
from podfleet.resources.dump import to_json, to_yaml
from podfleet.store.contract import Obj


def _ts(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod_object(record: dict[str, Any]) -> Obj:
    """A placement record as a core/v1 Pod, the way `kubectl get pod -o json` shows one."""
    pod = dict(record["pod"])
    meta = dict(pod.get("metadata") or {})
    ann = dict(meta.get("annotations") or {})
    if record.get("cost") is not None and record.get("phase") in ("Succeeded", "Failed"):
        ann[COST] = f"{record['cost']:.8f}"
    meta["annotations"] = ann
    spec = dict(pod.get("spec") or {})
    if record.get("zone"):
        spec["nodeName"] = record["zone"]
    status: dict[str, Any] = {"phase": record.get("phase") or "Pending"}
    for key in ("reason", "message"):
        if record.get(key):
            status[key] = record[key]
    if record.get("startedAt"):
        status["startTime"] = _ts(record["startedAt"])
    containers = []
    for ctr in record.get("containers") or ():
        state = {"terminated": {"exitCode": ctr.get("exitCode"), "reason": ctr.get("reason"),
                                "startedAt": _ts(record.get("startedAt")), "finishedAt": _ts(record.get("finishedAt"))}}
        containers.append({"name": ctr.get("name"), "state": state, "ready": False, "restartCount": 0})
    if containers:
        status["containerStatuses"] = containers
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def _emit(obj: Obj, output: str | None) -> None:
    click.echo(to_json(obj) if output == "json" else to_yaml(obj), nl=output == "json")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows) + "\n"


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    return True


def _num(value: float | None, unit: str = "") -> str:
    return "∞" if value is None else f"{value:g}{unit}"


@click.command("fleet")
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default=None)
def fleet(output: str | None) -> None:
    """Zones, their capacity, what is in use and what is queued."""

    async def main() -> None:
        async with embedded() as env:
            fl = await load_fleet(env.store, env.provider_name)
            snap = Records(env.settings.home).read_fleet() or {}
            live = _alive(snap.get("pid")) and snap.get("source") == fl.source
            used = {z["name"]: z for z in snap.get("zones") or ()} if live else {}
            zones = []
            for z in fl.zones:
                u = (used.get(z.name) or {}).get("used") or {"cpu": 0, "memoryGiB": 0, "pods": 0}
                stock = {name: {"total": total, "used": ((used.get(z.name) or {}).get("stock") or {})
                                .get(name, {}).get("used", 0)} for name, total in z.stock.items()}
                zones.append({"name": z.name, "provider": z.provider, "serverless": z.serverless,
                              "capacity": {"cpu": z.cpu, "memoryGiB": z.memory_gib, "pods": z.pods},
                              "used": u, "stock": stock})
            result = {"source": fl.source, "controllerRunning": live, "queued": snap.get("queued", 0) if live else 0,
                      "zones": zones}
            if output:
                _emit(result, output)
                return
            rows = [["ZONE", "PROVIDER", "ADMITS BY", "CPU", "MEMORY", "PODS", "STOCK"]]
            for z in zones:
                cap, u = z["capacity"], z["used"]
                stock = ",".join(f"{n}={s['total'] - s['used']}" for n, s in z["stock"].items()) or "-"
                rows.append([z["name"], z["provider"], "spec (serverless)" if z["serverless"] else "requests",
                             f"{u['cpu']:g}/{_num(cap['cpu'])}", f"{u['memoryGiB']:g}/{_num(cap['memoryGiB'], 'Gi')}",
                             f"{u['pods']}/{_num(cap['pods'])}", stock])
            click.echo(f"fleet: {fl.source}")
            click.echo(_table(rows), nl=False)
            click.echo(f"queued: {result['queued']}" + ("" if live else " (no controller running)"))

    run(main())


async def _workflow_records(env: Embedded, namespace: str, workflow: str) -> tuple[list[dict[str, Any]], Obj | None]:
    from podfleet.cli.workflows import resolve_name

    workflow = await resolve_name(env, namespace, workflow)
    records = Records(env.settings.home).workflow_pods(namespace, workflow)
    try:
        wf: Obj | None = await env.store.get("Workflow", namespace, workflow, with_nodes=False)
    except NotFoundError:
        wf = None
    if not records and wf is None:
        raise NotFoundError(f'workflow "{workflow}" not found in namespace "{namespace}"')
    return records, wf


def _duration(record: dict[str, Any]) -> str:
    start, end = record.get("startedAt"), record.get("finishedAt")
    if not start:
        return "-"
    return f"{(end or datetime.now(timezone.utc).timestamp()) - start:.1f}s"


@click.command("pods")
@click.argument("workflow")
@click.option("-n", "--namespace", default=None)
@click.option("-o", "--output", type=click.Choice(["json", "yaml", "wide"]), default=None)
@click.pass_context
def pods(ctx: click.Context, workflow: str, namespace: str | None, output: str | None) -> None:
    """A workflow's pods (like `kubectl get pods`), with zone, spec and cost."""
    ns = namespace_of(ctx, namespace)

    async def main() -> None:
        async with embedded() as env:
            records, _ = await _workflow_records(env, ns, workflow)
            items = [pod_object(r) for r in records]
            if output in ("json", "yaml"):
                _emit({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}}, output)
                return
            head = ["NAME", "STATUS", "ZONE", "SPEC", "STARTED", "DURATION", "COST"]
            rows = [head + (["MESSAGE"] if output == "wide" else [])]
            for rec, item in zip(records, items):
                ann = item["metadata"]["annotations"]
                row = [item["metadata"]["name"], item["status"].get("reason") or item["status"]["phase"],
                       ann.get(ZONE, "-"), ann.get(INSTANCE_SPEC, "-"), _ts(rec.get("startedAt")) or "-",
                       _duration(rec), ann.get(COST, "-")]
                rows.append(row + ([item["status"].get("message") or ""] if output == "wide" else []))
            click.echo(_table(rows), nl=False)

    run(main())


def cost_breakdown(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Cost per node (pod), template, zone and spec, and the total, from placement records."""
    by: dict[str, dict[str, float]] = {"template": {}, "zone": {}, "spec": {}}
    nodes = []
    total = 0.0
    for rec in records:
        cost = float(rec.get("cost") or 0.0)
        total += cost
        ann = (rec["pod"].get("metadata") or {}).get("annotations") or {}
        nodes.append({"pod": rec["pod"]["metadata"]["name"], "node": ann.get("workflows.argoproj.io/node-name"),
                      "phase": rec.get("phase"), "zone": rec.get("zone"), "spec": rec.get("spec"),
                      "billedSeconds": rec.get("billedSeconds", 0), "pricePerSecond": rec.get("pricePerSecond"),
                      "cost": round(cost, 8)})
        for key, value in (("template", rec.get("template")), ("zone", rec.get("zone")), ("spec", rec.get("spec"))):
            if value:
                by[key][value] = round(by[key].get(value, 0.0) + cost, 8)
    return {"total": round(total, 8), "nodes": nodes, **{f"by{k.title()}": v for k, v in by.items()}}


@click.command("cost")
@click.argument("workflow")
@click.option("-n", "--namespace", default=None)
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default=None)
@click.pass_context
def cost(ctx: click.Context, workflow: str, namespace: str | None, output: str | None) -> None:
    """What a workflow's pods cost: per node, template, zone and spec (per-second billing)."""
    ns = namespace_of(ctx, namespace)

    async def main() -> None:
        async with embedded() as env:
            records, wf = await _workflow_records(env, ns, workflow)
            fl = await load_fleet(env.store, env.provider_name)
            result = {"workflow": workflow, "namespace": ns, "currency": fl.prices.currency,
                      **cost_breakdown(records),
                      "resourcesDuration": ((wf or {}).get("status") or {}).get("resourcesDuration")}
            if output:
                _emit(result, output)
                return
            rows = [["NODE", "PHASE", "ZONE", "SPEC", "SECONDS", "COST"]]
            rows += [[n["node"] or n["pod"], n["phase"] or "", n["zone"] or "-", n["spec"] or "-",
                      str(n["billedSeconds"]), f"{n['cost']:.6f}"] for n in result["nodes"]]
            click.echo(_table(rows), nl=False)
            for key in ("byTemplate", "byZone", "bySpec"):
                parts = ", ".join(f"{k} {v:.6f}" for k, v in result[key].items())
                click.echo(f"{key[2:].lower()}: {parts or '-'}")
            if result["resourcesDuration"]:
                click.echo("resourcesDuration: " + ", ".join(f"{k} {v}s" for k, v in result["resourcesDuration"].items()))
            click.echo(f"total: {result['total']:.6f} {result['currency']}")

    run(main())


async def estimate_text(env: Embedded, workflow: Obj) -> str:
    """For `submit --dry-run --estimate`: the price table of one workflow, before it runs."""
    fl = await load_fleet(env.store, env.provider_name)
    return render_estimate(estimate_workflow(workflow, fl, Records(env.settings.home)))


__all__ = ["fleet", "pods", "cost", "estimate_text", "pod_object", "cost_breakdown"]
