"""The "fuse" mount mode: a dataset served read-only, lazily, from the chunk cache.

Materialising copies a whole dataset before a pod starts; through FUSE a pod pays only
for the bytes it reads. One small daemon per (dataset, version), started by the
provider hook in mount.py (`python -m podfleet.datacache.fusefs PLAN MOUNTPOINT`), lives
for as long as that version is current: it is unmounted when a newer version of the
dataset is mounted, or with `fusermount -u`. Its listing is fixed when it starts (the
version is the set of ETags), so the kernel may cache pages and attributes freely.

Reads go through `ChunkCache.chunk`: a cached chunk comes from its tier, an uncached
one is fetched once (the cache's flock single-flights it across pods and processes).
A store that is down surfaces as EIO on the read, after the store client's short
timeouts — never a hang. The plan file holds credentials: it is owner-only and deleted
once the daemon has read it.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import stat
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from podfleet.datacache.cache import ChunkCache
from podfleet.datacache.plan import DatasetPlan, MountPlan
from podfleet.datacache.ufs import ObjectInfo, Ufs, UfsError
from podfleet.errors import PodfleetError

log = logging.getLogger("podfleet.datacache.fuse")

MEMO_CHUNKS = 8  # whole chunks kept in memory: FUSE reads 128 KiB at a time, chunks are 4 MiB


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

    def __init__(self, plan: DatasetPlan, listings: list[tuple[MountPlan, list[ObjectInfo]]]) -> None:
        self.plan = plan
        self.cache: ChunkCache = plan.cache()
        self.root = build_tree(listings)
        self.stamp = time.time()
        self._ufs: dict[int, Ufs] = {}
        self._memo: OrderedDict[tuple[str, str, str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _find(self, path: str) -> Entry:
        node = self.root
        for part in PurePosixPath(path).parts[1:]:
            child = node.children.get(part)
            if child is None:
                raise self._error(errno.ENOENT)
            node = child
        return node

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
        node = self._find(path)
        info, mount = node.info, node.mount
        if info is None or mount is None:
            raise self._error(errno.EISDIR)
        end = min(info.size, offset + size)
        chunk = self.cache.chunk_size
        out = []
        try:
            for index in range(offset // chunk, (end + chunk - 1) // chunk if end > offset else 0):
                data = self._chunk(mount, info, index)
                lo = max(offset, index * chunk) - index * chunk
                hi = min(end, (index + 1) * chunk) - index * chunk
                out.append(data[lo:hi])
        except (UfsError, PodfleetError) as err:
            log.error("read %s at %d: %s", path, offset, getattr(err, "message", err))
            raise self._error(errno.EIO) from None
        except OSError as err:
            log.error("read %s at %d: %s", path, offset, err)
            raise self._error(errno.EIO) from None
        return b"".join(out)

    def statfs(self, path: str) -> dict[str, int]:
        return {"f_bsize": 4096, "f_frsize": 4096, "f_namemax": 255}

    def _chunk(self, mount: MountPlan, info: ObjectInfo, index: int) -> bytes:
        key = (mount.source(), info.path, info.etag, index)
        with self._lock:
            data = self._memo.get(key)
            if data is not None:
                self._memo.move_to_end(key)
                return data
            ufs = self._ufs.setdefault(id(mount), mount.ufs())
        data = self.cache.chunk(ufs, mount.source(), info, index)
        with self._lock:
            self._memo[key] = data
            while len(self._memo) > MEMO_CHUNKS:
                self._memo.popitem(last=False)
        return data


def serve(plan: DatasetPlan, listings: list[tuple[MountPlan, list[ObjectInfo]]], mountpoint: Path) -> None:
    """Mount and serve until unmounted (foreground)."""
    fuse = load_binding()
    if fuse is None:
        raise PodfleetError("FUSE is not available: the mfusepy binding or libfuse is missing")
    operations = DatasetFS(plan, listings)

    class Ops(fuse.Operations):  # type: ignore[misc, name-defined]
        getattr = operations.getattr
        readdir = operations.readdir
        open = operations.open
        read = operations.read
        statfs = operations.statfs

    fuse.FUSE(Ops(), str(mountpoint), foreground=True, ro=True, allow_other=True, kernel_cache=True,
              fsname=f"podfleet-{plan.namespace}-{plan.name}", default_permissions=True)


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


__all__ = ["DatasetFS", "build_tree", "serve", "load_binding", "main"]
