"""`submit --dry-run --estimate`: price a workflow before it runs.

Counts the pods each container/script template would run (loops expanded when their
size is literal: withItems, withSequence; `when` and retries ignored, so it is the
no-retry upper bound), sizes each pod the way placement will (first spec of
`eci-use-specs`, else its resources rounded up), and takes each template's duration from
the placement records of earlier runs of a template with the same name (mean billed
seconds). A template without history has no price and is listed as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from podfleet.errors import PodfleetError
from podfleet.placement.billing import price_per_second
from podfleet.placement.fleet import Fleet
from podfleet.placement.intent import read_intent
from podfleet.placement.records import Records

_MAX_DEPTH = 30


@dataclass
class TemplateEstimate:
    template: str
    pods: int
    spec: str
    price_per_second: float
    seconds: float | None  # mean billed seconds from history; None = no history
    cost: float | None


@dataclass
class Estimate:
    rows: list[TemplateEstimate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    currency: str = "CNY"

    @property
    def total(self) -> float:
        return sum(r.cost or 0.0 for r in self.rows)

    @property
    def complete(self) -> bool:
        return all(r.cost is not None for r in self.rows)


def _fanout(item: dict[str, Any], notes: list[str]) -> int:
    if isinstance(item.get("withItems"), list):
        return len(item["withItems"])
    seq = item.get("withSequence")
    if isinstance(seq, dict):
        try:
            if seq.get("count") is not None:
                return int(str(seq["count"]))
            return abs(int(str(seq.get("end", 0))) - int(str(seq.get("start", 0)))) + 1
        except ValueError:
            notes.append(f"{item.get('name')}: withSequence is not literal, counted once")
    if item.get("withParam") is not None:
        notes.append(f"{item.get('name')}: withParam counted once")
    return 1


def count_pods(spec: dict[str, Any], notes: list[str]) -> dict[str, int]:
    templates = {t.get("name"): t for t in spec.get("templates") or () if isinstance(t, dict)}
    counts: dict[str, int] = {}

    def walk(name: str, mult: int, depth: int) -> None:
        tmpl = templates.get(name)
        if tmpl is None or depth > _MAX_DEPTH:
            if tmpl is None:
                notes.append(f"template {name!r} is not in the workflow (templateRef?): not counted")
            return
        if tmpl.get("container") is not None or tmpl.get("script") is not None:
            counts[name] = counts.get(name, 0) + mult
            return
        calls: list[dict[str, Any]] = []
        for group in tmpl.get("steps") or ():
            calls += [s for s in (group if isinstance(group, list) else [group]) if isinstance(s, dict)]
        calls += [t for t in (tmpl.get("dag") or {}).get("tasks") or () if isinstance(t, dict)]
        for call in calls:
            if call.get("template"):
                walk(call["template"], mult * _fanout(call, notes), depth + 1)
            elif call.get("templateRef"):
                notes.append(f"{call.get('name')}: templateRef not counted")

    if spec.get("entrypoint"):
        walk(spec["entrypoint"], 1, 0)
    if spec.get("onExit"):
        walk(spec["onExit"], 1, 0)
    return counts


def _history(records: Records | None) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for rec in records.all_pods() if records is not None else ():
        if rec.get("template") and rec.get("billedSeconds") and rec.get("phase") == "Succeeded":
            seen.setdefault(rec["template"], []).append(int(rec["billedSeconds"]))
    return seen


def estimate_workflow(workflow: dict[str, Any], fleet: Fleet, records: Records | None) -> Estimate:
    spec = workflow.get("spec") or {}
    out = Estimate(currency=fleet.prices.currency)
    counts = count_pods(spec, out.notes)
    history = _history(records)
    templates = {t.get("name"): t for t in spec.get("templates") or () if isinstance(t, dict)}
    pod_meta = spec.get("podMetadata") or {}
    for name, pods in counts.items():
        tmpl = templates[name]
        meta = tmpl.get("metadata") or {}
        manifest = {"metadata": {"namespace": (workflow.get("metadata") or {}).get("namespace") or "default",
                                 "labels": {**(pod_meta.get("labels") or {}), **(meta.get("labels") or {})},
                                 "annotations": {**(pod_meta.get("annotations") or {}),
                                                 **(meta.get("annotations") or {})}},
                    "spec": {"containers": [tmpl.get("container") or tmpl.get("script") or {}]}}
        try:
            intent = read_intent(manifest, fleet.table, fleet.eci_namespaces)
        except PodfleetError as err:
            out.notes.append(f"template {name}: {err}")
            continue
        first = intent.specs[0]
        price = price_per_second(first, fleet.prices, intent.spot)
        past = history.get(name)
        seconds = sum(past) / len(past) if past else None
        cost = round(pods * seconds * price, 8) if seconds is not None else None
        out.rows.append(TemplateEstimate(name, pods, first.name, price, seconds, cost))
    return out


def render_estimate(est: Estimate) -> str:
    lines = [f"{'TEMPLATE':<24} {'PODS':>5} {'SPEC':<16} {'PRICE/S':>12} {'SECONDS':>8} {'COST':>14}"]
    for r in est.rows:
        secs = f"{r.seconds:.1f}" if r.seconds is not None else "?"
        cost = f"{r.cost:.6f}" if r.cost is not None else "no history"
        lines.append(f"{r.template:<24} {r.pods:>5} {r.spec:<16} {r.price_per_second:>12.8f} {secs:>8} {cost:>14}")
    bound = "" if est.complete else " (at least: templates without history are not priced)"
    lines.append(f"estimated cost: {est.total:.6f} {est.currency}{bound}")
    lines += [f"note: {n}" for n in est.notes]
    return "\n".join(lines) + "\n"


__all__ = ["estimate_workflow", "render_estimate", "count_pods", "Estimate", "TemplateEstimate"]
