"""Argo's repository and location blocks (`s3:`, `oss:`, `local:`), read at the edge.

The controller and the executor exchange these blocks exactly as Argo writes them
(secret *references*, never values); `Secrets` carries the values separately, so a
block can be logged, shown in `status.artifactRepositoryRef` or put in an error while
the credentials stay in one place that is never printed.

`oss:` is served by the S3 code against OSS's S3-compatible API: OSS accepts S3
requests signed with its AccessKey pair on the endpoint the user gave, with
virtual-hosted addressing, and the region is the `cn-…` part of `oss-cn-….aliyuncs.com`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from podfleet.errors import InvalidError

REPOSITORY_KINDS = ("s3", "oss", "local")
_OSS_HOST = re.compile(r"^(?:[a-z0-9.-]+\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$")


class SecretRef(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    name: str = ""
    key: str = ""
    optional: bool | None = None


class _Block(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class S3Block(_Block):
    endpoint: str | None = None
    bucket: str | None = None
    region: str | None = None
    insecure: bool | None = None
    key: str | None = None
    key_format: str | None = Field(None, alias="keyFormat")
    key_prefix: str | None = Field(None, alias="keyPrefix")
    access_key_secret: SecretRef | None = Field(None, alias="accessKeySecret")
    secret_key_secret: SecretRef | None = Field(None, alias="secretKeySecret")
    session_token_secret: SecretRef | None = Field(None, alias="sessionTokenSecret")
    use_sdk_creds: bool | None = Field(None, alias="useSDKCreds")
    create_bucket_if_not_present: Any = Field(None, alias="createBucketIfNotPresent")
    addressing_style: str | None = Field(None, alias="addressingStyle")


class OSSBlock(_Block):
    endpoint: str | None = None
    bucket: str | None = None
    key: str | None = None
    key_format: str | None = Field(None, alias="keyFormat")
    access_key_secret: SecretRef | None = Field(None, alias="accessKeySecret")
    secret_key_secret: SecretRef | None = Field(None, alias="secretKeySecret")
    # OSS's STS token is named like a secret ref (Argo: `securityToken` string).
    security_token: str | None = Field(None, alias="securityToken")
    use_sdk_creds: bool | None = Field(None, alias="useSDKCreds")
    create_bucket_if_not_present: bool | None = Field(None, alias="createBucketIfNotPresent")


@dataclass(frozen=True)
class S3Settings:
    """Everything the S3 driver needs, credentials included (never logged or shown)."""

    bucket: str
    endpoint_url: str | None
    region: str
    addressing: str  # "path" | "virtual" | "auto"
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    create_bucket: bool = False
    kind: str = "s3"  # the location block name this repository's keys are reported under

    def where(self) -> str:
        """The bucket and endpoint, for messages (no credentials)."""
        return f"bucket {self.bucket!r}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def secret_values(self) -> list[str]:
        return [v for v in (self.access_key, self.secret_key, self.session_token) if v]


class Secrets:
    """Secret values by (secret name, key), resolved by the controller from Secrets."""

    def __init__(self, values: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._values = {name: dict(keys) for name, keys in (values or {}).items()}

    def lookup(self, ref: SecretRef | None, what: str) -> str | None:
        if ref is None or not ref.name:
            return None
        value = self._values.get(ref.name, {}).get(ref.key)
        if value is None and not ref.optional:
            # Names the secret and key, never a value.
            raise InvalidError(f"{what}: key {ref.key!r} of secret {ref.name!r} not found")
        return value

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {name: dict(keys) for name, keys in self._values.items()}


def secret_refs(block: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(secret name, key) of every `…Secret: {name, key}` field of a block, one level deep."""
    refs = []
    for name, value in block.items():
        if name.endswith("Secret") and isinstance(value, Mapping) and value.get("name"):
            refs.append((str(value["name"]), str(value.get("key") or "")))
        elif name == "auth" and isinstance(value, Mapping):  # http basicAuth / oauth2
            for inner in value.values():
                if isinstance(inner, Mapping):
                    refs += secret_refs(inner)
    return refs


