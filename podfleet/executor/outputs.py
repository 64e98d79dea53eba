"""After `main` exits: output parameters, the result and output artifacts (Argo's wait duties).

Argo trims exactly one trailing newline from parameter files and from the result, and
keeps only the last 256 KiB of a long result; both are copied here because users'
workflows depend on them (`echo hello` must give `hello`, not `hello\n`).

Output artifacts go under `<key prefix>/<name>.tgz` (`.zip`, or the path's basename for
`archive: none`), the prefix being the repository's keyFormat rendered by the controller
(default `<workflow>/<pod>`); an artifact that names its own key keeps it. The node's
status records the key only (`s3: {key: …}`): the repository itself is frozen in the
workflow's `status.artifactRepositoryRef`, as Argo does. With `archiveLogs`, main's log
is saved as artifact `main-logs`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from podfleet.artifacts.archive import archive_strategy, object_name
from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.podconfig import PodArtifacts
from podfleet.errors import NotFoundError, PodfleetError
from podfleet.executor.fs import PodFilesystem
from podfleet.executor.inputs import as_pod_artifacts
from podfleet.executor.layout import artifact_location
from podfleet.providers.contract import TaskResult
from podfleet.resources.base import any_string

MAX_RESULT_BYTES = 256 * 1024


def _trim_newline(data: bytes) -> bytes:
    return data[:-1] if data.endswith(b"\n") else data


def read_result(stdout_path: Path) -> str:
    """Main's stdout as `outputs.result`: one trailing newline trimmed, the last 256 KiB kept."""
    try:
        with open(stdout_path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - MAX_RESULT_BYTES - 1))
            data = f.read()
    except FileNotFoundError:
        return ""
    data = _trim_newline(data)[-MAX_RESULT_BYTES:]
    return data.decode("utf-8", errors="replace")


def collect_outputs(
    template: dict[str, Any],
    fs: PodFilesystem,
    stdout_path: Path | None,
    *,
    exit_code: int | None = None,
    repository: ArtifactRepository | PodArtifacts | None = None,
    workflow_name: str = "",
    pod_name: str = "",
    log_path: Path | None = None,
) -> TaskResult:
    """Everything the node produced. Never raises for user errors: they go to `TaskResult.error`."""
    result = TaskResult(exit_code=exit_code)
    errors: list[str] = []
    if stdout_path is not None:
        result.result = read_result(stdout_path)
    outputs = template.get("outputs") or {}
    for param in outputs.get("parameters") or ():
        value_from = param.get("valueFrom") or {}
        path = value_from.get("path")
        if not path:
            continue
        try:
            value = _trim_newline(fs.read_file(path)).decode("utf-8", errors="replace")
        except PodfleetError as err:
            if "default" in value_from and value_from["default"] is not None:
                value = any_string(value_from["default"])
            else:
                errors.append(f"failed to get output parameter {param.get('name')!r}: {err.message}")
                continue
        result.parameters[str(param.get("name"))] = value
    artifacts = as_pod_artifacts(repository)
    prefix = (artifacts.key_prefix if artifacts is not None else None) or f"{workflow_name}/{pod_name}"
    for artifact in outputs.get("artifacts") or ():
        try:
            saved = _save_artifact(artifact, fs, artifacts, prefix)
        except PodfleetError as err:
            errors.append(f"failed to save output artifact {artifact.get('name')!r}: {err.message}")
            continue
        if saved is not None:
            result.artifacts.append(saved)
    if artifacts is not None and artifacts.archive_logs and log_path is not None and Path(log_path).is_file():
        try:
            key = f"{prefix}/main.log"
            artifacts.repository.put(key, Path(log_path), archive=False)
            result.artifacts.append({"name": "main-logs", artifacts.repository.location_kind: {"key": key}})
        except PodfleetError as err:
            errors.append(f"failed to archive the logs: {err.message}")
    if errors:
        result.error = "; ".join(errors)
    return result


def _save_artifact(
    artifact: dict[str, Any], fs: PodFilesystem, artifacts: PodArtifacts | None, prefix: str,
) -> dict[str, Any] | None:
    name = str(artifact.get("name"))
    path = artifact.get("path")
    if not path:
        return None  # e.g. `from:` outputs resolved by the controller
    if not fs.exists(path):
        if artifact.get("optional"):
            return None
        raise NotFoundError(f"path {path} does not exist")
    if artifacts is None:
        raise PodfleetError("no artifact repository is configured")
    strategy, level = archive_strategy(artifact.get("archive"))
    location = artifact_location(artifact)
    saved = {k: v for k, v in artifact.items() if k not in ("from", "fromExpression")}
    if location and location[1].get("key"):
        # An artifact that names its key (and maybe its own bucket) keeps its location as written.
        kind, block = location
        repository = artifacts.for_location(kind, block)
        key = str(block["key"])
    else:
        repository = artifacts.repository
        key = f"{prefix}/{object_name(name, str(path), strategy)}"
        if location:
            saved.pop(location[0], None)
        saved[repository.location_kind] = {"key": key}
    with tempfile.TemporaryDirectory(prefix="podfleet-out-") as tmp:
        local = fs.copy_out(path, Path(tmp))
        repository.put(key, local, archive=strategy, compression_level=level)
    return saved


__all__ = ["collect_outputs", "read_result", "MAX_RESULT_BYTES"]
