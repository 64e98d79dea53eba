"""The controller's share of artifacts: which repository, what each pod is told, and GC.

Resolution is Argo's: `spec.artifactRepositoryRef` (configMap default
`artifact-repositories`, key default = the ConfigMap's
`workflows.argoproj.io/default-artifact-repository` annotation) → the
`artifact-repositories` ConfigMap of the namespace, when it carries that annotation →
podfleet's default, a local folder (so artifact passing works with no set-up). The result
is frozen into `status.artifactRepositoryRef` on the first pass, so editing the ConfigMap
never changes a running workflow.

Each pod that moves artifacts gets the repository block (secret references only), its
rendered keyFormat, and its archiveLogs decision in one annotation, and the secret
*values* its blocks refer to in another (see `podfleet.artifacts.podconfig`). Values
never go to the node or workflow status, nor into any message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from podfleet.artifacts.config import Secrets, key_format, repository_kind, secret_refs
from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.podconfig import LOCAL_DEFAULT, encode, open_repository
from podfleet.controller.context import Pass
from podfleet.controller.text import substitute
from podfleet.errors import InvalidError, PodfleetError

log = logging.getLogger("podfleet.controller.artifacts")

DEFAULT_CONFIG_MAP = "artifact-repositories"
DEFAULT_KEY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
_CACHE = "artifact-repository"
_LOCATIONS = ("s3", "oss", "http", "git")


def _data(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    return obj if isinstance(obj, dict) else obj.dump()


def resolve_repository_ref(spec: Mapping[str, Any], namespace: str,
                           config_map: Callable[[str, str], Any]) -> dict[str, Any]:
    """Argo's artifactrepositories.Resolve + Get: the status.artifactRepositoryRef to freeze."""
    ref = spec.get("artifactRepositoryRef")
    if isinstance(ref, Mapping):
        name = str(ref.get("configMap") or DEFAULT_CONFIG_MAP)
        cm = _data(config_map(namespace, name))
        if not cm:
            raise InvalidError(f'failed to resolve the artifact repository: ConfigMap "{name}" not found '
                               f'in namespace "{namespace}"')
        key = str(ref.get("key") or (cm.get("metadata", {}).get("annotations") or {}).get(DEFAULT_KEY_ANNOTATION) or "")
        if not key:
            raise InvalidError(f'failed to resolve the artifact repository: no key given and ConfigMap "{name}" has '
                               f"no {DEFAULT_KEY_ANNOTATION} annotation")
        return {"configMap": name, "key": key, "namespace": namespace,
                "artifactRepository": _repository_value(cm, name, key)}
    cm = _data(config_map(namespace, DEFAULT_CONFIG_MAP))
    key = (cm.get("metadata", {}).get("annotations") or {}).get(DEFAULT_KEY_ANNOTATION) if cm else None
    if cm and key:
        return {"configMap": DEFAULT_CONFIG_MAP, "key": str(key), "namespace": namespace,
                "artifactRepository": _repository_value(cm, DEFAULT_CONFIG_MAP, str(key))}
    return {"default": True, "artifactRepository": dict(LOCAL_DEFAULT)}


def _repository_value(cm: Mapping[str, Any], name: str, key: str) -> dict[str, Any]:
    text = (cm.get("data") or {}).get(key)
    if text is None:
        raise InvalidError(f'failed to resolve the artifact repository: ConfigMap "{name}" has no key "{key}"')
    try:
        value = yaml.safe_load(str(text))
    except yaml.YAMLError as err:
        raise InvalidError(f'artifact repository "{name}/{key}" is not valid YAML: {err}') from None
    if not isinstance(value, dict):
        raise InvalidError(f'artifact repository "{name}/{key}" must be a mapping with an s3, oss or local block')
    repository_kind(value)  # unsupported or ambiguous backends fail here, naming what was found
    return value


def freeze_repository(p: Pass, status: Any) -> None:
    """Resolve once and keep it in status.artifactRepositoryRef (reconcile hook)."""
    frozen = status.get("artifactRepositoryRef")
    if not isinstance(frozen, dict) or not isinstance(frozen.get("artifactRepository"), dict):
        frozen = resolve_repository_ref(p.spec, p.namespace, p.resolver.config_map)
        status.set("artifactRepositoryRef", frozen)
    p.cache[_CACHE] = frozen["artifactRepository"]