def _parse(model: type[BaseModel], block: Mapping[str, Any], what: str) -> Any:
    try:
        return model.model_validate(dict(block))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidError(f"{what}: {where}: {first.get('msg')}") from None


def _endpoint_url(endpoint: str | None, insecure: bool | None) -> str | None:
    if not endpoint:
        return None
    if "://" in endpoint:
        return endpoint.rstrip("/")
    return f"{'http' if insecure else 'https'}://{endpoint.rstrip('/')}"


def _is_ip_or_local(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def s3_settings(kind: str, block: Mapping[str, Any], secrets: Secrets) -> S3Settings:
    """Settings for an `s3:` or `oss:` block; raises InvalidError naming what is missing."""
    what = f"{kind} artifact location"
    if kind == "oss":
        oss: OSSBlock = _parse(OSSBlock, block, what)
        if not oss.bucket:
            raise InvalidError(f"{what}: bucket is required")
        url = _endpoint_url(oss.endpoint, False)
        if url is None:
            raise InvalidError(f"{what} for bucket {oss.bucket!r}: endpoint is required")
        match = _OSS_HOST.match(urlsplit(url).hostname or "")
        return S3Settings(
            bucket=oss.bucket, endpoint_url=url, region=match.group(1) if match else "us-east-1",
            # OSS rejects path-style requests on its own domains; loopback servers need path style.
            addressing="path" if _is_ip_or_local(url) else "virtual",
            access_key=None if oss.use_sdk_creds else secrets.lookup(oss.access_key_secret, what),
            secret_key=None if oss.use_sdk_creds else secrets.lookup(oss.secret_key_secret, what),
            session_token=oss.security_token or None,
            create_bucket=bool(oss.create_bucket_if_not_present), kind="oss",
        )
    s3: S3Block = _parse(S3Block, block, what)
    if not s3.bucket:
        raise InvalidError(f"{what}: bucket is required")
    url = _endpoint_url(s3.endpoint, s3.insecure)
    style = (s3.addressing_style or "").lower()
    addressing = {"path": "path", "virtual-hosted": "virtual", "virtual": "virtual"}.get(style)
    if addressing is None:
        addressing = "path" if url and _is_ip_or_local(url) else "auto"
    create = s3.create_bucket_if_not_present
    return S3Settings(
        bucket=s3.bucket, endpoint_url=url, region=s3.region or "us-east-1", addressing=addressing,
        access_key=None if s3.use_sdk_creds else secrets.lookup(s3.access_key_secret, what),
        secret_key=None if s3.use_sdk_creds else secrets.lookup(s3.secret_key_secret, what),
        session_token=None if s3.use_sdk_creds else secrets.lookup(s3.session_token_secret, what),
        create_bucket=bool(create) if not isinstance(create, Mapping) else True,
    )


def repository_kind(repo: Mapping[str, Any]) -> str:
    """Which backend block an ArtifactRepository (a ConfigMap value) holds."""
    kinds = [k for k in REPOSITORY_KINDS if isinstance(repo.get(k), Mapping)]
    if len(kinds) == 1:
        return kinds[0]
    other = [k for k in ("gcs", "azure", "hdfs", "artifactory", "plugin") if repo.get(k) is not None]
    if other:
        raise InvalidError(f"artifact repository type {other[0]!r} is not supported by podfleet (s3, oss, local are)")
    if not kinds:
        raise InvalidError("artifact repository has no s3, oss or local block")
    raise InvalidError(f"artifact repository must have exactly one backend block, found {', '.join(kinds)}")


def key_format(repo: Mapping[str, Any]) -> str:
    """The repository's keyFormat (Argo: deprecated keyPrefix joined in front)."""
    block = repo.get(repository_kind(repo)) or {}
    fmt = str(block.get("keyFormat") or "{{workflow.name}}/{{pod.name}}")
    prefix = str(block.get("keyPrefix") or "").strip("/")
    return f"{prefix}/{fmt}" if prefix and not block.get("keyFormat") else fmt


__all__ = ["S3Settings", "Secrets", "SecretRef", "s3_settings", "secret_refs", "repository_kind", "key_format",
           "REPOSITORY_KINDS"]
