"""The pod directory on disk: what survives the controller, and how a new provider reads it back.

`$PODFLEET_HOME/pods/<namespace>/<pod>/`
  pod.json                    the manifest, written first: its presence means "this pod exists"
  status.json                 the last PodStatus (atomic rename); final once Succeeded/Failed
  volumes/<name>/             emptyDir volumes, shared by the pod's containers
  containers/<name>/root/     the container's writable root
  containers/<name>/proc.json the sandbox's pid (+ start time) and its stdout tee's
  containers/<name>/exit.json bwrap's json-status (`{"exit-code": N}` once it exited)
  containers/<name>/stdout    main's stdout alone (for outputs.result)
  cgroups.json                cgroup dirs to remove when the pod ends
`$PODFLEET_HOME/logs/<namespace>/<pod>/<container>.log` — kept after the pod is deleted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from podfleet.providers.events import copy_status as clone_status
from podfleet.providers.contract import ContainerState, PodPhase, PodStatus, TaskResult


def pod_keys(home: Path) -> list[tuple[str, str]]:
    """(namespace, name) of every pod folder under `home` that holds a manifest, sorted."""
    root = home / "pods"
    keys: list[tuple[str, str]] = []
    if not root.is_dir():
        return keys
    for ns in sorted(os.listdir(root)):
        ns_dir = root / ns
        if ns_dir.is_dir():
            keys += [(ns, name) for name in sorted(os.listdir(ns_dir)) if (ns_dir / name / "pod.json").exists()]
    return keys


def write_json(path: Path, data: Any) -> None:
    # Owner-only: pod.json/status.json carry the pod's annotations, which may hold the
    # artifact credentials the controller resolved (podfleet.io/artifact-secrets).
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(data))
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


class PodDir:
    def __init__(self, home: Path, namespace: str, name: str) -> None:
        self.namespace = namespace
        self.name = name
        self.path = home / "pods" / namespace / name
        self.logs = home / "logs" / namespace / name

    manifest = property(lambda self: self.path / "pod.json")
    status_file = property(lambda self: self.path / "status.json")
    cgroups_file = property(lambda self: self.path / "cgroups.json")

    def volume(self, name: str) -> Path:
        return self.path / "volumes" / name

    def container(self, name: str) -> Path:
        return self.path / "containers" / name

    def root(self, container: str) -> Path:
        return self.container(container) / "root"

    def log(self, container: str) -> Path:
        return self.logs / f"{container}.log"

    def stdout(self, container: str) -> Path:
        return self.container(container) / "stdout"

    def exit_file(self, container: str) -> Path:
        return self.container(container) / "exit.json"

    def proc_file(self, container: str) -> Path:
        return self.container(container) / "proc.json"


def exit_code_of(exit_file: Path) -> int | None:
    """The exit code bwrap (or the unshare init) recorded, None while still running."""
    try:
        text = exit_file.read_text()
    except FileNotFoundError:
        return None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "exit-code" in record:
            return int(record["exit-code"])
    return None


def status_to_json(status: PodStatus) -> dict[str, Any]:
    data = dict(vars(status))
    data["phase"] = status.phase.value
    data["containers"] = [dict(vars(c)) for c in status.containers]
    data["task_result"] = dict(vars(status.task_result)) if status.task_result else None
    return data


def status_from_json(data: dict[str, Any]) -> PodStatus:
    containers = [ContainerState(**c) for c in data.get("containers") or ()]
    task = data.get("task_result")
    fields = {k: v for k, v in data.items() if k not in ("containers", "task_result", "phase")}
    return PodStatus(
        phase=PodPhase(data["phase"]), containers=containers,
        task_result=TaskResult(**task) if task else None, **fields,
    )


__all__ = ["PodDir", "pod_keys", "clone_status", "write_json", "read_json", "exit_code_of", "status_to_json", "status_from_json"]