def repository_of(p: Pass) -> dict[str, Any]:
    repo = p.cache.get(_CACHE)
    if repo is None:
        repo = resolve_repository_ref(p.spec, p.namespace, p.resolver.config_map)["artifactRepository"]
        p.cache[_CACHE] = repo
    return dict(repo)


def _moves_artifacts(tmpl: Mapping[str, Any]) -> bool:
    return bool((tmpl.get("inputs") or {}).get("artifacts") or (tmpl.get("outputs") or {}).get("artifacts"))


def archive_logs(p: Pass, tmpl: Mapping[str, Any], repo: Mapping[str, Any]) -> bool:
    """Argo's precedence: the repository (controller) true wins; else the template's, else the workflow's."""
    if repo.get("archiveLogs") is True:
        return True
    loc = tmpl.get("archiveLocation") or {}
    if isinstance(loc, Mapping) and loc.get("archiveLogs") is not None:
        return bool(loc["archiveLogs"])
    return bool(p.spec.get("archiveLogs"))


def pod_annotations(p: Pass, tmpl: Mapping[str, Any], pod_name: str) -> dict[str, str]:
    """The artifact annotations for one pod (podspec hook); {} for pods that move no artifacts."""
    repo = repository_of(p)
    logs = archive_logs(p, tmpl, repo)
    if not logs and not _moves_artifacts(tmpl):
        return {}
    loc = tmpl.get("archiveLocation") if isinstance(tmpl.get("archiveLocation"), Mapping) else {}
    fmt = key_format(repo)
    kind = next((k for k in ("s3", "oss", "local") if isinstance(loc.get(k), Mapping)), None)
    if kind is not None:
        block = dict(loc[kind])
        if kind != "local" and block.get("bucket"):
            repo = {kind: block}  # the template archives to a repository of its own
            fmt = key_format(repo)
        if block.get("key"):
            fmt = str(block["key"])
    scope = {**p.globals, "pod.name": pod_name}
    prefix = substitute(fmt, scope).strip("/")
    blocks = [repo[repository_kind(repo)]]
    for section in ("inputs", "outputs"):
        for art in (tmpl.get(section) or {}).get("artifacts") or ():
            blocks += [art[k] for k in _LOCATIONS if isinstance(art.get(k), Mapping)]
    return encode({k: v for k, v in repo.items() if k != "archiveLogs"}, prefix, logs,
                  secret_values(p.resolver.secret if hasattr(p.resolver, "secret") else None, p.namespace, blocks))


