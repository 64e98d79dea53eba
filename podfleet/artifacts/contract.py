"""The artifact repository contract, mirroring Argo's artifact driver (Load/Save/Delete).

A repository stores one object per key. `put` archives a file or directory as tar+gzip
by default (Argo's default archive strategy), as zip, or stores it as it is
(`archive: none`; a directory then becomes one object per file under `key/`). `get`
hands back exactly what was stored — unpacking is the executor's job, as in Argo,
because the executor alone knows the artifact's `path` inside the pod.

`archive` is the strategy name ("tar", "none", "zip"); True/False are accepted as
"tar"/"none" for callers written before zip existed.

Methods are synchronous (file or network I/O) and stream through files, never holding
an object in memory; async callers run them in a thread. Missing keys raise
`podfleet.errors.NotFoundError`; a store that cannot be reached or refuses access
raises `PodfleetError` naming the bucket/folder, never a credential.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Union, runtime_checkable

Archive = Union[bool, str]


def strategy_of(archive: Archive) -> str:
    if archive is True:
        return "tar"
    if archive is False:
        return "none"
    return str(archive)


@runtime_checkable
class ArtifactRepository(Protocol):
    # The name of the artifact location block this repository's keys are reported under
    # (`{"local": {"key": ...}}`; an S3 repository reports `s3`, an OSS one `oss`, as Argo shows it).
    location_kind: str

    def put(self, key: str, local_path: Path, *, archive: Archive = True, compression_level: int | None = None) -> None:
        """Store the file or directory at `local_path` under `key`."""

    def get(self, key: str, dest_path: Path) -> None:
        """Copy the object stored under `key` to `dest_path` (a file, or a directory for unarchived dirs)."""

    def delete(self, key: str) -> None:
        """Remove the object (and, for unarchived directories, everything under `key/`); missing is fine."""

    def exists(self, key: str) -> bool:
        """Whether an object (or an unarchived directory) is stored under `key`."""


__all__ = ["ArtifactRepository", "Archive", "strategy_of"]
