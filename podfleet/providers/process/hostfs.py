"""A container's filesystem seen from the host: its root folder plus its mounts.

This is how the executor reads outputs "from inside" a container that may already be
gone, with no shared volume: a container path is mapped to the host folder that backs
it. Symlinks are followed the way the container would follow them — an absolute link
target restarts at the *container's* root — so a container cannot make the executor
read or write host files outside what it could see itself.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from podfleet.errors import InvalidError, NotFoundError

_MAX_LINKS = 40


@dataclass(frozen=True)
class HostMount:
    target: str          # container path, normalised, absolute
    source: Path         # host path
    read_only: bool = False


class RootedFilesystem:
    """`PodFilesystem` for the process provider (see `podfleet.executor.fs`)."""

    def __init__(self, root: Path, mounts: list[HostMount]) -> None:
        self.root = root
        # Longest target first, so nested mounts win over their parents.
        self.mounts = sorted(mounts, key=lambda m: len(m.target), reverse=True)

    def _backing(self, container_path: PurePosixPath) -> tuple[Path, HostMount | None]:
        text = str(container_path)
        for m in self.mounts:
            if text == m.target or text.startswith(m.target.rstrip("/") + "/"):
                rest = text[len(m.target):].lstrip("/")
                return (m.source / rest if rest else m.source), m
        return self.root / text.lstrip("/"), None

    def resolve(self, path: str, *, follow_last: bool = True) -> tuple[Path, HostMount | None]:
        """The host path backing container `path`, following symlinks inside the container's view."""
        if not path.startswith("/"):
            raise InvalidError(f"path {path!r} must be absolute")
        pending = list(PurePosixPath(path).parts[1:])
        current = PurePosixPath("/")
        links = 0
        while pending:
            part = pending.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                current = current.parent
                continue
            candidate = current / part
            host, _ = self._backing(candidate)
            if host.is_symlink() and (pending or follow_last):
                links += 1
                if links > _MAX_LINKS:
                    raise InvalidError(f"too many levels of symbolic links in {path}")
                target = PurePosixPath(os.readlink(host))
                if target.is_absolute():
                    current = PurePosixPath("/")
                pending = list(target.parts[1:] if target.is_absolute() else target.parts) + pending
                continue
            current = candidate
        return self._backing(current)

    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        host, mount = self.resolve(path)
        if mount is not None and mount.read_only:
            raise InvalidError(f"cannot write {path}: read-only file system")
        host.parent.mkdir(parents=True, exist_ok=True)
        tmp = host.with_name(f".{host.name}.podfleet-tmp")
        tmp.write_bytes(data)
        tmp.chmod(mode)
        os.replace(tmp, host)

    def read_file(self, path: str) -> bytes:
        host, _ = self.resolve(path)
        if host.is_dir():
            raise InvalidError(f"{path} is a directory")
        try:
            return host.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"open {path}: no such file or directory") from None
        except OSError as err:
            raise InvalidError(f"open {path}: {err.strerror}") from None

    def exists(self, path: str) -> bool:
        host, _ = self.resolve(path)
        return host.exists()

    def makedirs(self, path: str) -> None:
        host, _ = self.resolve(path)
        host.mkdir(parents=True, exist_ok=True)

    def copy_out(self, path: str, dest_dir: Path) -> Path:
        host, _ = self.resolve(path)
        if not host.exists():
            raise NotFoundError(f"path {path} does not exist")
        dest = Path(dest_dir) / (PurePosixPath(path).name or "root")
        if host.is_dir():
            # symlinks=True: links are copied as links, never followed out of the container.
            shutil.copytree(host, dest, symlinks=True)
        else:
            shutil.copy2(host, dest)
        return dest

    def copy_in(self, src: Path, path: str) -> None:
        host, mount = self.resolve(path)
        if mount is not None and mount.read_only:
            raise InvalidError(f"cannot write {path}: read-only file system")
        host.parent.mkdir(parents=True, exist_ok=True)
        if host.is_dir() and not host.is_symlink():
            shutil.rmtree(host)
        elif host.exists() or host.is_symlink():
            host.unlink()
        if Path(src).is_dir():
            shutil.copytree(src, host, symlinks=True)
        else:
            shutil.copy2(src, host)


__all__ = ["RootedFilesystem", "HostMount"]
