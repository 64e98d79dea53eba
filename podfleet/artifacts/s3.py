"""S3-compatible artifact repository (AWS S3, MinIO, Alibaba OSS's S3 API) on boto3.

Why boto3: it streams files in and out in parts (`upload_file`/`download_file` run a
multipart transfer with a bounded number of chunks in memory), handles every AWS
credential source for `useSDKCreds`, and measured as fast as obstore against the same
server for one large object (bench/artifact_throughput.py); obstore's edge is many small
concurrent requests, which artifacts are not.

Two settings matter for non-AWS stores: checksums only "when required" (boto3 ≥ 1.36
otherwise sends CRC headers that OSS and older MinIO reject), and path-style addressing
for loopback endpoints. Error messages name the bucket and endpoint and never contain a
credential: botocore messages do not include secret values, and `_scrub` removes any
that could appear anyway.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from podfleet.artifacts.archive import NONE, pack
from podfleet.artifacts.config import S3Settings
from podfleet.artifacts.contract import Archive, strategy_of
from podfleet.errors import InvalidError, NotFoundError, PodfleetError, TransientError

_MiB = 1024 * 1024
# Parts of 16 MiB, 8 at a time: ≤128 MiB in flight, and a 1 GiB object in 64 parts.
PART_SIZE = 16 * _MiB
CONCURRENCY = 8
_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSecurity",
           "InvalidToken", "ExpiredToken", "403", "Forbidden"}
_MISSING_KEY = {"NoSuchKey", "404", "NotFound"}


class S3ArtifactRepository:
    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self.location_kind = settings.kind
        self._client: Any = None
        self._bucket_checked = False

    # -- client ------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            s = self.settings
            config = Config(
                region_name=s.region, signature_version="s3v4",
                s3={"addressing_style": s.addressing},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10, read_timeout=120, max_pool_connections=CONCURRENCY * 2,
                request_checksum_calculation="when_required", response_checksum_validation="when_required",
            )
            session = boto3.session.Session(
                aws_access_key_id=s.access_key, aws_secret_access_key=s.secret_key,
                aws_session_token=s.session_token,
            )
            self._client = session.client("s3", endpoint_url=s.endpoint_url, config=config)
        return self._client

    @property
    def transfer(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE,
                              max_concurrency=CONCURRENCY, use_threads=True)

    # -- contract ----------------------------------------------------------------------
    def put(self, key: str, local_path: Path, *, archive: Archive = True, compression_level: int | None = None) -> None:
        key = _clean_key(key)
        self._ensure_bucket()
        local_path = Path(local_path)
        strategy = strategy_of(archive)
        if strategy == NONE:
            if local_path.is_dir():
                for file, rel in _files(local_path):
                    self._upload(file, f"{key}/{rel}")
            else:
                self._upload(local_path, key)
            return
        with tempfile.TemporaryDirectory(prefix="podfleet-pack-") as tmp:
            packed = Path(tmp) / "object"
            pack(local_path, packed, strategy, compression_level)
            self._upload(packed, key)

    def get(self, key: str, dest_path: Path) -> None:
        key = _clean_key(key)
        dest_path = Path(dest_path)
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        if self._head(key):
            _remove(dest_path)
            self._call("download", key, self.client.download_file, self.settings.bucket, key, str(dest_path),
                       Config=self.transfer)
            return
        children = self._list(key.rstrip("/") + "/")
        if not children:
            raise NotFoundError(f"artifact {key!r} not found in {self.settings.where()}")
        # An unarchived directory: one object per file, assembled beside the target first.
        staging = Path(tempfile.mkdtemp(prefix=".get-", dir=dest_path.parent))
        try:
            prefix = key.rstrip("/") + "/"
            for child in children:
                rel = PurePosixPath(child[len(prefix):])
                if not rel.parts or rel.is_absolute() or ".." in rel.parts:
                    raise InvalidError(f"refusing to download {child!r}: it points outside the artifact")
                target = staging.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._call("download", child, self.client.download_file, self.settings.bucket, child, str(target),
                           Config=self.transfer)
            _remove(dest_path)
            os.replace(staging, dest_path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def delete(self, key: str) -> None:
        key = _clean_key(key)
        keys = [key, *self._list(key.rstrip("/") + "/")]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start:start + 1000]]
            self._call("delete", key, self.client.delete_objects, Bucket=self.settings.bucket,
                       Delete={"Objects": batch, "Quiet": True})

    def exists(self, key: str) -> bool:
        key = _clean_key(key)
        return self._head(key) or bool(self._list(key.rstrip("/") + "/", limit=1))

    # -- internals ---------------------------------------------------------------------
    def _upload(self, file: Path, key: str) -> None:
        self._call("upload", key, self.client.upload_file, str(file), self.settings.bucket, key, Config=self.transfer)

    def _head(self, key: str) -> bool:
        try:
            self._call("stat", key, self.client.head_object, Bucket=self.settings.bucket, Key=key)
        except NotFoundError:
            return False
        return True

    def _list(self, prefix: str, limit: int | None = None) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")

        def walk() -> None:
            for page in paginator.paginate(Bucket=self.settings.bucket, Prefix=prefix):
                for item in page.get("Contents") or ():
                    keys.append(item["Key"])
                    if limit is not None and len(keys) >= limit:
                        return

        self._call("list", prefix, walk)
        return keys

    def _ensure_bucket(self) -> None:
        if not self.settings.create_bucket or self._bucket_checked:
            return
        try:
            self._call("stat bucket", "", self.client.head_bucket, Bucket=self.settings.bucket)
        except NotFoundError:
            params: dict[str, Any] = {"Bucket": self.settings.bucket}
            if self.settings.region not in ("us-east-1", ""):
                params["CreateBucketConfiguration"] = {"LocationConstraint": self.settings.region}
            try:
                self._call("create bucket", "", self.client.create_bucket, **params)
            except PodfleetError as err:
                if "BucketAlreadyOwnedByYou" not in err.message:
                    raise
        self._bucket_checked = True

    def _call(self, action: str, key: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = self.settings.where()
        what = f"{action} {key!r} in {where}" if key else f"{action} {where}"
        try:
            return fn(*args, **kwargs)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code") or "")
            status = str(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
            if code == "NoSuchBucket":
                raise NotFoundError(self._scrub(f"cannot {what}: the bucket does not exist")) from None
            if code in _MISSING_KEY or (status == "404" and action in ("stat", "stat bucket", "download")):
                raise NotFoundError(self._scrub(f"artifact {key!r} not found in {where}")) from None
            if code in _DENIED or status == "403":
                raise PodfleetError(self._scrub(
                    f"cannot {what}: access denied ({code}); check the credentials and the bucket's permissions"
                )) from None
            raise PodfleetError(self._scrub(f"cannot {what}: {code or status}: {err}")) from None
        except NoCredentialsError:
            raise PodfleetError(f"cannot {what}: no credentials (set accessKeySecret/secretKeySecret or useSDKCreds)"
                                ) from None
        except S3UploadFailedError as err:
            text = str(err)
            if any(c in text for c in _DENIED):
                raise PodfleetError(self._scrub(
                    f"cannot {what}: access denied; check the credentials and the bucket's permissions")) from None
            if "NoSuchBucket" in text:
                raise NotFoundError(self._scrub(f"cannot {what}: the bucket does not exist")) from None
            raise TransientError(self._scrub(f"cannot {what}: {text}")) from None
        except (BotoCoreError, OSError) as err:
            # Connection refused/reset, timeouts: the store may come back (retryStrategy).
            raise TransientError(self._scrub(f"cannot {what}: {err}")) from None

    def _scrub(self, text: str) -> str:
        for value in self.settings.secret_values():
            text = text.replace(value, "***")
        return text


def _clean_key(key: str) -> str:
    key = str(key).lstrip("/")
    if not key:
        raise InvalidError("artifact key must not be empty")
    return key


def _files(root: Path) -> list[tuple[Path, str]]:
    out = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file():
                continue  # objects have no links: never follow one out of the artifact
            out.append((full, full.relative_to(root).as_posix()))
    return out


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


__all__ = ["S3ArtifactRepository", "PART_SIZE", "CONCURRENCY"]
