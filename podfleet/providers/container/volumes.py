"""A pod's volumes as host folders bind-mounted into its containers.

emptyDir, hostPath and persistentVolumeClaim folders are the process provider's
(same places under PODFLEET_HOME, so both providers see the same claims).
configMap and secret volumes take their files from the controller's
`podfleet.io/volume-data` annotation when it is there, else from the store (`Lookup`),
honouring `items`.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path, PurePosixPath

from podfleet.errors import InvalidError
from podfleet.providers.container.podspec import Lookup
from podfleet.providers.process.podspec import VOLUME_DATA_ANNOTATION, volume_source
from podfleet.providers.podstate import PodDir
from podfleet.resources.kinds import Secret
from podfleet.resources.pod import Pod, Volume


async def pod_volumes(pod: Pod, dirs: PodDir, home: Path, lookup: Lookup | None) -> dict[str, tuple[str, bool]]:
    """volume name → (host folder, read-only)."""
    inlined = _inlined(pod)
    found: dict[str, tuple[str, bool]] = {}
    for volume in pod.spec.volumes or ():
        if (volume.config_map is not None or volume.secret is not None) and volume.name not in inlined:
            found[volume.name] = (str(await _from_store(pod, volume, dirs, lookup)), True)
            continue
        if volume.persistent_volume_claim is not None:
            # may materialise a dataset (podfleet.datacache): real I/O, off the event loop
            path, read_only = await asyncio.to_thread(volume_source, pod, volume, dirs, home)
        else:
            path, read_only = volume_source(pod, volume, dirs, home)
        if volume.empty_dir is not None:
            # As on a node: any user of the pod may write an emptyDir (runAsUser ≠ root).
            os.chmod(path, 0o777)
        found[volume.name] = (str(path), read_only)
    return found


def _inlined(pod: Pod) -> dict[str, object]:
    raw = (pod.metadata.annotations or {}).get(VOLUME_DATA_ANNOTATION)
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError as err:
        raise InvalidError(f"annotation {VOLUME_DATA_ANNOTATION} is not valid JSON: {err}") from err
    return data if isinstance(data, dict) else {}


async def _from_store(pod: Pod, volume: Volume, dirs: PodDir, lookup: Lookup | None) -> Path:
    source = volume.config_map or volume.secret
    assert source is not None
    kind = "ConfigMap" if volume.config_map is not None else "Secret"
    name = str(volume.config_map.name if volume.config_map is not None else volume.secret.secret_name)  # type: ignore[union-attr]
    path = dirs.volume(volume.name)
    path.mkdir(parents=True, exist_ok=True)
    obj = await lookup(kind, pod.namespace, name) if lookup is not None else None
    if obj is None:
        if source.optional:
            return path
        raise InvalidError(f'volume {volume.name!r}: {kind.lower()} "{name}" not found')
    if kind == "Secret":
        values = Secret.model_validate(obj).decoded()
    else:
        values = {str(k): str(v).encode() for k, v in (obj.get("data") or {}).items()}
    items = {i.key: i.path for i in source.items} if source.items else {k: k for k in values}
    for key, rel in items.items():
        if key not in values:
            if source.optional:
                continue
            raise InvalidError(f'volume {volume.name!r}: key "{key}" not found in {kind.lower()} "{name}"')
        rel_path = PurePosixPath(rel)
        if rel_path.is_absolute() or ".." in rel_path.parts:
            raise InvalidError(f"volume {volume.name!r}: invalid file name {rel!r}")
        target = path.joinpath(*rel_path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(values[key])
        os.chmod(target, source.default_mode if source.default_mode is not None else 0o644)
    return path


__all__ = ["pod_volumes"]
