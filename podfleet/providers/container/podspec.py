"""A Pod's container → the engine's create-container request.

Kubernetes' rules for the process to run, which the engine's own defaults follow
once we pass the right pieces:
- `command` set: it replaces the image's ENTRYPOINT and the image's CMD is dropped;
  `args` (possibly empty) are its arguments;
- only `args` set: the image's ENTRYPOINT runs with `args` instead of the image's CMD;
- neither: the image's ENTRYPOINT and CMD, as built.
`$(VAR)` references in env values, command and args expand against the container's env.
Secrets and ConfigMaps referenced by env are read through a `Lookup` (the store); the
controller may also have resolved them to plain values already.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from podfleet.errors import InvalidError
from podfleet.providers.process.podspec import _field_ref, expand
from podfleet.providers.volumemounts import resolve_mount
from podfleet.resources.kinds import Secret
from podfleet.resources.pod import Container, Pod
from podfleet.resources.quantity import parse_bytes, parse_cpu_millis

# (kind, namespace, name) → the stored object, None when absent.
Lookup = Callable[[str, str, str], Awaitable[dict[str, Any] | None]]

POD_LABEL = "podfleet.io/pod"
CONTAINER_LABEL = "podfleet.io/container"
MANAGED_LABEL = "podfleet.io/managed"
INFRA = "_infra"
_NAME_SAFE = re.compile(r"[^a-zA-Z0-9_.-]")


def container_name(scope: str, namespace: str, pod: str, container: str) -> str:
    """Deterministic engine name: a restarted provider finds its containers by it.

    `scope` tells PODFLEET_HOMEs apart: two homes may run pods of the same name on one engine.
    """
    return _NAME_SAFE.sub("-", f"pf{scope}_{namespace}_{pod}_{container}")


def pod_label(scope: str, namespace: str, pod: str) -> str:
    """The `podfleet.io/pod` label value every container of the pod carries."""
    return f"{scope}/{namespace}/{pod}"


def home_scope(home: object) -> str:
    import hashlib

    return hashlib.sha256(str(home).encode()).hexdigest()[:6]


@dataclass
class ContainerPlan:
    name: str              # the pod's container name (`main`, a sidecar …)
    engine_name: str       # the engine's container name
    image: str
    create: dict[str, Any] = field(default_factory=dict)   # APIClient.create_container kwargs
    host: dict[str, Any] = field(default_factory=dict)     # create_host_config kwargs
    binds: dict[str, tuple[str, bool]] = field(default_factory=dict)  # container path → (host path, ro)


async def container_env(pod: Pod, container: Container, lookup: Lookup | None) -> dict[str, str]:
    env: dict[str, str] = {"HOSTNAME": pod.name}
    for source in container.env_from or ():
        prefix = str(source.get("prefix") or "")
        ref = source.get("configMapRef") or source.get("secretRef")
        kind = "ConfigMap" if source.get("configMapRef") else "Secret"
        if not isinstance(ref, dict):
            continue
        values = await _object_values(kind, pod.namespace, str(ref.get("name", "")), lookup)
        if values is None:
            if ref.get("optional"):
                continue
            raise InvalidError(f'container {container.name!r}: {kind.lower()} "{ref.get("name")}" not found')
        env.update({prefix + k: v for k, v in values.items()})
    for var in container.env or ():
        if var.value_from is None:
            env[var.name] = expand(var.value or "", env)
        elif var.value_from.field_ref is not None:
            env[var.name] = _field_ref(pod, str(var.value_from.field_ref.get("fieldPath", "")))
        elif var.value_from.secret_key_ref is not None or var.value_from.config_map_key_ref is not None:
            ref = var.value_from.secret_key_ref or var.value_from.config_map_key_ref
            kind = "Secret" if var.value_from.secret_key_ref is not None else "ConfigMap"
            values = await _object_values(kind, pod.namespace, str(ref.name or ""), lookup)
            value = None if values is None else values.get(str(ref.key))
            if value is None:
                if ref.optional:
                    continue
                what = f'{kind.lower()} "{ref.name}"' if values is None else f'key "{ref.key}" in {kind.lower()} "{ref.name}"'
                raise InvalidError(f"container {container.name!r}: env {var.name}: {what} not found")
            env[var.name] = value
        else:
            raise InvalidError(f"container {container.name!r}: env {var.name}: unsupported valueFrom")
    return env


async def _object_values(kind: str, namespace: str, name: str, lookup: Lookup | None) -> dict[str, str] | None:
    if lookup is None:
        return None
    obj = await lookup(kind, namespace, name)
    if obj is None:
        return None
    if kind == "Secret":
        decoded = Secret.model_validate(obj).decoded()
        return {k: v.decode("utf-8", errors="replace") for k, v in decoded.items()}
    return {str(k): str(v) for k, v in (obj.get("data") or {}).items()}


def entrypoint_and_cmd(container: Container, env: dict[str, str]) -> dict[str, Any]:
    command = [expand(a, env) for a in container.command or ()]
    args = [expand(a, env) for a in container.args or ()]
    if command:
        # An explicit empty Cmd so the image's CMD is dropped, as Kubernetes drops it.
        return {"entrypoint": command, "command": args}
    if args:
        return {"command": args}
    return {}


def user_of(pod: Pod, container: Container) -> str | None:
    """`runAsUser[:runAsGroup]`, the container's securityContext over the pod's."""
    ctx = {**(pod.spec.security_context or {}), **(container.security_context or {})}
    uid, gid = ctx.get("runAsUser"), ctx.get("runAsGroup")
    if uid is None:
        return None
    return f"{int(uid)}:{int(gid)}" if gid is not None else str(int(uid))


def limits_of(container: Container) -> dict[str, Any]:
    """Engine host-config limits from `resources.limits` (memory, cpu, pids)."""
    limits = (container.resources.limits if container.resources else None) or {}
    host: dict[str, Any] = {}
    try:
        if "memory" in limits:
            memory = parse_bytes(limits["memory"])
            host["mem_limit"] = memory
            host["memswap_limit"] = memory  # no swap: a limit must OOM-kill as it does on a node
        if "cpu" in limits:
            host["nano_cpus"] = parse_cpu_millis(limits["cpu"]) * 1_000_000
        if "pids" in limits:
            host["pids_limit"] = int(parse_bytes(limits["pids"]))
    except (ValueError, InvalidError) as err:
        raise InvalidError(f"container {container.name!r}: bad resources.limits: {err}") from err
    return host


def plan_container(pod: Pod, container: Container, env: dict[str, str],
                   volumes: dict[str, tuple[str, bool]], *, network_of: str | None, scope: str) -> ContainerPlan:
    name = str(container.name)
    if not container.image:
        raise InvalidError(f"container {name!r} has no image")
    binds: dict[str, tuple[str, bool]] = {}
    for vm in container.volume_mounts or ():
        source, target, read_only = resolve_mount(name, vm, volumes)
        binds[target] = (str(source), read_only)
    engine_name = container_name(scope, pod.namespace, pod.name, name)
    labels = {MANAGED_LABEL: "true", POD_LABEL: pod_label(scope, pod.namespace, pod.name), CONTAINER_LABEL: name}
    create: dict[str, Any] = {
        "image": str(container.image), "name": engine_name, "labels": labels,
        "environment": env, **entrypoint_and_cmd(container, env),
    }
    if container.working_dir:
        create["working_dir"] = container.working_dir
    user = user_of(pod, container)
    if user:
        create["user"] = user
    host: dict[str, Any] = {
        "binds": [f"{src}:{dst}:{'ro' if ro else 'rw'}" for dst, (src, ro) in binds.items()],
        **limits_of(container),
        # Argo's emissary is PID 1 of every container and forwards signals to the user's
        # process; an init (podman's catatonit, docker-init) does the same here. Without
        # it `sh -c "sleep 60"` is PID 1, ignores SIGTERM, and a deadline or a stop waits
        # out the whole grace period.
        "init": True,
    }
    if network_of:
        host["network_mode"] = f"container:{network_of}"
    else:
        create["hostname"] = pod.name[:63]
    return ContainerPlan(name, engine_name, str(container.image), create, host, binds)


__all__ = ["ContainerPlan", "Lookup", "plan_container", "container_env", "container_name", "pod_label", "home_scope",
           "entrypoint_and_cmd",
           "limits_of", "user_of", "POD_LABEL", "CONTAINER_LABEL", "MANAGED_LABEL", "INFRA"]
