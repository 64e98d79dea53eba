"""The local artifact repository: a folder (default `$PODFLEET_HOME/artifacts`).

Keys are relative paths below the folder. Keys that would leave it (`..`, absolute) are
refused: unlike Argo's S3 keys, here a key is a real path on the user's machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from podfleet.artifacts.archive import NONE, pack
from podfleet.artifacts.contract import Archive, strategy_of
from podfleet.errors import InvalidError, NotFoundError


class LocalArtifactRepository:
    location_kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if not key or PurePosixPath(key).is_absolute() or ".." in parts:
            raise InvalidError(f"invalid artifact key {key!r}: must be a relative path without '..'")
        return self.root.joinpath(*parts)

    def path_of(self, key: str) -> Path:
        """Where `key` is stored on disk (readers that stream it need no copy)."""
        return self._path(key)

    def put(self, key: str, local_path: Path, *, archive: Archive = True, compression_level: int | None = None) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half an object.
        tmp = Path(tempfile.mkdtemp(prefix=".put-", dir=target.parent))
        try:
            staged = tmp / "object"
            strategy = strategy_of(archive)
            if strategy != NONE:
                pack(Path(local_path), staged, strategy, compression_level)
            elif Path(local_path).is_dir():
                shutil.copytree(local_path, staged, symlinks=True)
            else:
                shutil.copy2(local_path, staged)
            self._remove(target)
            os.replace(staged, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def get(self, key: str, dest_path: Path) -> None:
        source = self._path(key)
        if not source.exists():
            raise NotFoundError(f"artifact {key!r} not found in {self.root}")
        dest_path = Path(dest_path)
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        self._remove(dest_path)
        if source.is_dir():
            shutil.copytree(source, dest_path, symlinks=True)
        else:
            shutil.copy2(source, dest_path)

    def delete(self, key: str) -> None:
        self._remove(self._path(key))

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    @staticmethod
    def _remove(path: Path) -> None:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)


__all__ = ["LocalArtifactRepository"]
