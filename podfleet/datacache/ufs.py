"""The under file system (UFS, Fluid's word for the store behind a dataset).

One small interface — list, read a byte range, stream a whole object — over S3/OSS (boto3), a host
folder (`local://`) and plain HTTP(S) files. Every call fails fast with `UfsError`
(short connect/read timeouts, few retries) so a store that is down turns into an I/O
error for the reader, never a hang. Range reads carry the object's ETag (`If-Match`):
an object that changed between listing and reading is reported, never mixed.
"""

from __future__ import annotations

import functools
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from podfleet.errors import PodfleetError

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 20.0


class UfsError(PodfleetError):
    """The store could not be read (down, denied, changed underneath)."""


class ChangedError(UfsError):
    """The object changed since it was listed (ETag no longer matches)."""


@dataclass(frozen=True)
class ObjectInfo:
    path: str      # relative to the mount's root, '/'-separated
    size: int
    etag: str


class Ufs(Protocol):
    where: str

    def list(self) -> list[ObjectInfo]: ...

    def read(self, info: ObjectInfo, start: int, end: int) -> bytes: ...

    def stream(self, info: ObjectInfo, write: Callable[[bytes], object]) -> int: ...


STREAM_BLOCK = 1 << 20


def _check_length(what: str, info: ObjectInfo, got: int) -> int:
    if got != info.size:
        raise UfsError(f"{what}: got {got} bytes of {info.size}")
    return got


def _endpoint(value: str | None, scheme: str) -> str | None:
    if not value:
        return None
    if "://" in value:
        return value.rstrip("/")
    return f"https://{value.rstrip('/')}"


def _first(options: dict[str, str], *names: str) -> str | None:
    return next((options[n] for n in names if options.get(n)), None)


class S3Ufs:
    """`s3://bucket/prefix/` and `oss://bucket/prefix/` (OSS speaks the S3 protocol)."""

    def __init__(self, mount_point: str, options: dict[str, str]) -> None:
        parts = urlsplit(mount_point)
        self.scheme = parts.scheme.lower()
        self.bucket = parts.netloc
        self.prefix = parts.path.lstrip("/")
        if self.prefix and not self.prefix.endswith("/"):
            self.prefix += "/"
        self.where = mount_point
        endpoint = _first(options, "fs.oss.endpoint", "fs.s3a.endpoint", "fs.s3.endpoint",
                          "alluxio.underfs.s3.endpoint", "aws.endpoint", "endpoint")
        if self.scheme == "oss" and not endpoint:
            raise UfsError(f"{mount_point}: option fs.oss.endpoint is required for oss://")
        self.endpoint = _endpoint(endpoint, self.scheme)
        self.region = _first(options, "fs.s3a.endpoint.region", "alluxio.underfs.s3.region", "aws.region",
                             "fs.oss.region") or "us-east-1"
        self.access = _first(options, "fs.oss.accessKeyId", "fs.s3a.access.key", "aws.accessKeyId",
                             "fs.s3.accessKeyId", "access-key")
        self.secret = _first(options, "fs.oss.accessKeySecret", "fs.s3a.secret.key", "aws.secretKey",
                             "fs.s3.accessKeySecret", "secret-key")
        self._client: Any = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._client_lock:  # shared by threads: build it once
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _build_client(self) -> Any:
        import boto3
        from botocore.config import Config

        host = urlsplit(self.endpoint or "").hostname or ""
        local = host in ("localhost",) or host.replace(".", "").isdigit()
        config = Config(region_name=self.region, signature_version="s3v4",
                        s3={"addressing_style": "path" if local else "virtual"},
                        retries={"max_attempts": 2, "mode": "standard"},
                        connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT, max_pool_connections=64,
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required")
        session = boto3.session.Session(aws_access_key_id=self.access, aws_secret_access_key=self.secret)
        return session.client("s3", endpoint_url=self.endpoint, config=config)

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code") or "")
            if code in ("PreconditionFailed", "412"):
                raise ChangedError(f"{what}: the object changed in the store while it was read") from None
            if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
                raise UfsError(f"{what}: access denied ({code}); check the Dataset's encryptOptions") from None
            raise UfsError(f"{what}: {code or err}") from None
        except (BotoCoreError, OSError) as err:
            raise UfsError(f"{what}: the store is unreachable ({type(err).__name__}: {err})") from None

    def list(self) -> list[ObjectInfo]:
        found: list[ObjectInfo] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(f"list {self.where}", self.client.list_objects_v2, **kwargs)
            for item in page.get("Contents") or ():
                rel = str(item["Key"])[len(self.prefix):]
                if rel and not rel.endswith("/"):
                    found.append(ObjectInfo(rel, int(item["Size"]), str(item.get("ETag") or "").strip('"')))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found

    def _get(self, info: ObjectInfo, byte_range: str | None = None) -> tuple[str, Any]:
        """(what, response) of a GET of the object as listed (If-Match its ETag)."""
        what = f"read {self.where.rstrip('/')}/{info.path}"
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self.prefix + info.path}
        if byte_range:
            kwargs["Range"] = byte_range
        if info.etag:
            kwargs["IfMatch"] = f'"{info.etag}"'
        return what, self._call(what, self.client.get_object, **kwargs)

    def read(self, info: ObjectInfo, start: int, end: int) -> bytes:
        what, response = self._get(info, f"bytes={start}-{end - 1}")
        try:
            return bytes(response["Body"].read())
        except Exception as err:  # noqa: BLE001 - botocore wraps socket errors variously
            raise UfsError(f"{what}: the store stopped answering ({type(err).__name__})") from None

    def stream(self, info: ObjectInfo, write: Callable[[bytes], object]) -> int:
        """The whole object in one GET, passed to `write` block by block."""
        what, response = self._get(info)
        blocks = response["Body"].iter_chunks(STREAM_BLOCK)
        got = 0
        while True:
            try:
                block = next(blocks, b"")
            except Exception as err:  # noqa: BLE001 - botocore wraps socket errors variously
                raise UfsError(f"{what}: the store stopped answering ({type(err).__name__})") from None
            if not block:
                return _check_length(what, info, got)
            write(block)  # its own errors (a full disk) are not the store's
            got += len(block)