def decode_secret(obj: Any) -> dict[str, str]:
    data = _data(obj)
    out: dict[str, str] = {}
    for key, value in (data.get("data") or {}).items():
        try:
            out[key] = base64.b64decode(str(value), validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            continue
    for key, value in (data.get("stringData") or {}).items():
        out[key] = str(value)
    return out


def secret_values(lookup: Callable[[str, str], Any] | None, namespace: str,
                  blocks: list[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Only the secret keys the blocks refer to. A missing one is left out: the executor then
    fails the pod naming the secret and key (never a value)."""
    out: dict[str, dict[str, str]] = {}
    if lookup is None:
        return out
    for block in blocks:
        for name, key in secret_refs(block):
            values = decode_secret(lookup(namespace, name))
            if key in values:
                out.setdefault(name, {})[key] = values[key]
    return out


# -- artifact GC ----------------------------------------------------------------------------

def gc_targets(workflow: Mapping[str, Any], when: str) -> list[tuple[str, dict[str, Any], str]]:
    """(kind, location block, key) of every output artifact whose artifactGC strategy is `when`."""
    spec = workflow.get("spec") or {}
    status = workflow.get("status") or {}
    stored = status.get("storedWorkflowTemplateSpec") or {}
    default = ((spec.get("artifactGC") or stored.get("artifactGC") or {}).get("strategy")) or "Never"
    seen: set[tuple[str, str]] = set()
    out = []
    for node in (status.get("nodes") or {}).values():
        for art in ((node.get("outputs") or {}).get("artifacts")) or ():
            if not art.get("path"):
                continue
            strategy = (art.get("artifactGC") or {}).get("strategy") or default
            if strategy != when:
                continue
            kind = next((k for k in ("s3", "oss", "local") if isinstance(art.get(k), Mapping)), None)
            if kind is None or not art[kind].get("key"):
                continue
            key = str(art[kind]["key"])
            if (kind, key) not in seen:
                seen.add((kind, key))
                out.append((kind, dict(art[kind]), key))
    return out


def collect_garbage(workflow: Mapping[str, Any], when: str, secret: Callable[[str, str], Any] | None,
                    local: ArtifactRepository | None) -> list[str]:
    """Delete the artifacts due at `when` (OnWorkflowCompletion / OnWorkflowDeletion).

    Returns messages for what could not be deleted; GC never fails a workflow (Argo
    reports it as a condition), and a store that is away is logged and left alone.
    """
    from podfleet.artifacts.podconfig import PodArtifacts

    targets = gc_targets(workflow, when)
    if not targets:
        return []
    status = workflow.get("status") or {}
    namespace = (workflow.get("metadata") or {}).get("namespace") or "default"
    repo = ((status.get("artifactRepositoryRef") or {}).get("artifactRepository")) or dict(LOCAL_DEFAULT)
    problems = []
    try:
        blocks = [repo[repository_kind(repo)], *(t[1] for t in targets)]
        secrets = Secrets(secret_values(secret, namespace, blocks))
        ctx = PodArtifacts(open_repository(repo, secrets, local), secrets=secrets, local=local,
                           repository_spec=dict(repo))
    except PodfleetError as err:
        return [f"artifact GC: {err.message}"]
    for kind, block, key in targets:
        try:
            ctx.for_location(kind, block).delete(key)
        except PodfleetError as err:
            problems.append(f"artifact GC: cannot delete {key!r}: {err.message}")
    for problem in problems:
        log.warning("%s/%s: %s", namespace, (workflow.get("metadata") or {}).get("name"), problem)
    return problems


def local_repository_of(provider: Any) -> ArtifactRepository | None:
    """The provider's own local repository (the default), or `$PODFLEET_HOME/artifacts`."""
    repo = getattr(getattr(provider, "config", None), "repository", None)
    if repo is not None:
        return repo  # type: ignore[no-any-return]
    from podfleet.artifacts.local import LocalArtifactRepository
    from podfleet.config import settings_from_env

    return LocalArtifactRepository(settings_from_env().artifacts_dir)


async def gc_completed(workflow: Mapping[str, Any], resolver: Any, provider: Any) -> None:
    """Runner hook: the workflow just completed."""
    secret = getattr(resolver, "secret", None)
    await asyncio.to_thread(collect_garbage, workflow, "OnWorkflowCompletion", secret, local_repository_of(provider))


async def gc_deleted(store: Any, workflow: Mapping[str, Any], local: ArtifactRepository | None) -> list[str]:
    """CLI/server hook: the workflow is being deleted."""
    namespace = (workflow.get("metadata") or {}).get("namespace") or "default"
    secrets: dict[str, Any] = {}
    for name, _key in {ref for _k, block, _ in gc_targets(workflow, "OnWorkflowDeletion")
                       for ref in secret_refs(block)} | _repo_refs(workflow):
        try:
            secrets[name] = await store.get("Secret", namespace, name)
        except PodfleetError:
            continue
    return await asyncio.to_thread(collect_garbage, workflow, "OnWorkflowDeletion",
                                   lambda _ns, name: secrets.get(name), local)


def _repo_refs(workflow: Mapping[str, Any]) -> set[tuple[str, str]]:
    repo = (((workflow.get("status") or {}).get("artifactRepositoryRef") or {}).get("artifactRepository")) or {}
    try:
        return set(secret_refs(repo[repository_kind(repo)]))
    except PodfleetError:
        return set()


__all__ = ["resolve_repository_ref", "freeze_repository", "pod_annotations", "archive_logs", "collect_garbage",
           "gc_targets", "gc_completed", "gc_deleted", "local_repository_of", "decode_secret", "secret_values",
           "DEFAULT_CONFIG_MAP", "DEFAULT_KEY_ANNOTATION"]
