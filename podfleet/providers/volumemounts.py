"""A container's volumeMount resolved against its pod's volumes, the same for every provider."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from podfleet.errors import InvalidError


def resolve_mount(container: str, mount: Any, volumes: Mapping[str, tuple[Path | str, bool]]) -> tuple[Path, str, bool]:
    """(host source, path in the container, read-only) for one volumeMount.

    `subPath` narrows the source and may not leave it (no absolute path, no `..`).
    """
    if mount.name not in volumes:
        raise InvalidError(f"container {container!r}: volumeMount {mount.name!r} names no volume of the pod")
    source, read_only = volumes[mount.name]
    path = Path(source)
    if mount.sub_path:
        sub = PurePosixPath(mount.sub_path)
        if sub.is_absolute() or ".." in sub.parts:
            raise InvalidError(f"container {container!r}: invalid subPath {mount.sub_path!r}")
        path = path.joinpath(*sub.parts)
    return path, str(PurePosixPath(mount.mount_path)), read_only or bool(mount.read_only)
