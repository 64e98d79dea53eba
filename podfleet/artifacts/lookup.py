"""Finding a workflow's recorded artifact and the repository that holds it.

One answer for every reader (`podfleet artifacts get`, the server's download routes):
the node (by id, full name, step/task name or pod name), the artifact on it, and the
repository its key lives in — the one frozen in `status.artifactRepositoryRef`, or, for
an artifact block that names its own bucket, a repository of its own with the frozen
one's endpoint and credentials filling the gaps (Argo's key-only artifacts and
`Relocate`). Secrets are handed in already decoded, so this module reads no store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from podfleet.artifacts.config import Secrets, repository_kind, secret_refs
from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.podconfig import LOCAL_DEFAULT, PodArtifacts, open_repository
from podfleet.errors import InvalidError, NotFoundError

LOCATION_KINDS = ("s3", "oss", "local", "http", "git", "raw")


def location_of(art: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(kind, block) of an artifact's location, e.g. ("local", {"key": "wf/pod/out.tgz"})."""
    for kind in LOCATION_KINDS:
        if isinstance(art.get(kind), dict):
            return kind, art[kind]
    return None


def find_node(wf: Mapping[str, Any], wanted: str) -> dict[str, Any]:
    """A node by id, full name, display (step/task) name, or pod name."""
    from podfleet.controller.ids import pod_name

    nodes = list(((wf.get("status") or {}).get("nodes") or {}).values())
    name = wf["metadata"]["name"]
    for match in (lambda n: n.get("id") == wanted, lambda n: n.get("name") == wanted,
                  lambda n: n.get("displayName") == wanted,
                  lambda n: n.get("type") == "Pod" and pod_name(name, n["name"], n.get("templateName")) == wanted):
        found = [n for n in nodes if match(n)]
        if found:
            # The last attempt of a retried step is the one whose outputs count.
            with_outputs = [n for n in found if (n.get("outputs") or {}).get("artifacts")]
            return (with_outputs or found)[-1]
    raise NotFoundError(f'workflow "{name}" has no node or step named "{wanted}"')


def find_artifact(node: Mapping[str, Any], name: str, *, inputs: bool = False) -> dict[str, Any]:
    """The node's recorded output (or input) artifact called `name`."""
    side = "input" if inputs else "output"
    arts = ((node.get("inputs" if inputs else "outputs") or {}).get("artifacts")) or []
    art = next((a for a in arts if a.get("name") == name), None)
    if art is None:
        names = ", ".join(str(a.get("name")) for a in arts) or "none"
        raise NotFoundError(f'node "{node.get("displayName") or node.get("name")}" has no {side} artifact '
                            f'"{name}" (it has: {names})')
    return dict(art)


def frozen_repository(wf: Mapping[str, Any]) -> dict[str, Any]:
    """The repository block the controller froze for the workflow (podfleet's local default if none)."""
    ref = (wf.get("status") or {}).get("artifactRepositoryRef") or {}
    return dict(ref.get("artifactRepository") or LOCAL_DEFAULT)


def secret_names(wf: Mapping[str, Any], art: Mapping[str, Any]) -> set[str]:
    """The Secrets (by name) whose keys reading `art` needs."""
    repo = frozen_repository(wf)
    loc = location_of(art)
    refs = [*secret_refs(repo[repository_kind(repo)]), *(secret_refs(loc[1]) if loc else [])]
    return {name for name, _key in refs}


@dataclass(frozen=True)
class StoredArtifact:
    """Where one recorded artifact lives: the repository, its key, and how it was archived."""

    repository: ArtifactRepository
    key: str
    kind: str
    archived: bool  # False for `archive: {none: {}}`: stored as the file or directory itself


def open_artifact(wf: Mapping[str, Any], art: Mapping[str, Any], secret_values: Callable[[str], Mapping[str, str]],
                  local: ArtifactRepository | None) -> StoredArtifact:
    """The repository and key of a recorded artifact. `secret_values(name)` gives a Secret's decoded data."""
    loc = location_of(art)
    if loc is None or not loc[1].get("key"):
        raise InvalidError(f'artifact "{art.get("name")}" has no key in a repository podfleet can read')
    repo = frozen_repository(wf)
    values: dict[str, dict[str, str]] = {}
    for name, key in [*secret_refs(repo[repository_kind(repo)]), *secret_refs(loc[1])]:
        got = secret_values(name)
        if key in got:
            values.setdefault(name, {})[key] = got[key]
    secrets = Secrets(values)
    ctx = PodArtifacts(open_repository(repo, secrets, local), secrets=secrets, local=local,
                       repository_spec=dict(repo))
    archive = art.get("archive")
    unarchived = isinstance(archive, Mapping) and "none" in archive
    return StoredArtifact(ctx.for_location(loc[0], loc[1]), str(loc[1]["key"]), loc[0], not unarchived)


__all__ = ["LOCATION_KINDS", "StoredArtifact", "find_artifact", "find_node", "frozen_repository", "location_of",
           "open_artifact", "secret_names"]
