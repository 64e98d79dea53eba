"""Parameters, artifacts, and the inputs/outputs/arguments that carry them.

Parameters are strings in Argo, but YAML lets users write `value: 5` or `value: true`;
the model keeps the YAML type (exact round trip) and `value_str()` gives Argo's string.
Artifact locations (s3, oss, http, git, raw, gcs, azure, hdfs, artifactory, plugin) are
kept as loose dicts: the artifacts layer interprets them, the model only carries them.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from podfleet.resources.base import AnyString, ArgoModel, Bool, Int, Str, any_string
from podfleet.resources.meta import KeySelector, Metadata

# Keys of Argo's ArtifactLocation: exactly one of these says where an artifact lives.
ARTIFACT_LOCATION_KEYS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")


class SuppliedValueFrom(ArgoModel):
    """`valueFrom.supplied: {}` — the value comes from a resume of a suspend node."""


class ValueFrom(ArgoModel):
    path: Str | None = None
    json_path: Str | None = Field(None, alias="jsonPath")
    jq_filter: Str | None = Field(None, alias="jqFilter")
    event: Str | None = None
    parameter: Str | None = None
    supplied: SuppliedValueFrom | None = None
    config_map_key_ref: KeySelector | None = Field(None, alias="configMapKeyRef")
    default: AnyString | None = None
    expression: Str | None = None

    def default_str(self) -> str | None:
        return None if self.default is None else any_string(self.default)


class Parameter(ArgoModel):
    name: Str
    default: AnyString | None = None
    value: AnyString | None = None
    value_from: ValueFrom | None = None
    global_name: Str | None = None
    enum: list[AnyString] | None = None
    description: AnyString | None = None

    def value_str(self) -> str | None:
        """Argo's string form of `value` (`5` → "5", `true` → "true"), None when unset."""
        return None if self.value is None else any_string(self.value)

    def default_str(self) -> str | None:
        return None if self.default is None else any_string(self.default)

    def enum_str(self) -> list[str] | None:
        return None if self.enum is None else [any_string(v) for v in self.enum]


class TarStrategy(ArgoModel):
    compression_level: Int | None = None


class ArchiveStrategy(ArgoModel):
    tar: TarStrategy | None = None
    none: dict[str, Any] | None = None
    zip: dict[str, Any] | None = None


class ArtifactGC(ArgoModel):
    strategy: Str | None = None
    pod_metadata: Metadata | None = None
    service_account_name: Str | None = None


class Artifact(ArgoModel):
    name: Str
    path: Str | None = None
    mode: Int | None = None
    from_: Str | None = Field(None, alias="from")
    # ArtifactLocation, inlined in Go: loose dicts, interpreted by the artifacts layer.
    archive_logs: Bool | None = None
    s3: dict[str, Any] | None = None
    git: dict[str, Any] | None = None
    http: dict[str, Any] | None = None
    artifactory: dict[str, Any] | None = None
    hdfs: dict[str, Any] | None = None
    raw: dict[str, Any] | None = None
    oss: dict[str, Any] | None = None
    gcs: dict[str, Any] | None = None
    azure: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None
    global_name: Str | None = None
    archive: ArchiveStrategy | None = None
    optional: Bool | None = None
    sub_path: Str | None = None
    recurse_mode: Bool | None = None
    from_expression: Str | None = None
    artifact_gc: ArtifactGC | None = Field(None, alias="artifactGC")
    deleted: Bool | None = None

    def location(self) -> tuple[str, dict[str, Any]] | None:
        """(kind, settings) of the location given on the artifact (`("s3", {...})`), None when none."""
        for key in ARTIFACT_LOCATION_KEYS:
            value = getattr(self, key)
            if value is not None:
                return key, value
        return None


class ArtifactLocation(ArgoModel):
    """A location on its own (`archiveLocation`): the same keys as on an artifact."""

    archive_logs: Bool | None = None
    s3: dict[str, Any] | None = None
    git: dict[str, Any] | None = None
    http: dict[str, Any] | None = None
    artifactory: dict[str, Any] | None = None
    hdfs: dict[str, Any] | None = None
    raw: dict[str, Any] | None = None
    oss: dict[str, Any] | None = None
    gcs: dict[str, Any] | None = None
    azure: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None


class _Named(ArgoModel):
    parameters: list[Parameter] | None = None
    artifacts: list[Artifact] | None = None

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters or () if p.name == name), None)

    def artifact(self, name: str) -> Artifact | None:
        return next((a for a in self.artifacts or () if a.name == name), None)


class Inputs(_Named):
    pass


class Arguments(_Named):
    pass


class Outputs(_Named):
    result: Str | None = None
    exit_code: Str | None = None


__all__ = [
    "Parameter", "ValueFrom", "SuppliedValueFrom", "Artifact", "ArtifactLocation", "ArchiveStrategy",
    "TarStrategy", "ArtifactGC", "Inputs", "Outputs", "Arguments", "ARTIFACT_LOCATION_KEYS",
]
