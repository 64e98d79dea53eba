"""The read-through chunk cache in front of a dataset's store.

Objects are cut into fixed-size chunks (4 MiB, JuiceFS's block size). A chunk lives
in one tier as `<tier>/<object id>/<version id>/<index>.<crc32c>`: the version id
hashes the object's ETag and size, so a changed object gets new chunks and an old
one is never served for it; the checksum in the name (CRC-32C: the CPU computes it at
several GB/s) is checked when a chunk is read, so a corrupt chunk is dropped and
fetched again instead of being served.

Concurrency: one fetch per chunk however many readers want it, in this process or
another — the fetch happens under an exclusive `flock` on the chunk's lock file and
the waiters find the chunk on disk when they get the lock. Large objects are fetched
with several range requests in parallel (`workers`).

Tiers are filled top first (MEM, then SSD, then HDD). When a tier's usage passes its
`high` watermark its least recently used chunks move down a tier (or leave the cache
from the last one) until usage is at or below `low` — Alluxio's semantics. Reads
return the bytes they fetched, so eviction racing a reader never corrupts a read.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import mmap
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from crc32c import crc32c

from podfleet.datacache.ufs import ObjectInfo, Ufs, UfsError

log = logging.getLogger("podfleet.datacache")

CHUNK_SIZE = 4 * 1024 * 1024
DEFAULT_HIGH, DEFAULT_LOW = 0.95, 0.7
LISTED_MEMO = 256        # chunk directories (object versions) whose listing is kept
VERIFIED_MEMO = 1 << 16  # chunk files remembered as verified (4 MiB each: 256 GiB)
T = TypeVar("T")


@dataclass
class Tier:
    medium: str
    path: Path
    quota: int | None = None
    high: float = DEFAULT_HIGH
    low: float = DEFAULT_LOW


@dataclass
class Counters:
    fetches: int = 0            # range requests sent to the store
    fetched_bytes: int = 0
    hits: int = 0
    corrupt: int = 0            # chunks found damaged and fetched again
    evicted: int = 0
    demoted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **deltas: int) -> None:
        with self.lock:
            for name, value in deltas.items():
                setattr(self, name, getattr(self, name) + value)


def object_id(source: str, path: str) -> str:
    return hashlib.sha1(f"{source}\0{path}".encode()).hexdigest()[:20]


def version_id(info: ObjectInfo) -> str:
    return hashlib.sha1(f"{info.etag}\0{info.size}".encode()).hexdigest()[:12]


def chunk_count(size: int, chunk_size: int) -> int:
    return (size + chunk_size - 1) // chunk_size


class ChunkCache:
    """A cache over `tiers`; with no tiers every read goes to the store (ThinRuntime)."""

    def __init__(self, tiers: list[Tier], *, chunk_size: int = CHUNK_SIZE, workers: int = 8) -> None:
        self.tiers = tiers
        self.chunk_size = chunk_size
        self.workers = max(1, workers)
        self.counters = Counters()
        self._evict_lock = threading.Lock()
        self._written_since_scan = [0] * len(tiers)
        self._usage: list[int | None] = [None] * len(tiers)
        self._verified: set[tuple[int, int, int, int]] = set()
        self._listed: OrderedDict[Path, dict[int, str]] = OrderedDict()

    # -- reading -------------------------------------------------------------------------
    def read_object(self, ufs: Ufs, source: str, info: ObjectInfo,
                    sink: Callable[[int, bytes], None] | None = None,
                    progress: Callable[[int], None] | None = None) -> None:
        """Every chunk of `info`, in parallel; `sink(offset, data)` receives them (any order)."""
        count = chunk_count(info.size, self.chunk_size)
        if count == 0:
            return

        def one(index: int) -> None:
            data = self.chunk(ufs, source, info, index)
            if sink is not None:
                sink(index * self.chunk_size, data)
            if progress is not None:
                progress(len(data))

        if count == 1 or self.workers == 1:
            for index in range(count):
                one(index)
            return
        with ThreadPoolExecutor(min(self.workers, count), thread_name_prefix="datacache") as pool:
            # list(): the first failure (store down) is raised here, the rest are not waited for long
            futures = [pool.submit(one, i) for i in range(count)]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def chunk(self, ufs: Ufs, source: str, info: ObjectInfo, index: int) -> bytes:
        start = index * self.chunk_size
        end = min(info.size, start + self.chunk_size)
        if not self.tiers:
            return self._fetch(ufs, info, start, end)
        cached = self._cached(source, info, index, end - start)
        if cached is not None:
            return cached
        home = self._dir(0, source, info)
        home.mkdir(parents=True, exist_ok=True)
        with _locked(home / f"{index}.lock"):
            cached = self._cached(source, info, index, end - start)
            if cached is not None:
                return cached
            data = self._fetch(ufs, info, start, end)
            name = f"{index}.{crc32c(data):08x}"
            tmp = home / f".{name}.{uuid.uuid4().hex[:8]}"
            try:
                tmp.write_bytes(data)
                os.replace(tmp, home / name)
            except OSError as err:
                tmp.unlink(missing_ok=True)
                if err.errno != errno.ENOSPC:
                    raise
                log.warning("cache tier %s is full; serving %s uncached", self.tiers[0].path, info.path)
                return data
        self._wrote(0, len(data))
        return data

    def _fetch(self, ufs: Ufs, info: ObjectInfo, start: int, end: int) -> bytes:
        data = ufs.read(info, start, end)
        if len(data) != end - start:
            raise UfsError(f"read {ufs.where.rstrip('/')}/{info.path}: got {len(data)} bytes of "
                           f"{end - start} at offset {start}")
        self.counters.add(fetches=1, fetched_bytes=len(data))
        return data

    def _cached(self, source: str, info: ObjectInfo, index: int, length: int) -> bytes | None:
        for level in range(len(self.tiers)):
            found = self._locate(self._dir(level, source, info), index, Path.read_bytes)
            if found is None:
                continue
            path, data = found
            if not self._intact(path, data, length):
                continue
            self._touched(path)
            return data
        return None

    def open_chunk(self, source: str, info: ObjectInfo, index: int) -> int | None:
        """A read-only descriptor on the cached, verified chunk — or None when it is not cached.

        For readers that copy straight from the tier into their own buffer (the FUSE
        daemon) instead of through a bytes object. The descriptor stays valid, with the
        same bytes, if the chunk is evicted or demoted while it is open. Caller closes it.
        A chunk file this cache has verified and that has not been written since (same
        inode, size and mtime) is not checksummed again.
        """
        start = index * self.chunk_size
        length = min(info.size, start + self.chunk_size) - start
        for level in range(len(self.tiers)):
            found = self._locate(self._dir(level, source, info), index,
                                 lambda path: os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            if found is None:
                continue
            path, fd = found
            if _identity(fd) not in self._verified and not self._verify(path, fd, length):
                os.close(fd)
                continue
            self._touched(path)
            with self._evict_lock:
                if len(self._verified) > VERIFIED_MEMO:
                    self._verified.clear()
                self._verified.add(_identity(fd))  # after the touch: its own mtime
            return fd
        return None

    def _verify(self, path: Path, fd: int, length: int) -> bool:
        try:
            # MAP_POPULATE: the checksum walks every page, so map them all at once, not fault by fault
            with mmap.mmap(fd, 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE,
                           prot=mmap.PROT_READ) if length else memoryview(b"") as view:
                return self._intact(path, view, length)
        except (ValueError, OSError):
            return self._intact(path, b"", length)  # an empty or unmappable file is not the chunk

    def _intact(self, path: Path, data: bytes | mmap.mmap | memoryview, length: int) -> bool:
        want = path.name.split(".", 1)[1]
        if len(data) == length and f"{crc32c(data):08x}" == want:
            return True
        log.warning("cache chunk %s is corrupt (%d bytes, crc mismatch); fetching it again", path, len(data))
        self.counters.add(corrupt=1)
        path.unlink(missing_ok=True)
        return False

    def _touched(self, path: Path) -> None:
        try:
            os.utime(path)  # LRU: recently read
        except OSError:
            pass
        self.counters.add(hits=1)

    def _chunk_names(self, directory: Path, *, fresh: bool) -> dict[int, str]:
        """index → chunk file name in `directory`, listed once and reused until `fresh`.

        Saves a directory listing per chunk read (a GiB is 256 chunks); a stale entry
        only costs a failed open and a new listing.
        """
        names = None if fresh else self._listed.get(directory)
        if names is None:
            try:
                entries = os.listdir(directory)
            except FileNotFoundError:
                entries = []
            names = {}
            for entry in entries:
                head = entry.split(".", 1)[0]
                if _is_chunk(entry) and head.isdigit():
                    names[int(head)] = entry
            with self._evict_lock:
                self._listed[directory] = names
                self._listed.move_to_end(directory)
                while len(self._listed) > LISTED_MEMO:
                    self._listed.popitem(last=False)
        return names

    def _locate(self, directory: Path, index: int, opener: Callable[[Path], T]) -> tuple[Path, T] | None:
        """(path, opener(path)) of chunk `index` in `directory`, or None when it is not there.

        The listing memo is tried first; a chunk it does not name, or one gone since it
        was listed (evicted, demoted, fetched again), is looked for once more in a fresh
        listing — another process may just have cached it.
        """
        for fresh in (False, True):
            name = self._chunk_names(directory, fresh=fresh).get(index)
            if name is None:
                continue
            try:
                return directory / name, opener(directory / name)
            except FileNotFoundError:
                continue
        return None

    def _dir(self, level: int, source: str, info: ObjectInfo) -> Path:
        return self.tiers[level].path / object_id(source, info.path) / version_id(info)

    # -- what is cached ------------------------------------------------------------------
    def cached_bytes(self, source: str, info: ObjectInfo) -> int:
        total = 0
        for level in range(len(self.tiers)):
            directory = self._dir(level, source, info)
            try:
                entries = list(os.scandir(directory))
            except FileNotFoundError:
                continue
            for entry in entries:
                if _is_chunk(entry.name):
                    try:
                        total += entry.stat().st_size
                    except FileNotFoundError:
                        pass
        return total

    def usage(self, level: int) -> int:
        return sum(size for _, size, _ in _chunks(self.tiers[level].path))

    # -- eviction ------------------------------------------------------------------------
    def _wrote(self, level: int, size: int) -> None:
        tier = self.tiers[level]
        if tier.quota is None:
            return
        with self._evict_lock:
            self._written_since_scan[level] += size
            known = self._usage[level]
            # Rescan when our own estimate crosses the watermark, or after a quota's worth of
            # writes (other processes write too).
            if known is not None and known + self._written_since_scan[level] <= tier.high * tier.quota \
                    and self._written_since_scan[level] < tier.quota // 8:
                return
            self._enforce(level)

    def enforce(self) -> None:
        """Bring every tier back under its high watermark (after DataLoad, on reconcile)."""
        with self._evict_lock:
            for level in range(len(self.tiers)):
                self._enforce(level)

    def _enforce(self, level: int) -> None:
        tier = self.tiers[level]
        self._written_since_scan[level] = 0
        if tier.quota is None:
            return
        tier.path.mkdir(parents=True, exist_ok=True)
        with _locked(tier.path / ".evict.lock"):
            chunks = list(_chunks(tier.path))
            used = sum(size for _, size, _ in chunks)
            if used > tier.high * tier.quota:
                target = tier.low * tier.quota
                for path, size, _ in sorted(chunks, key=lambda c: c[2]):
                    if used <= target:
                        break
                    if level + 1 < len(self.tiers):
                        self._demote(level, path)
                    else:
                        path.unlink(missing_ok=True)
                        self.counters.add(evicted=1)
                    used -= size
            self._usage[level] = used
        if level + 1 < len(self.tiers):
            self._enforce(level + 1)

    def _demote(self, level: int, path: Path) -> None:
        relative = path.relative_to(self.tiers[level].path)
        target = self.tiers[level + 1].path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(path, target)
        except OSError:
            try:
                shutil.copyfile(path, target.with_name("." + target.name))
                os.replace(target.with_name("." + target.name), target)
                path.unlink(missing_ok=True)
            except FileNotFoundError:
                return
        self.counters.add(demoted=1)


def _identity(fd: int) -> tuple[int, int, int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _is_chunk(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(".lock") and "." in name


def _chunks(root: Path) -> Iterator[tuple[Path, int, float]]:
    """(path, size, last use) of every chunk under a tier."""
    try:
        objects = list(os.scandir(root))
    except FileNotFoundError:
        return
    for obj in objects:
        if not obj.is_dir():
            continue
        for version in os.scandir(obj.path):
            if not version.is_dir():
                continue
            for entry in os.scandir(version.path):
                if _is_chunk(entry.name):
                    try:
                        st = entry.stat()
                    except FileNotFoundError:
                        continue
                    yield Path(entry.path), st.st_size, st.st_mtime


class _locked:
    """An exclusive flock on `path` (between threads too: each holder opens its own file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> _locked:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


__all__ = ["ChunkCache", "Tier", "Counters", "CHUNK_SIZE", "object_id", "version_id", "chunk_count"]
