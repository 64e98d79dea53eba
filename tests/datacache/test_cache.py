"""The chunk cache against a real S3-protocol server: one fetch per chunk however many
readers, parallel range reads, eviction between the watermarks, corrupt chunks
refetched, changed objects never served stale, and a store that is down failing fast."""

from __future__ import annotations

import os

import threading
from pathlib import Path

import pytest
from tests.datacache.harness import S3, Proxy, payload

from podfleet.datacache.cache import ChunkCache, Tier
from podfleet.datacache.ufs import ObjectInfo, S3Ufs, UfsError

CHUNK = 64 * 1024


class Counting:
    """A Ufs that counts the range reads it forwards."""

    def __init__(self, inner: S3Ufs) -> None:
        self.inner = inner
        self.where = inner.where
        self.reads = 0
        self.lock = threading.Lock()

    def list(self) -> list[ObjectInfo]:
        return self.inner.list()

    def read(self, info: ObjectInfo, start: int, end: int) -> bytes:
        with self.lock:
            self.reads += 1
        return self.inner.read(info, start, end)


def ufs_for(endpoint: str, bucket: str) -> S3Ufs:
    return S3Ufs(f"s3://{bucket}/", {"fs.s3a.endpoint": endpoint, "aws.accessKeyId": "a", "aws.secretKey": "b"})


def read_all(cache: ChunkCache, ufs: object, info: ObjectInfo) -> bytes:
    out = bytearray(info.size)

    def sink(offset: int, data: bytes) -> None:
        out[offset:offset + len(data)] = data

    cache.read_object(ufs, "src", info, sink=sink)  # type: ignore[arg-type]
    return bytes(out)


def test_concurrent_readers_fetch_each_chunk_once(s3: S3, tmp_path: Path) -> None:
    data = payload(40 * CHUNK + 123)
    s3.put("single", "big.bin", data)
    ufs = Counting(ufs_for(s3.endpoint, "single"))
    [info] = ufs.list()
    results: list[bytes] = []

    def reader() -> None:
        # Separate caches over the same folder: as separate processes would be.
        cache = ChunkCache([Tier("MEM", tmp_path / "mem")], chunk_size=CHUNK, workers=4)
        results.append(read_all(cache, ufs, info))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [data] * 8
    assert ufs.reads == 41  # one range request per chunk, not per reader


def test_eviction_keeps_usage_between_watermarks(s3: S3, tmp_path: Path) -> None:
    objects = {f"f{i}.bin": payload(6 * CHUNK + 1000 * i, seed=i) for i in range(8)}
    for key, body in objects.items():
        s3.put("evict", key, body)
    ufs = ufs_for(s3.endpoint, "evict")
    quota = 20 * CHUNK
    mem = Tier("MEM", tmp_path / "mem", quota=quota, high=0.8, low=0.5)
    cache = ChunkCache([mem], chunk_size=CHUNK, workers=4)
    infos = {i.path: i for i in ufs.list()}
    for round_ in range(2):
        for key, body in objects.items():
            assert read_all(cache, ufs, infos[key]) == body, (round_, key)
            used = cache.usage(0)
            assert used <= 0.8 * quota
    cache.enforce()
    used = cache.usage(0)
    assert 0.5 * quota - CHUNK < used <= 0.8 * quota
    assert cache.counters.evicted > 0


def test_full_tier_demotes_to_the_next(s3: S3, tmp_path: Path) -> None:
    objects = {f"g{i}.bin": payload(5 * CHUNK, seed=10 + i) for i in range(4)}
    for key, body in objects.items():
        s3.put("tiers", key, body)
    ufs = ufs_for(s3.endpoint, "tiers")
    mem = Tier("MEM", tmp_path / "mem", quota=8 * CHUNK, high=0.9, low=0.5)
    ssd = Tier("SSD", tmp_path / "ssd", quota=40 * CHUNK, high=0.9, low=0.7)
    cache = ChunkCache([mem, ssd], chunk_size=CHUNK, workers=2)
    infos = {i.path: i for i in ufs.list()}
    for key, body in objects.items():
        assert read_all(cache, ufs, infos[key]) == body
    assert cache.usage(0) <= 0.9 * mem.quota  # type: ignore[operator]
    assert cache.counters.demoted > 0
    assert cache.usage(0) + cache.usage(1) == 20 * CHUNK  # nothing lost: demoted, not dropped
    before = cache.counters.fetches
    for key, body in objects.items():
        assert read_all(cache, ufs, infos[key]) == body
    assert cache.counters.fetches == before  # every chunk still cached in one tier or the other


