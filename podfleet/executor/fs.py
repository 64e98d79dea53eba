"""The filesystem view the executor needs of a pod: paths as the containers see them.

Providers implement it their own way: the process provider maps container paths to host
folders (volumes, the container's root), the container provider uses the Docker API's
archive endpoints. Paths are absolute container paths (`/tmp/out.txt`).

Errors: a missing path raises `podfleet.errors.NotFoundError`; reading a directory as
a file raises `podfleet.errors.InvalidError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class PodFilesystem(Protocol):
    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Create or replace the file at `path`, creating parent directories."""

    def read_file(self, path: str) -> bytes:
        """The content of the file at `path`."""

    def exists(self, path: str) -> bool:
        """Whether `path` exists (file or directory)."""

    def copy_out(self, path: str, dest_dir: Path) -> Path:
        """Copy the file or directory at `path` into host folder `dest_dir`; returns the copy."""

    def copy_in(self, src: Path, path: str) -> None:
        """Copy host file or directory `src` so that it becomes `path` in the pod."""
