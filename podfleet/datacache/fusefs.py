"""The "fuse" mount mode: a dataset served read-only, lazily, from the chunk cache.

Materialising copies a whole dataset before a pod starts; through FUSE a pod pays only
for the bytes it reads. One small daemon per (dataset, version), started by the
provider hook in mount.py (`python -m podfleet.datacache.fusefs PLAN MOUNTPOINT`), lives
for as long as that version is current: it is unmounted when a newer version of the
dataset is mounted, or with `fusermount -u`. Its listing is fixed when it starts (the
version is the set of ETags), so the kernel may cache pages and attributes freely.

Reads copy straight from the chunk's file in its tier into libfuse's reply buffer
(`preadv` on a descriptor the daemon keeps open, the chunk verified once when opened):
no Python bytes are made per read, which is what lets a first read through the mount
keep up with a local disk. An uncached chunk is fetched once (the cache's flock
single-flights it across pods and processes). The kernel's page cache serves repeated
reads by any pod; fusemount.py raises the mount's readahead to match libfuse's 1 MiB
requests.
A store that is down surfaces as EIO on the read, after the store client's short
timeouts — never a hang. The plan file holds credentials: it is owner-only and deleted
once the daemon has read it.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import logging
import os
import stat
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from podfleet.datacache.cache import ChunkCache
from podfleet.datacache.plan import DatasetPlan, MountPlan
from podfleet.datacache.ufs import ObjectInfo, UfsError
from podfleet.errors import PodfleetError

log = logging.getLogger("podfleet.datacache.fuse")

ERRORS_SUFFIX = ".errors"
ERRORS_TAIL = 64 * 1024  # bytes of an errors file read back: the recent records
OPEN_CHUNKS = 64  # descriptors kept open: a 256 MiB window of 4 MiB chunks


def load_binding() -> Any:
    """The mfusepy module with libfuse loaded, or None (then the mode is materialise)."""
    try:
        import mfusepy
    except (ImportError, OSError):
        return None
    return mfusepy


@dataclass
class Entry:
    info: ObjectInfo | None = None                              # None: a directory
    mount: MountPlan | None = None
    children: dict[str, Entry] = field(default_factory=dict)


def build_tree(listings: list[tuple[MountPlan, list[ObjectInfo]]]) -> Entry:
    root = Entry()
    for mount, objects in listings:
        for info in objects:
            parts = [p for p in PurePosixPath(mount.subdir, info.path).parts if p not in ("/", ".")]
            if not parts or ".." in parts:
                continue
            node = root
            for part in parts[:-1]:
                node = node.children.setdefault(part, Entry())
                if node.info is not None:
                    break  # a file and a folder of the same name: the file wins
            else:
                node.children[parts[-1]] = Entry(info=info, mount=mount)
    return root


class DatasetFS:
    """The mfusepy operations over one dataset version (read-only)."""

    def __init__(self, plan: DatasetPlan, listings: list[tuple[MountPlan, list[ObjectInfo]]],
                 errors: Path | None = None) -> None:
        self.plan = plan
        self.errors = errors
        self._last_error: tuple[str, float] = ("", 0.0)
        self.cache: ChunkCache = plan.cache()
        self.root = build_tree(listings)
        self._paths: dict[str, Entry] = {}
        self._index(self.root, "/")
        self._sources = {id(mount): mount.source() for mount, _ in listings}
        self.stamp = time.time_ns()
        self._open = OpenChunks()
        self._ahead = ThreadPoolExecutor(2, thread_name_prefix="read-ahead")
        self._pending: dict[Any, Future[None]] = {}
        self._lock = threading.Lock()

    def _find(self, path: str) -> Entry:
        node = self._paths.get(path)
        if node is None:
            raise self._error(errno.ENOENT)
        return node

    def _index(self, node: Entry, path: str) -> None:
        """Every path of the (fixed) tree, so a request costs a dict lookup, not a walk."""
        self._paths[path] = node
        for name, child in node.children.items():
            self._index(child, f"{path.rstrip('/')}/{name}")

    @staticmethod
    def _error(code: int) -> OSError:
        from mfusepy import FuseOSError

        return FuseOSError(code)

    # -- operations --------------------------------------------------------------------
    def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
        node = self._find(path)
        times = {"st_atime": self.stamp, "st_mtime": self.stamp, "st_ctime": self.stamp,
                 "st_uid": os.getuid(), "st_gid": os.getgid()}
        if node.info is None:
            return {**times, "st_mode": stat.S_IFDIR | 0o555, "st_nlink": 2 + len(node.children)}
        return {**times, "st_mode": stat.S_IFREG | 0o444, "st_nlink": 1, "st_size": node.info.size,
                "st_blocks": (node.info.size + 511) // 512}

    def readdir(self, path: str, fh: int) -> list[str]:
        node = self._find(path)
        if node.info is not None:
            raise self._error(errno.ENOTDIR)
        return [".", "..", *node.children]

    def open(self, path: str, flags: int) -> int:
        node = self._find(path)
        if node.info is None:
            raise self._error(errno.EISDIR)
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_TRUNC | os.O_APPEND):
            raise self._error(errno.EROFS)
        return 0

    def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
        buffer = bytearray(size)
        return bytes(buffer[:self.read_into(path, memoryview(buffer), offset)])

    def read_into(self, path: str, view: memoryview, offset: int) -> int:
        """Fill `view` with the file's bytes from `offset`; the count copied (0 at EOF)."""
        node = self._find(path)
        info, mount = node.info, node.mount
        if info is None or mount is None:
            raise self._error(errno.EISDIR)
        end = min(info.size, offset + len(view))
        chunk = self.cache.chunk_size
        pos = offset
        try:
            while pos < end:
                index = pos // chunk
                upto = min(end, (index + 1) * chunk)
                self._copy(mount, info, index, view[pos - offset:upto - offset], pos - index * chunk)
                pos = upto
        except (UfsError, PodfleetError) as err:
            self._failed(path, offset, err.message)
            raise self._error(errno.EIO) from None
        except OSError as err:
            self._failed(path, offset, str(err))
            raise self._error(errno.EIO) from None
        return max(0, end - offset)

    def _failed(self, path: str, offset: int, why: str) -> None:
        """Log a failed read, and record it for the providers (read_errors) so the pod that
        got EIO is told why in its status, not just "exit code 1"."""
        message = f"I/O error reading {path.lstrip('/')} at offset {offset}: {why}"
        log.error("%s", message)
        if self.errors is None:
            return
        now = time.time()
        with self._lock:
            if message == self._last_error[0] and now - self._last_error[1] < 1.0:
                return  # a store that is down fails every read: one record a second is enough
            self._last_error = (message, now)
        try:
            with open(self.errors, "a") as out:
                out.write(json.dumps({"at": now, "message": message}) + "\n")
        except OSError as err:
            log.warning("cannot record the failed read in %s: %s", self.errors, err)

    def statfs(self, path: str) -> dict[str, int]:
        return {"f_bsize": 4096, "f_frsize": 4096, "f_namemax": 255}

    def close(self) -> None:
        self._ahead.shutdown(wait=True, cancel_futures=True)
        self._open.close()

    def _copy(self, mount: MountPlan, info: ObjectInfo, index: int, target: memoryview, at: int) -> None:
        key = (self._sources[id(mount)], info.path, info.etag, index)
        entry = self._open.acquire(key)
        if entry is None:
            with self._lock:
                ahead = self._pending.get(key)
            if ahead is not None:
                ahead.result()  # being opened by the read-ahead: wait for it rather than verify twice
                entry = self._open.acquire(key)
        if entry is None:
            opened = self._open_chunk(mount, info, index)
            if isinstance(opened, bytes):  # the tier could not keep it (full): serve the fetched bytes
                target[:] = opened[at:at + len(target)]
                return
            entry = self._open.add(key, opened)
            self._read_ahead(mount, info, index + 1)
        try:
            done = 0
            while done < len(target):
                n = os.preadv(entry.fd, [target[done:]], at + done)
                if n == 0:
                    raise UfsError(f"cache chunk {index} of {info.path} is shorter than expected")
                done += n
        finally:
            self._open.release(entry)

    def _read_ahead(self, mount: MountPlan, info: ObjectInfo, index: int) -> None:
        """Open (and so verify) the next chunk while this one is being read — if it is cached.

        Checksumming a chunk when it is first opened would otherwise stall a sequential
        reader at every chunk boundary. Uncached chunks are not fetched ahead: a reader
        that skips around must cost the store only what it reads.
        """
        if index * self.cache.chunk_size >= info.size:
            return
        key = (self._sources[id(mount)], info.path, info.etag, index)
        with self._lock:
            if key in self._pending or self._open.holds(key):
                return
            self._pending[key] = self._ahead.submit(self._open_ahead, mount, info, index, key)

    def _open_ahead(self, mount: MountPlan, info: ObjectInfo, index: int, key: Any) -> None:
        try:
            fd = self.cache.open_chunk(key[0], info, index)
            if fd is not None:
                self._open.keep(key, fd)
        except OSError as err:
            log.debug("read-ahead of chunk %d of %s: %s", index, info.path, err)  # the reader will see it
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def _open_chunk(self, mount: MountPlan, info: ObjectInfo, index: int) -> int | bytes:
        source = self._sources[id(mount)]
        fd = self.cache.open_chunk(source, info, index)
        if fd is not None:
            return fd
        data = self.cache.chunk(mount.ufs(), source, info, index)
        fd = self.cache.open_chunk(source, info, index)
        return data if fd is None else fd