def test_corrupt_chunk_is_detected_and_refetched(s3: S3, tmp_path: Path) -> None:
    data = payload(3 * CHUNK)
    s3.put("corrupt", "c.bin", data)
    ufs = ufs_for(s3.endpoint, "corrupt")
    [info] = ufs.list()
    cache = ChunkCache([Tier("SSD", tmp_path / "ssd")], chunk_size=CHUNK, workers=1)
    assert read_all(cache, ufs, info) == data
    [chunk] = [p for p in (tmp_path / "ssd").rglob("1.*") if not p.name.endswith(".lock")]
    damaged = bytearray(chunk.read_bytes())
    damaged[100] ^= 0xFF
    chunk.write_bytes(bytes(damaged))
    fetches = cache.counters.fetches
    assert read_all(cache, ufs, info) == data
    assert cache.counters.corrupt == 1 and cache.counters.fetches == fetches + 1


def test_open_chunk_gives_verified_bytes_and_refuses_a_corrupt_chunk(s3: S3, tmp_path: Path) -> None:
    # The FUSE daemon's path: a descriptor on the chunk's file, checked once when opened.
    data = payload(2 * CHUNK, seed=9)
    s3.put("opened", "o.bin", data)
    ufs = ufs_for(s3.endpoint, "opened")
    [info] = ufs.list()
    cache = ChunkCache([Tier("SSD", tmp_path / "ssd")], chunk_size=CHUNK, workers=1)
    assert cache.open_chunk("src", info, 1) is None  # not cached: the caller fetches
    cache.chunk(ufs, "src", info, 1)
    fd = cache.open_chunk("src", info, 1)
    assert fd is not None
    try:
        assert os.pread(fd, CHUNK, 0) == data[CHUNK:]
    finally:
        os.close(fd)
    [chunk] = [p for p in (tmp_path / "ssd").rglob("1.*") if not p.name.endswith(".lock")]
    chunk.write_bytes(chunk.read_bytes()[:-1] + b"\0")
    assert cache.open_chunk("src", info, 1) is None  # damaged: dropped, never handed out
    assert cache.counters.corrupt == 1 and not chunk.exists()


def test_changed_object_is_never_served_stale(s3: S3, tmp_path: Path) -> None:
    s3.put("changes", "v.bin", payload(2 * CHUNK, seed=1))
    ufs = ufs_for(s3.endpoint, "changes")
    cache = ChunkCache([Tier("SSD", tmp_path / "ssd")], chunk_size=CHUNK, workers=1)
    [old] = ufs.list()
    read_all(cache, ufs, old)
    new_data = payload(2 * CHUNK, seed=2)
    s3.put("changes", "v.bin", new_data)
    [new] = ufs.list()
    assert new.etag != old.etag
    assert read_all(cache, ufs, new) == new_data
    # A reader still holding the old listing is told the object changed, not given a mix.
    empty = ChunkCache([], chunk_size=CHUNK)
    with pytest.raises(UfsError, match="changed"):
        read_all(empty, ufs, old)


def test_uncached_read_while_the_store_is_down_fails_fast(s3: S3, tmp_path: Path) -> None:
    s3.put("down", "d.bin", payload(4 * CHUNK))
    proxy = Proxy(s3.port)
    ufs = ufs_for(proxy.endpoint, "down")
    [info] = ufs.list()
    cache = ChunkCache([Tier("SSD", tmp_path / "ssd")], chunk_size=CHUNK, workers=2)
    proxy.stop()
    with pytest.raises(UfsError, match="unreachable"):
        read_all(cache, ufs, info)


def test_streamed_object_is_whole_or_an_error(s3: S3, tmp_path: Path) -> None:
    # ThinRuntime copies stream one GET per file: right bytes, a changed object refused,
    # a store that goes down mid-stream an error — never a short file passed off as whole.
    size = 3 * 1024 * 1024 + 123  # streamed in 1 MiB blocks
    data = payload(size, seed=11)
    s3.put("stream", "s.bin", data)
    proxy = Proxy(s3.port, rate=4e6)  # slow enough to be cut mid-stream
    ufs = ufs_for(proxy.endpoint, "stream")
    [info] = ufs.list()
    out = bytearray()
    assert ufs.stream(info, out.extend) == len(data) and bytes(out) == data

    s3.put("stream", "s.bin", payload(size, seed=12))
    with pytest.raises(UfsError, match="changed"):
        ufs.stream(info, out.extend)

    [info] = ufs.list()
    received: list[int] = []

    def cut_after_first_block(block: bytes) -> None:
        received.append(len(block))
        if len(received) == 1:
            proxy.stop()

    with pytest.raises(UfsError):
        ufs.stream(info, cut_after_first_block)
    assert sum(received) < info.size
