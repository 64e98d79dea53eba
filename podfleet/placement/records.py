"""Placement's own records: one JSON file per pod, and a snapshot of the fleet's use.

`podfleet pods`, `podfleet cost` and `podfleet fleet` run in other processes than the
controller and must work after pods were garbage-collected by the provider, so the
placement layer keeps what it decided and what each pod cost under
`$PODFLEET_HOME/placement/`:

    pods/<namespace>/<workflow>/<pod>.json   the Pod as placed + phase, times, zone, spec, cost
    fleet.json                                zones' use and the queue, written as it changes

Files are replaced atomically (write then rename), so a reader never sees half a record.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from podfleet.resources.podlayout import WORKFLOW_LABEL

NO_WORKFLOW = "_"


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class Records:
    def __init__(self, home: Path) -> None:
        self.root = Path(home) / "placement"

    def pod_path(self, namespace: str, workflow: str | None, name: str) -> Path:
        return self.root / "pods" / namespace / (workflow or NO_WORKFLOW) / f"{name}.json"

    def write_pod(self, record: dict[str, Any]) -> None:
        meta = record["pod"]["metadata"]
        workflow = (meta.get("labels") or {}).get(WORKFLOW_LABEL)
        _write(self.pod_path(meta.get("namespace") or "default", workflow, meta["name"]), record)

    def read_pod(self, namespace: str, workflow: str | None, name: str) -> dict[str, Any] | None:
        data = _read(self.pod_path(namespace, workflow, name))
        return data if isinstance(data, dict) else None

    def workflow_pods(self, namespace: str, workflow: str) -> list[dict[str, Any]]:
        folder = self.root / "pods" / namespace / workflow
        found = [_read(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
        records = [r for r in found if isinstance(r, dict)]
        return sorted(records, key=lambda r: (r.get("queuedAt") or 0, r["pod"]["metadata"]["name"]))

    def all_pods(self) -> Iterator[dict[str, Any]]:
        base = self.root / "pods"
        if not base.is_dir():
            return
        for path in sorted(base.glob("*/*/*.json")):
            data = _read(path)
            if isinstance(data, dict):
                yield data

    def write_fleet(self, snapshot: dict[str, Any]) -> None:
        _write(self.root / "fleet.json", snapshot)

    def read_fleet(self) -> dict[str, Any] | None:
        data = _read(self.root / "fleet.json")
        return data if isinstance(data, dict) else None


__all__ = ["Records"]
