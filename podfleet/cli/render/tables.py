"""List tables: `argo list`, and `podfleet get <kind>` for the other resources.

Workflows use Argo's columns and its single-unit ages (`5m`); the other kinds
are shown the way `kubectl get` shows them (`AGE` as `1h12m`), except
CronWorkflows, which use `argo cron list`'s columns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

from podfleet.cli.render.humanize import kube_age, now_or, parse_time, relative_duration_short
from podfleet.cli.render.summary import any_string, workflow_status
from podfleet.cli.render.tabwriter import tabulate_text
from podfleet.datacache.columns import COLUMNS as DATACACHE_COLUMNS, WORDS as DATACACHE_WORDS
from podfleet.errors import InvalidError

Obj = Mapping[str, Any]
_FULFILLED = {"Succeeded", "Failed", "Error", "Skipped", "Omitted"}


def _sort_key(wf: Obj) -> tuple[int, float]:
    # Argo lists unfinished workflows first (newest created first), then finished ones
    # (most recently finished first).
    created = parse_time((wf.get("metadata") or {}).get("creationTimestamp"))
    finished = parse_time((wf.get("status") or {}).get("finishedAt"))
    if finished is None:
        return 0, -(created.timestamp() if created else 0.0)
    return 1, -finished.timestamp()


def _pod_counts(wf: Obj) -> str:
    pending = running = done = 0
    for node in ((wf.get("status") or {}).get("nodes") or {}).values():
        if node.get("type") != "Pod":
            continue
        phase = node.get("phase")
        if phase in _FULFILLED and node.get("taskResultSynced") is not False:
            done += 1
        elif phase == "Running":
            running += 1
        else:
            pending += 1
    return f"{pending}/{running}/{done}"


def _shorten(text: str, limit: int = 50) -> str:
    """Long values keep their head and their last 15 characters around `...`."""
    if len(text) <= limit:
        return text
    return text[: limit - 3 - 15] + "..." + text[-15:]


def _parameters(wf: Obj) -> str:
    params = (((wf.get("spec") or {}).get("arguments") or {}).get("parameters")) or []
    return ",".join(f"{p.get('name', '')}={_shorten(any_string(p['value']))}"
                    for p in params if isinstance(p, Mapping) and p.get("value") is not None)


def workflow_list_table(wfs: Sequence[Obj], *, now: datetime | None = None, wide: bool = False,
                        all_namespaces: bool = False, no_headers: bool = False) -> str:
    """`argo list`: NAME STATUS AGE DURATION PRIORITY MESSAGE (wide: + P/R/C PARAMETERS)."""
    if not wfs:
        return "No workflows found\n"
    current = now_or(now)
    lines = []
    if not no_headers:
        header = "NAME\tSTATUS\tAGE\tDURATION\tPRIORITY\tMESSAGE"
        if wide:
            header += "\tP/R/C\tPARAMETERS"
        lines.append(("NAMESPACE\t" if all_namespaces else "") + header)
    for wf in sorted(wfs, key=_sort_key):
        meta = wf.get("metadata") or {}
        spec = wf.get("spec") or {}
        status = wf.get("status") or {}
        created = parse_time(meta.get("creationTimestamp"))
        age = relative_duration_short(created, current, current)
        duration = relative_duration_short(parse_time(status.get("startedAt")),
                                           parse_time(status.get("finishedAt")), current)
        priority = spec.get("priority")
        cells = [str(meta.get("name", "")), workflow_status(wf), age, duration,
                 str(priority if isinstance(priority, int) else 0), str(status.get("message") or "")]
        if wide:
            cells += [_pod_counts(wf), _parameters(wf)]
        if all_namespaces:
            cells.insert(0, str(meta.get("namespace", "")))
        lines.append("\t".join(cells))
    return tabulate_text(lines, padding=3)


def _age(obj: Obj, now: datetime) -> str:
    created = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
    return kube_age((now - created).total_seconds()) if created else "<unknown>"


def _cron_schedules(spec: Mapping[str, Any]) -> str:
    schedules = spec.get("schedules")
    if isinstance(schedules, list) and schedules:
        return ",".join(str(s) for s in schedules)
    return str(spec.get("schedule") or "")


NextRun = Callable[[Obj, datetime], "datetime | None"]

_KINDS = {
    "workflowtemplate": "WorkflowTemplate", "workflowtemplates": "WorkflowTemplate",
    "wftmpl": "WorkflowTemplate", "clusterworkflowtemplate": "ClusterWorkflowTemplate",
    "clusterworkflowtemplates": "ClusterWorkflowTemplate", "cwftmpl": "ClusterWorkflowTemplate",
    "cronworkflow": "CronWorkflow", "cronworkflows": "CronWorkflow", "cwf": "CronWorkflow",
    "configmap": "ConfigMap", "configmaps": "ConfigMap", "cm": "ConfigMap",
    "secret": "Secret", "secrets": "Secret",
    "imagecache": "ImageCache", "imagecaches": "ImageCache", "ic": "ImageCache",
    **{word: kind for kind, words in DATACACHE_WORDS.items() for word in words},
}


def _row(kind: str, obj: Obj, now: datetime, next_run: NextRun | None) -> list[str]:
    name = str((obj.get("metadata") or {}).get("name", ""))
    if kind in DATACACHE_COLUMNS:
        return [name, *DATACACHE_COLUMNS[kind][1](obj), _age(obj, now)]
    if kind == "CronWorkflow":
        spec = obj.get("spec") or {}
        last = parse_time((obj.get("status") or {}).get("lastScheduledTime"))
        upcoming = next_run(obj, now) if next_run is not None else None
        return [name, relative_duration_short(parse_time((obj.get("metadata") or {})
                                                         .get("creationTimestamp")), now, now),
                relative_duration_short(last, now, now) if last else "N/A",
                relative_duration_short(upcoming, now, now) if upcoming else "N/A",
                _cron_schedules(spec), str(spec.get("timezone") or ""),
                "true" if spec.get("suspend") is True else "false"]
    if kind == "ConfigMap":
        count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
        return [name, str(count), _age(obj, now)]
    if kind == "ImageCache":
        status = obj.get("status") or {}
        return [name, str(status.get("imageCacheId") or ""), str(status.get("phase") or "Preparing"),
                str(status.get("progress") or ""), str(len((obj.get("spec") or {}).get("images") or ())),
                _age(obj, now)]
    if kind == "Secret":
        count = len(obj.get("data") or {}) + len(obj.get("stringData") or {})
        return [name, str(obj.get("type") or "Opaque"), str(count), _age(obj, now)]
    return [name, _age(obj, now)]


_HEADERS = {
    "CronWorkflow": ["NAME", "AGE", "LAST RUN", "NEXT RUN", "SCHEDULES", "TIMEZONE", "SUSPENDED"],
    "ConfigMap": ["NAME", "DATA", "AGE"],
    "Secret": ["NAME", "TYPE", "DATA", "AGE"],
    "ImageCache": ["NAME", "CACHEID", "PHASE", "PROGRESS", "IMAGES", "AGE"],
    **{kind: ["NAME", *headers, "AGE"] for kind, (headers, _) in DATACACHE_COLUMNS.items()},
}


def resource_table(kind: str, objs: Sequence[Obj], *, now: datetime | None = None,
                   all_namespaces: bool = False, next_run: NextRun | None = None) -> str:
    """`podfleet get <kind>` as a table; `next_run(obj, now)` fills a cron's NEXT RUN.

    `kind` is a resource kind or its kubectl/argo spelling (`cronworkflow`, `cwf`, `cm` …).
    Raises InvalidError for kinds this table does not know.
    """
    canonical = _KINDS.get(kind.lower()) or next((k for k in _KINDS.values() if k == kind), None)
    if canonical is None:
        raise InvalidError(f"cannot list {kind!r}: unknown resource kind")
    if not objs:
        return "No resources found\n"
    current = now_or(now)
    header = _HEADERS.get(canonical, ["NAME", "AGE"])
    lines = ["\t".join((["NAMESPACE"] if all_namespaces else []) + header)]
    for obj in sorted(objs, key=lambda o: (str((o.get("metadata") or {}).get("namespace", "")),
                                           str((o.get("metadata") or {}).get("name", "")))):
        row = _row(canonical, obj, current, next_run)
        if all_namespaces:
            row.insert(0, str((obj.get("metadata") or {}).get("namespace", "")))
        lines.append("\t".join(row))
    # Argo's cron list pads by 3 with no minimum; kubectl pads by 3 with a minimum of 6.
    return tabulate_text(lines, padding=3, minwidth=0 if canonical == "CronWorkflow" else 6)


__all__ = ["workflow_list_table", "resource_table", "NextRun"]
