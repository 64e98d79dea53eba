"""ECI annotations on a workflow's pods, checked before anything runs.

ECI rejects a bad `eci-use-specs` only when it creates the pod, i.e. deep into a
workflow; podfleet reports it at lint/submit time instead, on the field where it is
written (`spec.podMetadata.annotations[...]` or `spec.templates[i].metadata.annotations[...]`).

Two levels:
- `check_eci` needs nothing but the workflow: malformed spec tokens, more than 5 specs,
  sizes below the minimum or above the largest instance, unknown strategy values, an
  out-of-range `eci-max-pending-minute`. It runs inside every lint.
- `fleet_problems` also needs the fleet (at submit, from the store): instance types not
  in the fleet's table, and specs larger than every zone the pod may land in.
"""

from __future__ import annotations

from typing import Any

from podfleet.errors import InvalidError
from podfleet.lint.report import LintProblem
from podfleet.lint.rules import Sink
from podfleet.placement.fleet import Fleet
from podfleet.placement.intent import (
    FAIL_STRATEGIES, FAIL_STRATEGY, LEGACY_TYPE, MAX_PENDING, SCHEDULE_STRATEGY, SPOT_STRATEGIES, SPOT_STRATEGY,
    STRATEGIES, USE_SPECS, max_pending_minutes, read_intent,
)
from podfleet.placement.scheduler import Scheduler
from podfleet.placement.specs import MAX_SPECS, TYPE_NAME, SpecTable, split_tokens

_CHOICES = {SCHEDULE_STRATEGY: STRATEGIES, FAIL_STRATEGY: FAIL_STRATEGIES, SPOT_STRATEGY: SPOT_STRATEGIES}


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _annotation_sources(spec: dict[str, Any], root: str) -> list[tuple[str, dict[str, Any]]]:
    """(field path of an annotations mapping, the mapping) for podMetadata and every template."""
    found: list[tuple[str, dict[str, Any]]] = []
    pod_meta = spec.get("podMetadata")
    if isinstance(pod_meta, dict) and isinstance(pod_meta.get("annotations"), dict):
        found.append((f"{root}.podMetadata.annotations", pod_meta["annotations"]))
    templates = spec.get("templates")
    for i, tmpl in enumerate(templates if isinstance(templates, list) else ()):
        meta = tmpl.get("metadata") if isinstance(tmpl, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
            found.append((f"{root}.templates[{i}].metadata.annotations", meta["annotations"]))
    return found


def _check_specs(value: str, path: str, sink: Sink, table: SpecTable | None) -> None:
    tokens = split_tokens(value)
    if not tokens:
        sink.add(path, "eci-use-specs is empty")
        return
    if len(tokens) > MAX_SPECS:
        sink.add(path, f"eci-use-specs lists {len(tokens)} specs; at most {MAX_SPECS} are allowed")
    for token in tokens:
        if table is None and TYPE_NAME.fullmatch(token):
            continue  # instance types are checked against the fleet's table at submit
        try:
            (table or SpecTable()).parse_token(token)
        except InvalidError as err:
            sink.add(path, err.message)


def check_eci(spec: dict[str, Any], root: str, sink: Sink, table: SpecTable | None = None) -> None:
    """Add the problems of the ECI annotations written in one WorkflowSpec."""
    for where, annotations in _annotation_sources(spec, root):
        for key, value in annotations.items():
            path = f'{where}["{key}"]'
            if _templated(value):
                continue
            if key in (USE_SPECS, LEGACY_TYPE):
                _check_specs(str(value), path, sink, table)
            elif key in _CHOICES and str(value) not in _CHOICES[key]:
                sink.add(path, f"{key} {value!r} is not one of {', '.join(_CHOICES[key])}")
            elif key == MAX_PENDING:
                try:
                    max_pending_minutes(value)
                except InvalidError as err:
                    sink.add(path, err.message)


def fleet_problems(workflow: dict[str, Any], fleet: Fleet) -> list[LintProblem]:
    """Problems only the fleet can tell: unknown instance types, specs larger than every zone."""
    meta = workflow.get("metadata") or {}
    sink = Sink("", "Workflow", meta.get("name") or meta.get("generateName") or "")
    spec = workflow.get("spec") or {}
    before = len(sink.problems)
    check_eci(spec, "spec", sink, fleet.table)
    if len(sink.problems) > before:
        return sink.problems
    scheduler = Scheduler(fleet)
    pod_meta = spec.get("podMetadata") or {}
    templates = spec.get("templates")
    for i, tmpl in enumerate(templates if isinstance(templates, list) else ()):
        ctr = (tmpl.get("container") or tmpl.get("script")) if isinstance(tmpl, dict) else None
        if not isinstance(ctr, dict):
            continue
        tmeta = tmpl.get("metadata") or {}
        annotations = {**(pod_meta.get("annotations") or {}), **(tmeta.get("annotations") or {})}
        if any(_templated(v) for v in annotations.values()) or _templated(str(ctr.get("resources") or "")):
            continue
        manifest = {"metadata": {"namespace": meta.get("namespace") or "default", "annotations": annotations,
                                 "labels": {**(pod_meta.get("labels") or {}), **(tmeta.get("labels") or {})}},
                    "spec": {"containers": [ctr], **({"nodeSelector": tmpl["nodeSelector"]}
                                                     if isinstance(tmpl.get("nodeSelector"), dict) else {})}}
        try:
            intent = read_intent(manifest, fleet.table, fleet.eci_namespaces)
        except InvalidError as err:
            sink.add(f"spec.templates[{i}]", err.message)
            continue
        zones = scheduler.eligible(intent)
        for s in intent.specs:
            if not any(st.zone.holds(s.cpu, s.memory_gib) for st in zones):
                biggest = ", ".join(f"{st.zone.name} {st.zone.cpu:g} vCPU / {st.zone.memory_gib:g} GiB"
                                    for st in zones if st.zone.cpu is not None and st.zone.memory_gib is not None)
                sink.add(f"spec.templates[{i}]", f"spec {s.name} ({s.cpu:g} vCPU / {s.memory_gib:g} GiB) is larger "
                                                 f"than every zone it may run in ({biggest})")
    return sink.problems


__all__ = ["check_eci", "fleet_problems"]
