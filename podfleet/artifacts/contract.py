"""The artifact repository contract, mirroring Argo's artifact driver (Load/Save/Delete).

A repository stores one object per key. `put` archives a file or directory as tar+gzip
by default (Argo's default archive strategy) or stores it as it is (`archive: none`);
`get` hands back exactly what was stored — unpacking is the executor's job, as in Argo,
because the executor alone knows the artifact's `path` inside the pod.

Methods are synchronous (file or network I/O); async callers run them in a thread.
Missing keys raise `podfleet.errors.NotFoundError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class ArtifactRepository(Protocol):
    # The name of the artifact location block this repository's keys are reported under
    # (`{"local": {"key": ...}}`; an S3 repository reports `s3`, as Argo shows it).
    location_kind: str

    def put(self, key: str, local_path: Path, *, archive: bool = True, compression_level: int | None = None) -> None:
        """Store the file or directory at `local_path` under `key` (tar+gzip unless archive=False)."""

    def get(self, key: str, dest_path: Path) -> None:
        """Copy the object stored under `key` to `dest_path` (a file, or a directory for unarchived dirs)."""

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""


__all__ = ["ArtifactRepository"]
