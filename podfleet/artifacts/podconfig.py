"""What a pod's executor is told about artifacts, and turning it into repositories.

The provider never reads a Workflow, so the controller writes two annotations on every
pod that moves artifacts:

- `podfleet.io/artifact-repository`: JSON `{"repository": {<s3|oss|local block>},
  "keyPrefix": "<keyFormat rendered for this pod>", "archiveLogs": bool}` — Argo's
  repository block with secret *references* only; safe to log.
- `podfleet.io/artifact-secrets`: JSON `{"<secret>": {"<key>": "<value>"}}` — only the
  keys the blocks above and the template's artifact locations refer to. This is the one
  place credential values live; providers keep pod manifests owner-readable only (the
  process provider writes pod.json/status.json mode 0600) and nothing prints annotations.

A pod without them (a plain pod, or an older controller) uses the provider's default
repository and Argo's default key `<workflow>/<pod>`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from podfleet.artifacts.config import Secrets, repository_kind, s3_settings
from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import InvalidError

REPOSITORY_ANNOTATION = "podfleet.io/artifact-repository"
SECRETS_ANNOTATION = "podfleet.io/artifact-secrets"
LOCAL_DEFAULT: dict[str, Any] = {"local": {}}


def open_repository(repo: Mapping[str, Any], secrets: Secrets,
                    local: ArtifactRepository | None) -> ArtifactRepository:
    """The repository for an ArtifactRepository block (`{s3: …}`, `{oss: …}`, `{local: {}}`)."""
    kind = repository_kind(repo)
    if kind == "local":
        block = repo.get("local") or {}
        if block.get("path"):
            return LocalArtifactRepository(block["path"])
        if local is None:
            raise InvalidError("no local artifact repository is configured")
        return local
    from podfleet.artifacts.s3 import S3ArtifactRepository

    return S3ArtifactRepository(s3_settings(kind, repo[kind], secrets))


@dataclass
class PodArtifacts:
    """The repositories one pod's executor reads from and writes to."""

    repository: ArtifactRepository
    key_prefix: str | None = None
    archive_logs: bool = False
    secrets: Secrets = field(default_factory=Secrets)
    local: ArtifactRepository | None = None
    # The repository block as configured (secret references only), for key-only merging.
    repository_spec: dict[str, Any] = field(default_factory=dict)

    def for_location(self, kind: str, block: Mapping[str, Any]) -> ArtifactRepository:
        """Where a location block's key lives: key-only blocks use the pod's repository (Argo's
        key-only artifacts); a block naming its own bucket is a repository of its own."""
        if kind == "local":
            return self.local or self.repository
        if kind in ("s3", "oss") and any(v for k, v in block.items() if k != "key"):
            merged = dict(block)
            base = self.repository_spec.get(kind)
            if isinstance(base, Mapping):
                # Argo fills what the artifact leaves out (endpoint, credentials) from the repository.
                merged = {**{k: v for k, v in base.items() if k not in ("keyFormat", "keyPrefix")}, **merged}
            return open_repository({kind: merged}, self.secrets, self.local)
        return self.repository


def pod_artifacts(annotations: Mapping[str, str] | None, default: ArtifactRepository | None) -> PodArtifacts | None:
    """The pod's artifact configuration; None when the pod carries none (use `default`)."""
    annotations = annotations or {}
    raw = annotations.get(REPOSITORY_ANNOTATION)
    if not raw:
        return None if default is None else PodArtifacts(default, local=default)
    try:
        spec = json.loads(raw)
        secret_values = json.loads(annotations.get(SECRETS_ANNOTATION) or "{}")
    except json.JSONDecodeError as err:
        raise InvalidError(f"annotation {REPOSITORY_ANNOTATION} is not valid JSON: {err}") from err
    if not isinstance(spec, dict) or not isinstance(secret_values, dict):
        raise InvalidError(f"annotation {REPOSITORY_ANNOTATION} must hold a JSON object")
    secrets = Secrets(secret_values)
    repo_spec = spec.get("repository") or LOCAL_DEFAULT
    return PodArtifacts(
        repository=open_repository(repo_spec, secrets, default),
        key_prefix=str(spec["keyPrefix"]).strip("/") if spec.get("keyPrefix") else None,
        archive_logs=bool(spec.get("archiveLogs")), secrets=secrets, local=default, repository_spec=dict(repo_spec),
    )


def encode(repository: Mapping[str, Any], key_prefix: str, archive_logs: bool,
           secrets: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The annotations for a pod (the controller's side of `pod_artifacts`)."""
    out = {REPOSITORY_ANNOTATION: json.dumps(
        {"repository": dict(repository), "keyPrefix": key_prefix, "archiveLogs": archive_logs},
        separators=(",", ":"), sort_keys=True)}
    if secrets:
        out[SECRETS_ANNOTATION] = json.dumps(secrets, separators=(",", ":"), sort_keys=True)
    return out


__all__ = ["PodArtifacts", "pod_artifacts", "open_repository", "encode", "REPOSITORY_ANNOTATION",
           "SECRETS_ANNOTATION", "LOCAL_DEFAULT"]
