"""Test pieces: an S3-protocol server (moto) on loopback, a TCP proxy in front of it that
can be throttled (a token bucket shared by every connection) and stopped/started (the
store going down; tests/loopback.py), and the seed's Fluid documents scaled to this machine."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tests.e2e.cli import SEED, seed_workflows
from tests.loopback import TcpProxy, free_port, moto_s3

REPO = Path(__file__).resolve().parents[2]

ACCESS, SECRET = "AKIDDATACACHETEST", "dAtAcAcHe-SeCrEt-42"


class TokenBucket:
    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.tokens = 0.0
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self, n: int) -> None:
        if not self.rate:
            return
        while True:
            with self.lock:
                now = time.monotonic()
                # a burst of 50 ms, but never less than one read, which must be able to pass
                self.tokens = min(max(self.rate * 0.05, n), self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= n:
                    self.tokens -= n
                    return
                wait = (n - self.tokens) / self.rate
            time.sleep(min(wait, 0.05))


class Proxy(TcpProxy):
    """A TCP proxy whose downstream is at most `rate` bytes/s, all connections together."""

    def __init__(self, upstream_port: int, rate: float | None = None) -> None:
        self.bucket = TokenBucket(rate)
        super().__init__(upstream_port)

    def _passing(self, data: bytes, *, upload: bool) -> bool:
        if not upload:
            self.bucket.take(len(data))
        return True


@dataclass
class S3:
    endpoint: str
    port: int
    access: str = ACCESS
    secret: str = SECRET

    def client(self) -> Any:
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access,
                            aws_secret_access_key=self.secret, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}))

    def put(self, bucket: str, key: str, data: bytes) -> None:
        client = self.client()
        try:
            client.create_bucket(Bucket=bucket)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        client.put_object(Bucket=bucket, Key=key, Body=data)


def moto_server() -> Iterator[S3]:
    with moto_s3() as (endpoint, port):
        yield S3(endpoint, port)


def payload(size: int, seed: int = 7) -> bytes:
    """Deterministic, incompressible-looking bytes (a zero file would hide misplaced chunks)."""
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(block[:64] + i.to_bytes(8, "big")).digest() + block[32:65536]
        i += 1
    return bytes(out[:size])


def _block(lines: list[str], start: int, stop: str | None) -> str:
    indent = len(lines[start]) - len(lines[start].lstrip())
    out = []
    for line in lines[start:]:
        if stop is not None and line.strip() == stop:
            break
        if stop is None and line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        out.append(line[indent:])
    return "\n".join(out).rstrip() + "\n"


def seed_fluid(endpoint: str, bucket: str, *, fix_dash: bool = True, access: str = ACCESS,
               secret: str = SECRET) -> tuple[str, str, str]:
    """(dataset.yaml, dataload.yaml, argo-test.yaml) from the seed, pointed at `endpoint`."""
    lines = SEED.read_text().splitlines()
    first = next(i for i, l in enumerate(lines) if l.strip() == "apiVersion: v1" and "Secret" in lines[i + 1])
    dataset = _block(lines, first, "Note")
    dataset = re.sub(r"(fs\.oss\.accessKeyId): \*+", rf"\1: {access}", dataset)
    dataset = re.sub(r"(fs\.oss\.accessKeySecret): \*+", rf"\1: {secret}", dataset)
    dataset = dataset.replace("oss://oss-bucket-name/", f"oss://{bucket}/")
    dataset = dataset.replace("oss-cn-shanghai-internal.aliyuncs.com", endpoint)
    if fix_dash:
        dataset = dataset.replace("-mediumtype:", "- mediumtype:")
    load_at = next(i for i, l in enumerate(lines) if l.strip() == "kind: DataLoad") - 1
    dataload = _block(lines, load_at, "2. Check the progress of data preloading on DataLoad.")
    workflow = next(d for d in seed_workflows() if "parallelism-fluid" in d)
    return dataset, dataload, workflow


def clear_shm(home: Path) -> None:
    tag = hashlib.sha1(str(Path(home).resolve()).encode()).hexdigest()[:10]
    shutil.rmtree(f"/dev/shm/podfleet-{tag}", ignore_errors=True)


__all__ = ["Proxy", "S3", "moto_server", "payload", "seed_fluid", "clear_shm", "free_port", "ACCESS", "SECRET"]