@dataclass
class OpenChunk:
    fd: int
    readers: int = 0
    retired: bool = False


class OpenChunks:
    """Descriptors on cached chunks shared by libfuse's threads, least recently used
    closed first — but never while a read is copying from it."""

    def __init__(self, limit: int = OPEN_CHUNKS) -> None:
        self.limit = limit
        self._entries: OrderedDict[Any, OpenChunk] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: Any) -> OpenChunk | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.readers += 1
                self._entries.move_to_end(key)
            return entry

    def holds(self, key: Any) -> bool:
        with self._lock:
            return key in self._entries

    def keep(self, key: Any, fd: int) -> None:
        """Keep `fd` for `key` for later readers (the read-ahead's)."""
        self.release(self.add(key, fd))

    def add(self, key: Any, fd: int) -> OpenChunk:
        """Keep `fd` for `key`, held once by the caller (another thread's descriptor wins a race)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                os.close(fd)
            else:
                entry = self._entries[key] = OpenChunk(fd)
            entry.readers += 1
            while len(self._entries) > self.limit:
                _, old = self._entries.popitem(last=False)
                old.retired = True
                if not old.readers:
                    os.close(old.fd)
            return entry

    def release(self, entry: OpenChunk) -> None:
        with self._lock:
            entry.readers -= 1
            if entry.retired and not entry.readers:
                os.close(entry.fd)

    def close(self) -> None:
        with self._lock:
            for entry in self._entries.values():
                entry.retired = True
                if not entry.readers:
                    os.close(entry.fd)
            self._entries.clear()


def errors_file(mountpoint: Path) -> Path:
    """Where the daemon serving `mountpoint` records failed reads (JSON lines)."""
    return mountpoint.with_name(f"{mountpoint.name}{ERRORS_SUFFIX}")


def read_errors(plan: DatasetPlan, since: float, until: float) -> list[str]:
    """Failed reads of any version of the dataset between `since` and `until` (unix seconds)."""
    found: list[str] = []
    for path in sorted((Path(plan.root) / "fuse").glob(f"*{ERRORS_SUFFIX}")):
        try:
            with open(path, "rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - ERRORS_TAIL))
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the first line of a tail may be cut
            if isinstance(record, dict) and since <= float(record.get("at", 0)) <= until:
                found.append(str(record.get("message")))
    return found


def serve(plan: DatasetPlan, listings: list[tuple[MountPlan, list[ObjectInfo]]], mountpoint: Path) -> None:
    """Mount and serve until unmounted (foreground)."""
    fuse = load_binding()
    if fuse is None:
        raise PodfleetError("FUSE is not available: the mfusepy binding or libfuse is missing")
    operations = DatasetFS(plan, listings, errors=errors_file(mountpoint))

    class Ops(fuse.Operations):  # type: ignore[misc, name-defined]
        use_ns = True
        getattr = operations.getattr
        readdir = operations.readdir
        open = operations.open
        read = operations.read
        statfs = operations.statfs

    class ZeroCopyFUSE(fuse.FUSE):  # type: ignore[misc, name-defined]
        """mfusepy's FUSE with reads written into libfuse's buffer in place (no bytes in between)."""

        def read(self, path: bytes | None, buf: Any, size: int, offset: int, fip: Any) -> int:
            view = memoryview(ctypes.cast(buf, ctypes.POINTER(ctypes.c_char * size)).contents).cast("B")
            return operations.read_into((path or b"/").decode("utf-8", "surrogateescape"), view, offset)

    try:
        ZeroCopyFUSE(Ops(), str(mountpoint), foreground=True, ro=True, allow_other=True, kernel_cache=True,
                     fsname=f"podfleet-{plan.namespace}-{plan.name}", default_permissions=True,
                     # the listing is fixed for the daemon's life: names and sizes never change under it
                     attr_timeout=3600, entry_timeout=3600)
    finally:
        operations.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m podfleet.datacache.fusefs",
                                     description="Serve a dataset version read-only over FUSE.")
    parser.add_argument("spec", type=Path, help="JSON {plan, listings} written by podfleet.datacache.mount")
    parser.add_argument("mountpoint", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        spec = json.loads(args.spec.read_text())
        args.spec.unlink(missing_ok=True)  # it holds credentials
        plan = DatasetPlan.from_json(spec["plan"])
        listings = [(plan.mounts[i], [ObjectInfo(**o) for o in objects]) for i, objects in enumerate(spec["listings"])]
        serve(plan, listings, args.mountpoint)
    except (OSError, ValueError, KeyError, PodfleetError, RuntimeError) as err:
        print(f"podfleet-fuse: cannot serve {args.mountpoint}: {getattr(err, 'message', err)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["DatasetFS", "build_tree", "errors_file", "load_binding", "main", "read_errors", "serve"]
