"""cgroup v1 limits for a container's `resources.limits` (memory, cpu, pids).

Groups are created below the provider's own cgroup in each hierarchy
(`<mount>/<our cgroup>/podfleet/<namespace>_<pod>/<container>`) so the host's limits on
us still apply to the pods. Only limits are applied, never requests: a request is a
scheduling hint, a limit is what Kubernetes enforces on the node. When the hierarchy is
not writable (unprivileged, cgroup v2-only hosts) limits are skipped with one note.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path

from podfleet.resources.pod import Container
from podfleet.resources.quantity import parse_bytes, parse_cpu_millis

CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "cpu", "pids")
_CFS_PERIOD_US = 100_000


def _own_path(controller: str) -> str:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return "/"


@dataclass
class CgroupSupport:
    """Which controllers can be used, and where our podfleet parent groups live."""

    bases: dict[str, Path]

    @classmethod
    def probe(cls) -> tuple[CgroupSupport, str | None]:
        """The usable controllers, and a note saying why limits are skipped (None when all work)."""
        bases: dict[str, Path] = {}
        missing: list[str] = []
        for controller in CONTROLLERS:
            mount = CGROUP_ROOT / controller
            base = mount / _own_path(controller).lstrip("/") / "podfleet"
            try:
                if not (mount / "cgroup.procs").exists():
                    raise OSError(errno.ENOENT, "not a cgroup v1 hierarchy")
                base.mkdir(parents=True, exist_ok=True)
                if not os.access(base, os.W_OK):
                    raise PermissionError(errno.EACCES, "not writable")
                bases[controller] = base
            except OSError as err:
                missing.append(f"{controller} ({err.strerror or err})")
        note = None
        if missing:
            note = ("cgroup v1 controllers not writable here, resources.limits for them are not enforced: "
                    + ", ".join(missing))
        return cls(bases), note


def limits_of(container: Container) -> dict[str, int]:
    """{controller setting: value} from the container's limits; raises InvalidError on bad quantities."""
    limits = (container.resources.limits if container.resources else None) or {}
    wanted: dict[str, int] = {}
    if "memory" in limits:
        wanted["memory"] = parse_bytes(limits["memory"])
    if "cpu" in limits:
        wanted["cpu"] = parse_cpu_millis(limits["cpu"])
    if "pids" in limits:
        wanted["pids"] = int(parse_bytes(limits["pids"]))
    return wanted


def create(support: CgroupSupport, group: str, container: str, wanted: dict[str, int]) -> dict[str, Path]:
    """Create the container's groups with its limits; returns {controller: group dir}."""
    made: dict[str, Path] = {}
    for controller, value in wanted.items():
        base = support.bases.get(controller)
        if base is None:
            continue
        path = base / group / container
        path.mkdir(parents=True, exist_ok=True)
        if controller == "memory":
            (path / "memory.limit_in_bytes").write_text(str(value))
            memsw = path / "memory.memsw.limit_in_bytes"
            if memsw.exists():  # no swapping around the limit: over it means OOM, as on a node
                try:
                    memsw.write_text(str(value))
                except OSError:
                    pass
        elif controller == "cpu":
            (path / "cpu.cfs_period_us").write_text(str(_CFS_PERIOD_US))
            (path / "cpu.cfs_quota_us").write_text(str(max(1000, value * _CFS_PERIOD_US // 1000)))
        elif controller == "pids":
            (path / "pids.max").write_text(str(value))
        made[controller] = path
    return made


def oom_killed(groups: dict[str, Path]) -> bool:
    path = groups.get("memory")
    if path is None:
        return False
    try:
        for line in (path / "memory.oom_control").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and int(value) > 0:
                return True
        return False
    except (OSError, ValueError):
        return False


def procs(groups: dict[str, Path]) -> set[int]:
    pids: set[int] = set()
    for path in groups.values():
        try:
            pids.update(int(p) for p in (path / "cgroup.procs").read_text().split())
        except (OSError, ValueError):
            pass
    return pids


def remove(groups: dict[str, Path], attempts: int = 20) -> None:
    """Remove the container groups and their pod parent once empty (exiting tasks may linger briefly)."""
    for path in groups.values():
        for _ in range(attempts):
            try:
                path.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError as err:
                if err.errno != errno.EBUSY:
                    break
                time.sleep(0.01)
        try:
            path.parent.rmdir()
        except OSError:
            pass  # other containers of the pod still have groups


__all__ = ["CgroupSupport", "limits_of", "create", "oom_killed", "procs", "remove"]
