"""What each container of a Pod gets on this machine: argv, environment, mounts.

Kubernetes combines `command`/`args` with the image's entrypoint; the process provider
has no image, so `command + args` runs when `command` is set, and `args` alone is the
command when only `args` is set. `$(VAR)` references in env values, command and args
are expanded as the kubelet does. Secrets and ConfigMaps are never looked up here: the
controller resolves them (for volumes it inlines their files into the annotation
`podfleet.io/volume-data`); an unresolved non-optional reference fails the pod clearly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from podfleet.errors import InvalidError
from podfleet.providers.process.hostfs import HostMount
from podfleet.providers.process.sandbox import Mount, system_mounts
from podfleet.providers.podstate import PodDir
from podfleet.providers.volumemounts import resolve_mount
from podfleet.resources.pod import Container, Pod, Volume

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games"
VOLUME_DATA_ANNOTATION = "podfleet.io/volume-data"
_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


@dataclass
class ContainerPlan:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str
    mounts: list[Mount] = field(default_factory=list)

    def host_mounts(self) -> list[HostMount]:
        fs_mounts = [HostMount(d, Path(d), True) for d, link in system_mounts() if link is None]
        return fs_mounts + [HostMount(str(PurePosixPath(m.target)), m.source, m.read_only) for m in self.mounts]


def expand(text: str, env: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env.get(name, match.group(0))
    return _VAR_REF.sub(sub, text)


def _field_ref(pod: Pod, path: str) -> str:
    meta = pod.metadata
    simple = {
        "metadata.name": pod.name, "metadata.namespace": pod.namespace, "metadata.uid": meta.uid or "",
        "status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1",
        "spec.nodeName": pod.spec.node_name or "localhost",
        "spec.serviceAccountName": pod.spec.service_account_name or "default",
    }
    if path in simple:
        return simple[path]
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if match:
        source = meta.labels if match.group(1) == "labels" else meta.annotations
        return (source or {}).get(match.group(2), "")
    raise InvalidError(f"unsupported fieldRef.fieldPath {path!r}")


def container_env(pod: Pod, container: Container) -> dict[str, str]:
    env = {"PATH": DEFAULT_PATH, "HOSTNAME": pod.name, "HOME": "/root"}
    for source in container.env_from or ():
        if not source.get("optional") and not (source.get("configMapRef") or {}).get("optional") \
                and not (source.get("secretRef") or {}).get("optional"):
            raise InvalidError(
                f"container {container.name!r}: envFrom must be resolved to env values by the controller"
            )
    for var in container.env or ():
        if var.value_from is None:
            env[var.name] = expand(var.value or "", env)
        elif var.value_from.field_ref is not None:
            env[var.name] = _field_ref(pod, str(var.value_from.field_ref.get("fieldPath", "")))
        else:
            ref = var.value_from.secret_key_ref or var.value_from.config_map_key_ref
            if ref is not None and ref.optional:
                continue
            raise InvalidError(
                f"container {container.name!r}: env {var.name} refers to a Secret/ConfigMap/resource the "
                "process provider cannot read; the controller must resolve it to a value"
            )
    return env


def container_argv(container: Container, env: dict[str, str]) -> list[str]:
    # No image, so no entrypoint to prepend: args alone are the command (see module docstring).
    argv = list(container.command or ()) + list(container.args or ())
    if not argv:
        raise InvalidError(
            f"container {container.name!r} has no command or args: the process provider has no image entrypoint to run"
        )
    return [expand(a, env) for a in argv]


def volume_source(pod: Pod, volume: Volume, dirs: PodDir, home: Path) -> tuple[Path, bool]:
    """(host path backing the volume, read-only), creating what needs creating."""
    if volume.empty_dir is not None:
        path = dirs.volume(volume.name)
        path.mkdir(parents=True, exist_ok=True)
        return path, False
    if volume.host_path is not None:
        path = Path(volume.host_path.path)
        kind = volume.host_path.type or ""
        if not path.exists():
            if kind == "DirectoryOrCreate":
                path.mkdir(parents=True, exist_ok=True)
            elif kind == "FileOrCreate":
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            else:
                raise InvalidError(f"volume {volume.name!r}: hostPath {path} does not exist")
        return path, False
    if volume.persistent_volume_claim is not None:
        from podfleet.datacache.mount import dataset_volume

        # A claim naming a Fluid Dataset is served from the dataset cache (podfleet.datacache).
        served = dataset_volume(pod.metadata.annotations, str(volume.persistent_volume_claim.claim_name),
                                str(volume.name), dirs.volume(volume.name))
        if served is not None:
            return served
        # A claim is a persistent folder per namespace/claim: it outlives pods, as a PVC does.
        path = home / "volumes" / pod.namespace / volume.persistent_volume_claim.claim_name
        path.mkdir(parents=True, exist_ok=True)
        return path, bool(volume.persistent_volume_claim.read_only)
    if volume.config_map is not None or volume.secret is not None:
        return _inlined_volume(pod, volume, dirs), True
    raise InvalidError(f"volume {volume.name!r}: this volume type is not supported by the process provider")


def _inlined_volume(pod: Pod, volume: Volume, dirs: PodDir) -> Path:
    raw = (pod.metadata.annotations or {}).get(VOLUME_DATA_ANNOTATION)
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError as err:
        raise InvalidError(f"annotation {VOLUME_DATA_ANNOTATION} is not valid JSON: {err}") from err
    files = data.get(volume.name)
    source = volume.config_map or volume.secret
    path = dirs.volume(volume.name)
    path.mkdir(parents=True, exist_ok=True)
    if files is None:
        if source is not None and source.optional:
            return path
        kind = "configMap" if volume.config_map is not None else "secret"
        raise InvalidError(
            f"volume {volume.name!r}: {kind} volumes need their files inlined by the controller "
            f"(annotation {VOLUME_DATA_ANNOTATION})"
        )
    for rel, content in files.items():
        rel_path = PurePosixPath(rel)
        if rel_path.is_absolute() or ".." in rel_path.parts:
            raise InvalidError(f"volume {volume.name!r}: invalid file name {rel!r}")
        target = path.joinpath(*rel_path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(str(content))
    return path


def plan_container(pod: Pod, container: Container, volumes: dict[str, tuple[Path, bool]]) -> ContainerPlan:
    env = container_env(pod, container)
    argv = container_argv(container, env)
    mounts: list[Mount] = []
    for vm in container.volume_mounts or ():
        source, target, read_only = resolve_mount(str(container.name), vm, volumes)
        if vm.sub_path and not source.exists():
            source.mkdir(parents=True, exist_ok=True)
        mounts.append(Mount(source, target, read_only))
    return ContainerPlan(str(container.name), argv, env, container.working_dir or "/", mounts)


__all__ = ["ContainerPlan", "plan_container", "volume_source", "container_env", "container_argv", "expand",
           "DEFAULT_PATH", "VOLUME_DATA_ANNOTATION"]