class LocalUfs:
    """`local:///host/folder`: files of a host folder; the ETag is size + mtime."""

    def __init__(self, mount_point: str) -> None:
        self.root = Path(urlsplit(mount_point).path or "/")
        self.where = mount_point

    def list(self) -> list[ObjectInfo]:
        if not self.root.is_dir():
            raise UfsError(f"list {self.where}: {self.root} is not a folder on this machine")
        out = []
        for dirpath, _, files in os.walk(self.root):
            for name in files:
                path = Path(dirpath) / name
                st = path.stat()
                out.append(ObjectInfo(path.relative_to(self.root).as_posix(), st.st_size,
                                      f"{st.st_size}-{st.st_mtime_ns}"))
        return out

    def read(self, info: ObjectInfo, start: int, end: int) -> bytes:
        path = self.root / info.path
        try:
            st = path.stat()
            if f"{st.st_size}-{st.st_mtime_ns}" != info.etag:
                raise ChangedError(f"read {path}: the file changed while it was read")
            with open(path, "rb") as f:
                f.seek(start)
                return f.read(end - start)
        except OSError as err:
            raise UfsError(f"read {path}: {err.strerror}") from None

    def stream(self, info: ObjectInfo, write: Callable[[bytes], object]) -> int:
        got = 0
        while got < info.size:
            block = self.read(info, got, min(info.size, got + STREAM_BLOCK))
            if not block:
                break
            write(block)
            got += len(block)
        return _check_length(f"read {self.root / info.path}", info, got)


class HttpUfs:
    """`https://host/path/file`: one file, read with HTTP range requests."""

    def __init__(self, mount_point: str) -> None:
        self.url = mount_point
        self.where = mount_point

    def _open(self, request: urllib.request.Request) -> Any:
        try:
            return urllib.request.urlopen(request, timeout=READ_TIMEOUT)  # noqa: S310 - the user's own URL
        except urllib.error.HTTPError as err:
            if err.code == 412:
                raise ChangedError(f"read {self.url}: the file changed while it was read") from None
            raise UfsError(f"read {self.url}: HTTP {err.code}") from None
        except (urllib.error.URLError, OSError) as err:
            raise UfsError(f"read {self.url}: the store is unreachable ({err})") from None

    def list(self) -> list[ObjectInfo]:
        with self._open(urllib.request.Request(self.url, method="HEAD")) as response:
            size = int(response.headers.get("Content-Length") or 0)
            etag = str(response.headers.get("ETag") or response.headers.get("Last-Modified") or size).strip('"')
        name = urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1] or "index"
        return [ObjectInfo(name, size, etag)]

    def read(self, info: ObjectInfo, start: int, end: int) -> bytes:
        headers = {"Range": f"bytes={start}-{end - 1}"}
        request = urllib.request.Request(self.url, headers=headers)
        with self._open(request) as response:
            return bytes(response.read())

    def stream(self, info: ObjectInfo, write: Callable[[bytes], object]) -> int:
        got = 0
        with self._open(urllib.request.Request(self.url)) as response:
            while True:
                try:
                    block = response.read(STREAM_BLOCK)
                except OSError as err:
                    raise UfsError(f"read {self.url}: the store stopped answering ({err})") from None
                if not block:
                    return _check_length(f"read {self.url}", info, got)
                write(block)
                got += len(block)


def open_ufs(mount_point: str, options: dict[str, str]) -> Ufs:
    """The store client for a mount, shared within the process: an S3 client costs ~100 ms
    of CPU to build, and every pod that mounts a dataset lists its store."""
    return _open_ufs(mount_point, tuple(sorted(options.items())))


@functools.lru_cache(maxsize=64)
def _open_ufs(mount_point: str, option_items: tuple[tuple[str, str], ...]) -> Ufs:
    options = dict(option_items)
    scheme = urlsplit(mount_point).scheme.lower()
    if scheme in ("s3", "oss"):
        return S3Ufs(mount_point, options)
    if scheme == "local":
        return LocalUfs(mount_point)
    if scheme in ("http", "https"):
        return HttpUfs(mount_point)
    raise UfsError(f"unsupported mountPoint scheme {scheme!r} in {mount_point!r}")


__all__ = ["Ufs", "UfsError", "ChangedError", "ObjectInfo", "open_ufs", "S3Ufs", "LocalUfs", "HttpUfs"]
