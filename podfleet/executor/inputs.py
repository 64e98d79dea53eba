"""Before `main` starts: the script file and the input artifacts, as Argo's emissary places them.

An input artifact comes from `raw` (written as is), `http`, `git`, or a key in a
repository (`s3`/`oss`/`local` — key-only blocks use the pod's repository, blocks with
their own bucket name their own). What was fetched is unpacked when it is a tar.gz or a
zip (unless the artifact says `archive: {none: {}}`), narrowed to `subPath`, given
`mode`, then copied to `path` inside the pod. A missing non-optional input fails the pod
before `main` with a message naming the artifact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from podfleet.artifacts.archive import NONE, archive_strategy, unpack_any
from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.locations import fetch_git, fetch_http
from podfleet.artifacts.podconfig import PodArtifacts
from podfleet.errors import InvalidError, NotFoundError, PodfleetError
from podfleet.executor.fs import PodFilesystem
from podfleet.executor.layout import SCRIPT_PATH, artifact_location

_REPOSITORY_KINDS = ("s3", "oss", "local")


def as_pod_artifacts(repository: ArtifactRepository | PodArtifacts | None) -> PodArtifacts | None:
    if repository is None or isinstance(repository, PodArtifacts):
        return repository
    return PodArtifacts(repository, local=repository)


def stage_inputs(template: dict[str, Any], fs: PodFilesystem,
                 repository: ArtifactRepository | PodArtifacts | None = None) -> None:
    """Write `script.source` and place every input artifact at its path.

    Raises PodfleetError with a message for the user (the pod fails before `main`).
    """
    script = template.get("script")
    if isinstance(script, dict) and script.get("source") is not None:
        fs.write_file(SCRIPT_PATH, str(script["source"]).encode(), 0o755)
    inputs = template.get("inputs") or {}
    artifacts = as_pod_artifacts(repository)
    for artifact in inputs.get("artifacts") or ():
        _stage_artifact(artifact, fs, artifacts)


def _stage_artifact(artifact: dict[str, Any], fs: PodFilesystem, artifacts: PodArtifacts | None) -> None:
    name = artifact.get("name", "?")
    path = artifact.get("path")
    optional = bool(artifact.get("optional"))
    if not path:
        return  # an input artifact without a path is only passed on, never placed
    mode = artifact.get("mode") if isinstance(artifact.get("mode"), int) else None
    raw = artifact.get("raw")
    if isinstance(raw, dict):
        fs.write_file(path, str(raw.get("data", "")).encode(), mode if mode is not None else 0o644)
        return
    location = artifact_location(artifact)
    with tempfile.TemporaryDirectory(prefix="podfleet-in-") as tmp:
        local = Path(tmp) / "object"
        try:
            if not _fetch(name, location, local, artifacts, optional):
                return
            if archive_strategy(artifact.get("archive"))[0] != NONE:
                local = unpack_any(local, Path(tmp) / "unpacked")
            if artifact.get("subPath"):
                local = _sub_path(local, str(artifact["subPath"]))
            if mode is not None:
                _chmod(local, mode)
            fs.copy_in(local, path)
        except PodfleetError as err:
            if optional and isinstance(err, NotFoundError):
                return
            raise type(err)(f"failed to load input artifact {name!r}: {err.message}") from err


def _fetch(name: str, location: tuple[str, dict[str, Any]] | None, dest: Path,
           artifacts: PodArtifacts | None, optional: bool) -> bool:
    """Fetch into `dest`; False when an optional artifact has nothing to fetch."""
    secrets = artifacts.secrets if artifacts is not None else None
    if location is not None and location[0] == "http":
        from podfleet.artifacts.config import Secrets

        fetch_http(location[1], dest, secrets or Secrets())
        return True
    if location is not None and location[0] == "git":
        from podfleet.artifacts.config import Secrets

        fetch_git(location[1], dest, secrets or Secrets())
        return True
    key = location[1].get("key") if location else None
    if not key:
        if optional:
            return False
        if location:
            raise InvalidError(f"{location[0]} artifacts without a key are not supported")
        raise InvalidError(f"required artifact '{name}' not supplied")
    if location is not None and location[0] not in _REPOSITORY_KINDS:
        raise InvalidError(f"{location[0]} artifacts are not supported by podfleet (s3, oss, local, http, git, raw are)")
    if artifacts is None:
        raise InvalidError("no artifact repository is configured")
    assert location is not None
    repository = artifacts.for_location(location[0], location[1])
    repository.get(str(key), dest)
    return True


def _sub_path(local: Path, sub: str) -> Path:
    rel = PurePosixPath(sub)
    if rel.is_absolute() or ".." in rel.parts:
        raise InvalidError(f"subPath {sub!r} must be a relative path without '..'")
    if not local.is_dir():
        raise InvalidError(f"subPath {sub!r} given, but the artifact is a single file")
    chosen = local.joinpath(*rel.parts)
    if not chosen.exists():
        raise NotFoundError(f"subPath {sub!r} does not exist in the artifact")
    return chosen


def _chmod(local: Path, mode: int) -> None:
    if local.is_dir():
        for dirpath, _dirs, files in os.walk(local):
            for file in files:
                full = Path(dirpath) / file
                if not full.is_symlink():
                    full.chmod(mode)
    else:
        local.chmod(mode)


__all__ = ["stage_inputs", "as_pod_artifacts"]
