"""After `main` exits: output parameters, the result and output artifacts (Argo's wait duties).

Argo trims exactly one trailing newline from parameter files and from the result, and
keeps only the last 256 KiB of a long result; both are copied here because users'
workflows depend on them (`echo hello` must give `hello`, not `hello\n`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.errors import NotFoundError, PodfleetError
from podfleet.executor.fs import PodFilesystem
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
    repository: ArtifactRepository | None = None,
    workflow_name: str = "",
    pod_name: str = "",
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
    for artifact in outputs.get("artifacts") or ():
        try:
            saved = _save_artifact(artifact, fs, repository, workflow_name, pod_name)
        except PodfleetError as err:
            errors.append(f"failed to save output artifact {artifact.get('name')!r}: {err.message}")
            continue
        if saved is not None:
            result.artifacts.append(saved)
    if errors:
        result.error = "; ".join(errors)
    return result


def _save_artifact(
    artifact: dict[str, Any], fs: PodFilesystem, repository: ArtifactRepository | None,
    workflow_name: str, pod_name: str,
) -> dict[str, Any] | None:
    name = str(artifact.get("name"))
    path = artifact.get("path")
    if not path:
        return None  # e.g. `from:` outputs resolved by the controller
    if not fs.exists(path):
        if artifact.get("optional"):
            return None
        raise NotFoundError(f"path {path} does not exist")
    if repository is None:
        raise PodfleetError("no artifact repository is configured")
    archive_spec = artifact.get("archive") or {}
    archived = "none" not in archive_spec
    level = (archive_spec.get("tar") or {}).get("compressionLevel") if isinstance(archive_spec.get("tar"), dict) else None
    location = artifact_location(artifact)
    kind, key = repository.location_kind, None
    if location and location[1].get("key"):
        kind, key = location[0], str(location[1]["key"])  # key-only artifact: keep the user's key
    if key is None:
        file_name = f"{name}.tgz" if archived else PurePosixPath(path).name
        key = f"{workflow_name}/{pod_name}/{file_name}"
    with tempfile.TemporaryDirectory(prefix="podfleet-out-") as tmp:
        local = fs.copy_out(path, Path(tmp))
        repository.put(key, local, archive=archived, compression_level=level)
    saved = {k: v for k, v in artifact.items() if k not in ("from", "fromExpression")}
    if location:
        saved.pop(location[0], None)
    saved[kind] = {"key": key}
    return saved


__all__ = ["collect_outputs", "read_result", "MAX_RESULT_BYTES"]
