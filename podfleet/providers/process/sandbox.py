"""The sandbox one container runs in: bubblewrap, or `unshare` + chroot when bwrap is missing.

Each container gets its own mount, PID, IPC and UTS namespaces (hostname = pod name);
the network namespace is the host's, so a pod's containers reach each other on
localhost. The container's root is a host folder inside the pod directory: every write
outside the read-only system folders lands there (or in a volume folder), never in the
host's real `/` or `/tmp`, and stays readable by the executor after the sandbox is gone.

There is no image: system folders are the host's own (read-only), so a container runs
the host's userland. Root inside the sandbox keeps only Docker's default capabilities,
so it cannot remount its way out; it is still not a security boundary for hostile code.
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
# Docker's default capability set: enough for ordinary images (chown, setuid, bind :80).
DEFAULT_CAPS = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)
STATUS_FD = 3
# Joins the cgroups listed before `--`, then becomes the sandbox: the sandbox's first
# process is then already limited, with no window in which it could fork outside.
_CGROUP_JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
# The unshare fallback: pid 1 of the new namespaces sets up the mounts, runs the command
# chrooted, and records its exit code on fd 3 in bwrap's json-status format.
_UNSHARE_INIT = r"""
set -e
root=$1; host=$2; cwd=$3; shift 3
hostname "$host"
mount --make-rprivate /
while [ "$1" != -- ]; do
  mkdir -p "$root$2"
  mount --rbind "$1" "$root$2"
  [ "$3" = ro ] && mount -o remount,bind,ro "$root$2"
  shift 3
done
shift
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
set +e
chroot "$root" /bin/sh -c 'mkdir -p "$0" && cd "$0" && exec "$@"' "$cwd" "$@" 3>&-
code=$?
printf '{ "exit-code": %d }\n' "$code" >&3
exit "$code"
"""


class SandboxMode(str, Enum):
    BWRAP = "bwrap"
    UNSHARE = "unshare"


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    read_only: bool = False


@dataclass
class SandboxSpec:
    root: Path
    hostname: str
    argv: list[str]
    cwd: str = "/"
    mounts: list[Mount] = field(default_factory=list)
    cgroup_procs: list[Path] = field(default_factory=list)


def detect_mode(preferred: str | None = None) -> tuple[SandboxMode, str] | None:
    """The sandbox tool to use and its path; None when neither bwrap nor unshare exists."""
    order = [SandboxMode(preferred)] if preferred else [SandboxMode.BWRAP, SandboxMode.UNSHARE]
    for mode in order:
        path = shutil.which(mode.value)
        if path:
            return mode, path
    return None


@functools.cache
def system_mounts() -> tuple[tuple[str, str | None], ...]:
    """(dir, symlink target or None) for the host system dirs that exist (read once: host facts)."""
    found: list[tuple[str, str | None]] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            found.append((d, os.readlink(d)))
        elif os.path.isdir(d):
            found.append((d, None))
    return tuple(found)


def prepare_root(root: Path, mounts: list[Mount], mode: SandboxMode = SandboxMode.UNSHARE) -> None:
    """Create the container's root folder: /tmp, $HOME, and (for unshare) symlinks and mountpoints.

    bwrap creates its own mountpoints and symlinks on the writable root, so for it only
    what the container expects to find (a world-writable /tmp, $HOME) is made here.
    """
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)
    (root / "root").mkdir(exist_ok=True)
    if mode is SandboxMode.BWRAP:
        return
    for d in ("proc", "dev"):
        (root / d).mkdir(exist_ok=True)
    for d, link in system_mounts():
        target = root / d.lstrip("/")
        if link is not None:
            if not target.is_symlink():
                target.symlink_to(link)
        else:
            target.mkdir(exist_ok=True)
    for m in mounts:
        target = root / m.target.lstrip("/")
        if m.source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch(exist_ok=True)


def build_argv(mode: SandboxMode, tool: str, spec: SandboxSpec) -> list[str]:
    mounts = sorted(spec.mounts, key=lambda m: m.target.count("/"))
    if mode is SandboxMode.BWRAP:
        argv = [tool, "--bind", str(spec.root), "/"]
        for d, link in system_mounts():
            argv += ["--ro-bind", d, d] if link is None else ["--symlink", link, d]
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", spec.hostname,
                 "--cap-drop", "ALL"]
        for cap in DEFAULT_CAPS:
            argv += ["--cap-add", cap]
        for m in mounts:
            argv += ["--ro-bind" if m.read_only else "--bind", str(m.source), m.target]
        argv += ["--chdir", spec.cwd, "--json-status-fd", str(STATUS_FD), "--", *spec.argv]
    else:
        binds: list[str] = []
        for d, link in system_mounts():
            if link is None:
                binds += [d, d, "ro"]
        for m in mounts:
            binds += [str(m.source), m.target, "ro" if m.read_only else "rw"]
        argv = [tool, "--mount", "--pid", "--fork", "--ipc", "--uts", "--propagation", "private",
                "/bin/sh", "-c", _UNSHARE_INIT, "podfleet-init",
                str(spec.root), spec.hostname, spec.cwd, *binds, "--", *spec.argv]
    if spec.cgroup_procs:
        argv = ["/bin/sh", "-c", _CGROUP_JOIN, "sh", *map(str, spec.cgroup_procs), "--", *argv]
    return argv


__all__ = ["SandboxMode", "SandboxSpec", "Mount", "detect_mode", "prepare_root", "build_argv", "STATUS_FD"]
