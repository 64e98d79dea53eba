"""Fluid's `data.fluid.io/v1alpha1` kinds, as users already write them.

Dataset (what data: UFS mounts), the cache runtimes (JindoRuntime, AlluxioRuntime,
JuiceFSRuntime: all served by podfleet's own chunk cache; ThinRuntime: no cache, direct
reads) and DataLoad (warm the cache). A runtime binds to the Dataset of the same
name and namespace, as in Fluid. Engine-specific fields (master, worker, fuse,
properties, jvmOptions …) are accepted and kept (models allow extra fields) but do
not change what podfleet does; `engine_note` says so in the runtime's status.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from pydantic import Field, field_validator, model_validator

from podfleet.resources.base import ArgoModel, Bool, Int, Str
from podfleet.resources.kinds import Resource, register
from podfleet.resources.quantity import parse_bytes

API_VERSION = "data.fluid.io/v1alpha1"
CACHE_RUNTIMES = ("JindoRuntime", "AlluxioRuntime", "JuiceFSRuntime")
RUNTIME_KINDS = (*CACHE_RUNTIMES, "ThinRuntime")
ALL_KINDS = ("Dataset", *RUNTIME_KINDS, "DataLoad")
SCHEMES = ("s3", "oss", "local", "http", "https")
MEDIUMS = ("MEM", "SSD", "HDD")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


class SecretKeySelector(ArgoModel):
    name: Str
    key: Str


class EncryptOptionSource(ArgoModel):
    secret_key_ref: SecretKeySelector


class EncryptOption(ArgoModel):
    name: Str
    value_from: EncryptOptionSource


class Mount(ArgoModel):
    mount_point: Str
    name: Str | None = None
    path: Str | None = None
    options: dict[str, Str] | None = None
    encrypt_options: list[EncryptOption] | None = None
    read_only: Bool | None = None
    shared: Bool | None = None

    @field_validator("mount_point")
    @classmethod
    def _scheme(cls, value: str) -> str:
        match = _SCHEME.match(value)
        if match is None:
            raise ValueError(f"mountPoint {value!r} has no scheme: write one of "
                             + ", ".join(f"{s}://" for s in SCHEMES))
        if match.group(1).lower() not in SCHEMES:
            raise ValueError(f"unsupported mountPoint scheme {match.group(1)!r} in {value!r}: podfleet serves "
                             + ", ".join(f"{s}://" for s in SCHEMES))
        return value

    def scheme(self) -> str:
        match = _SCHEME.match(self.mount_point)
        return match.group(1).lower() if match else ""

    def subdir(self) -> str:
        """Where the mount appears inside the dataset (Fluid: `path`, default `/<name>`)."""
        path = self.path if self.path is not None else f"/{self.name or ''}"
        return path.strip("/")


class DatasetSpec(ArgoModel):
    mounts: list[Mount] = Field(default_factory=list)
    shared_options: dict[str, Str] | None = None
    shared_encrypt_options: list[EncryptOption] | None = None
    access_modes: list[Str] | None = None
    placement: Str | None = None


class Dataset(Resource):
    api_version: Str = API_VERSION
    kind: Str = "Dataset"
    spec: DatasetSpec = Field(default_factory=DatasetSpec)
    status: dict[str, Any] | None = None


class Level(ArgoModel):
    mediumtype: Str
    path: Str | None = None
    quota: Str | Int | None = None
    high: Str | None = None
    low: Str | None = None
    volume_type: Str | None = None

    @field_validator("mediumtype")
    @classmethod
    def _medium(cls, value: str) -> str:
        if value not in MEDIUMS:
            raise ValueError(f"mediumtype must be one of {', '.join(MEDIUMS)}, got {value!r}")
        return value

    @field_validator("quota")
    @classmethod
    def _quota(cls, value: Any) -> Any:
        if value is not None:
            try:
                parse_bytes(value)
            except Exception:  # noqa: BLE001 - any unparsable quantity
                raise ValueError(f"quota {value!r} is not a quantity (e.g. 2Gi)") from None
        return value

    @field_validator("high", "low")
    @classmethod
    def _ratio(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ratio = float(value)
            except ValueError:
                raise ValueError(f"watermark {value!r} is not a ratio such as \"0.9\"") from None
            if not 0 < ratio <= 1:
                raise ValueError(f"watermark {value!r} must be in (0, 1]")
        return value

    def quota_bytes(self) -> int | None:
        return None if self.quota is None else parse_bytes(self.quota)


class TieredStore(ArgoModel):
    levels: list[Level] = Field(default_factory=list)


class RuntimeSpec(ArgoModel):
    replicas: Int | None = None
    tieredstore: TieredStore | None = None
    profile_name: Str | None = None


def _runtime(kind: str) -> type[Resource]:
    cls = type(kind, (Resource,), {
        "__annotations__": {"api_version": Str, "kind": Str, "spec": RuntimeSpec, "status": dict[str, Any] | None},
        "api_version": API_VERSION, "kind": kind, "spec": Field(default_factory=RuntimeSpec), "status": None,
        "__module__": __name__,
    })
    return register(cls)


class TargetPath(ArgoModel):
    path: Str
    replicas: Int | None = None


class DatasetRef(ArgoModel):
    name: Str
    namespace: Str | None = None


class DataLoadSpec(ArgoModel):
    dataset: DatasetRef
    load_metadata: Bool | None = None
    target: list[TargetPath] | None = None
    policy: Str | None = None
    schedule: Str | None = None
    options: dict[str, Str] | None = None

    @field_validator("policy")
    @classmethod
    def _policy(cls, value: str | None) -> str | None:
        if value is not None and value not in ("Once", "Cron", "OnEvent"):
            raise ValueError(f"policy must be Once, Cron or OnEvent, got {value!r}")
        return value

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return value
        from podfleet.cron.schedule import last_due
        from podfleet.errors import PodfleetError

        now = datetime.now(timezone.utc)
        try:
            last_due(value, after=now, now=now)
        except PodfleetError as err:
            raise ValueError(err.message) from None
        return value

    @model_validator(mode="after")
    def _cron_has_schedule(self) -> DataLoadSpec:
        if self.policy == "Cron" and not (self.schedule or "").strip():
            raise ValueError("policy Cron needs a schedule (a cron expression, e.g. \"0 2 * * *\")")
        return self


class DataLoad(Resource):
    api_version: Str = API_VERSION
    kind: Str = "DataLoad"
    spec: DataLoadSpec
    status: dict[str, Any] | None = None


register(Dataset)
register(DataLoad)
JindoRuntime = _runtime("JindoRuntime")
AlluxioRuntime = _runtime("AlluxioRuntime")
JuiceFSRuntime = _runtime("JuiceFSRuntime")
ThinRuntime = _runtime("ThinRuntime")


def runtime_spec(obj: dict[str, Any]) -> RuntimeSpec:
    return RuntimeSpec.model_validate(obj.get("spec") or {})


__all__ = ["Dataset", "DatasetSpec", "Mount", "Level", "RuntimeSpec", "DataLoad", "DataLoadSpec", "JindoRuntime",
           "AlluxioRuntime", "JuiceFSRuntime", "ThinRuntime", "API_VERSION", "CACHE_RUNTIMES", "RUNTIME_KINDS",
           "ALL_KINDS", "SCHEMES", "runtime_spec"]
