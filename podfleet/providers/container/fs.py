"""The executor's view of a container's files, through the engine's archive endpoints.

Paths under a bind mount (emptyDir, hostPath, configMap … volumes) are read and
written on the host directly; everything else goes through `PUT/GET
/containers/{id}/archive`, which works on a created-but-not-started container (inputs
before `main` starts) and on a stopped one (outputs after it exits) — the emissary's
ability to collect from any path without a shared volume.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import docker
import docker.errors

from podfleet.errors import InvalidError, NotFoundError, ProviderError
from podfleet.providers.container.api import explain

_EMPTY_RETRY_DELAYS = (0.05, 0.2, 0.5)


class ContainerFilesystem:
    def __init__(self, client: docker.APIClient, container_id: str, binds: dict[str, tuple[str, bool]]) -> None:
        self.client = client
        self.container_id = container_id
        # Longest mount path first, so /data/sub wins over /data.
        self.binds = sorted(((PurePosixPath(k), Path(v[0]), v[1]) for k, v in binds.items()),
                            key=lambda b: len(b[0].parts), reverse=True)

    # -- helpers ------------------------------------------------------------------------
    def _host(self, path: str) -> tuple[Path, bool] | None:
        target = PurePosixPath(path)
        if not target.is_absolute():
            raise InvalidError(f"path {path!r} must be absolute")
        for mount, host, read_only in self.binds:
            if target == mount or mount in target.parents:
                rel = target.relative_to(mount)
                if ".." in rel.parts:
                    raise InvalidError(f"invalid path {path!r}")
                return host.joinpath(*rel.parts), read_only
        return None

    def _get(self, path: str) -> bytes:
        # A tar is never empty (it ends in zero blocks): an empty body is podman reading a
        # container whose storage its post-exit cleanup is unmounting; a moment later it reads.
        for delay in (*_EMPTY_RETRY_DELAYS, None):
            try:
                stream, _ = self.client.get_archive(self.container_id, path)
                data = b"".join(stream)
            except docker.errors.NotFound:
                raise NotFoundError(f"open {path}: no such file or directory") from None
            except docker.errors.APIError as err:
                raise ProviderError(f"reading {path} from the container: {explain(err)}") from err
            if data or delay is None:
                break
            time.sleep(delay)
        if not data:
            raise ProviderError(f"reading {path} from the container: the engine sent an empty archive")
        return data

    def _put_at(self, path: str, add: Callable[[tarfile.TarFile, PurePosixPath], None]) -> None:
        """Write the tar that `add(tar, relative path)` builds so that it lands at `path`.

        The archive is unpacked into the deepest folder that already exists, with only the
        missing folders as entries: an entry for an existing folder would reset its mode
        (`/tmp` must stay 1777).
        """
        target = PurePosixPath(path)
        base = target.parent
        while base != base.parent and not self.exists(str(base)):
            base = base.parent
        rel = target.relative_to(base)
        with tempfile.TemporaryFile() as buf:
            with tarfile.open(fileobj=buf, mode="w") as tar:
                for parent in reversed(rel.parents[:-1]):
                    info = tarfile.TarInfo(str(parent))
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
                    tar.addfile(info)
                add(tar, rel)
            buf.seek(0)
            try:
                ok = self.client.put_archive(self.container_id, str(base), buf.read())
            except docker.errors.APIError as err:
                raise ProviderError(f"writing {path} into the container: {explain(err)}") from err
        if not ok:
            raise ProviderError(f"the engine refused to write {path} into the container")

    # -- PodFilesystem --------------------------------------------------------------------
    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        host = self._host(path)
        if host is not None:
            target, read_only = host
            if read_only:
                raise InvalidError(f"cannot write {path}: read-only file system")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, mode)
            return
        def add(tar: tarfile.TarFile, rel: PurePosixPath) -> None:
            info = tarfile.TarInfo(str(rel))
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
        self._put_at(path, add)

    def read_file(self, path: str) -> bytes:
        host = self._host(path)
        if host is not None:
            target = host[0]
            if target.is_dir():
                raise InvalidError(f"{path} is a directory")
            try:
                return target.read_bytes()
            except FileNotFoundError:
                raise NotFoundError(f"open {path}: no such file or directory") from None
        with tarfile.open(fileobj=io.BytesIO(self._get(path))) as tar:
            member = tar.next()
            while member is not None and member.issym():
                # A symlink: the engine archives the link itself; follow it once.
                target = PurePosixPath(path).parent / member.linkname
                return self.read_file(str(target))
            if member is None or member.isdir():
                raise InvalidError(f"{path} is a directory")
            extracted = tar.extractfile(member)
            return extracted.read() if extracted else b""

    def exists(self, path: str) -> bool:
        host = self._host(path)
        if host is not None:
            return host[0].exists()
        # HEAD /archive: the stat without streaming the content.
        url = self.client._url("/containers/{0}/archive", self.container_id)  # noqa: SLF001
        try:
            response = self.client.head(url, params={"path": path})
        except OSError as err:
            raise ProviderError(f"reading {path} from the container: {err}") from err
        if response.status_code == 404:
            return False
        if response.status_code >= 400:
            raise ProviderError(f"reading {path} from the container: HTTP {response.status_code}")
        return True

    def copy_out(self, path: str, dest_dir: Path) -> Path:
        host = self._host(path)
        name = PurePosixPath(path).name or "root"
        dest = dest_dir / name
        if host is not None:
            source = host[0]
            if not source.exists():
                raise NotFoundError(f"path {path} does not exist")
            if source.is_dir():
                shutil.copytree(source, dest, symlinks=True)
            else:
                shutil.copy2(source, dest)
            return dest
        try:
            data = self._get(path)
        except NotFoundError:
            raise NotFoundError(f"path {path} does not exist") from None
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest_dir, filter="tar")
        return dest

    def copy_in(self, src: Path, path: str) -> None:
        host = self._host(path)
        if host is not None:
            target, read_only = host
            if read_only:
                raise InvalidError(f"cannot write {path}: read-only file system")
            target.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, target, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copy2(src, target)
            return
        self._put_at(path, lambda tar, rel: tar.add(src, arcname=str(rel)))


__all__ = ["ContainerFilesystem"]
