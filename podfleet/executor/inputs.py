"""Before `main` starts: the script file and the input artifacts, as Argo's emissary places them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from podfleet.artifacts.archive import is_tgz, unpack_tgz
from podfleet.artifacts.contract import ArtifactRepository
from podfleet.errors import InvalidError, NotFoundError, PodfleetError
from podfleet.executor.fs import PodFilesystem
from podfleet.executor.layout import SCRIPT_PATH, artifact_location


def stage_inputs(template: dict[str, Any], fs: PodFilesystem, repository: ArtifactRepository | None = None) -> None:
    """Write `script.source` and place every input artifact at its path.

    Raises PodfleetError with a message for the user (the pod fails before `main`).
    """
    script = template.get("script")
    if isinstance(script, dict) and script.get("source") is not None:
        fs.write_file(SCRIPT_PATH, str(script["source"]).encode(), 0o755)
    inputs = template.get("inputs") or {}
    for artifact in inputs.get("artifacts") or ():
        _stage_artifact(artifact, fs, repository)


def _stage_artifact(artifact: dict[str, Any], fs: PodFilesystem, repository: ArtifactRepository | None) -> None:
    name = artifact.get("name", "?")
    path = artifact.get("path")
    optional = bool(artifact.get("optional"))
    if not path:
        return  # an input artifact without a path is only passed on, never placed
    raw = artifact.get("raw")
    if isinstance(raw, dict):
        mode = artifact.get("mode")
        fs.write_file(path, str(raw.get("data", "")).encode(), mode if isinstance(mode, int) else 0o644)
        return
    location = artifact_location(artifact)
    key = location[1].get("key") if location else None
    if not key:
        if optional:
            return
        if location:
            raise InvalidError(
                f"failed to load input artifact {name!r}: {location[0]} artifacts without a key are not supported yet"
            )
        raise InvalidError(f"required artifact '{name}' not supplied")
    if repository is None:
        raise InvalidError(f"failed to load input artifact {name!r}: no artifact repository is configured")
    with tempfile.TemporaryDirectory(prefix="podfleet-in-") as tmp:
        local = Path(tmp) / "object"
        try:
            repository.get(str(key), local)
        except NotFoundError as err:
            if optional:
                return
            raise NotFoundError(f"failed to load input artifact {name!r}: {err.message}") from err
        try:
            if is_tgz(local):
                unpacked = Path(tmp) / "unpacked"
                unpack_tgz(local, unpacked)
                local = unpacked
            fs.copy_in(local, path)
        except PodfleetError as err:
            raise type(err)(f"failed to load input artifact {name!r}: {err.message}") from err


__all__ = ["stage_inputs"]
