"""Host process plumbing: spawn detached, await exit (children or adopted), kill a tree.

Sandboxes are spawned with `posix_spawn` in their own session so they survive the
controller being SIGKILLed, and awaited through a pidfd registered with the event loop:
it works the same for our own children and for processes adopted after a restart, costs
no thread per process, and wakes up the moment the process exits.
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessRef:
    """A pid plus its start time, so a recycled pid is never mistaken for ours."""

    pid: int
    start_ticks: int

    def to_json(self) -> dict[str, int]:
        return {"pid": self.pid, "start": self.start_ticks}

    @classmethod
    def from_json(cls, data: dict[str, int]) -> ProcessRef:
        return cls(int(data["pid"]), int(data["start"]))


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def start_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else -1


def is_alive(ref: ProcessRef) -> bool:
    fields = _stat_fields(ref.pid)
    return bool(fields) and fields[0] != "Z" and int(fields[19]) == ref.start_ticks


def spawn(argv: list[str], env: dict[str, str], *, stdin: int | str = "/dev/null",
          stdout: int | str, stderr: int | str, extra_fds: dict[int, str] | None = None) -> ProcessRef:
    """Start `argv` in a new session. fds are given as an open fd (dup'ed) or a path (opened O_APPEND).

    `extra_fds` maps a child fd number to a path opened for writing (truncated).
    """
    actions: list[tuple] = []
    # DUP2 first: a later OPEN onto the same number would otherwise close the source fd.
    for target, source in ((0, stdin), (1, stdout), (2, stderr)):
        if isinstance(source, int):
            actions.append((os.POSIX_SPAWN_DUP2, source, target))
    for target, source in ((0, stdin), (1, stdout), (2, stderr)):
        if isinstance(source, str):
            flags = os.O_RDONLY if target == 0 else os.O_WRONLY | os.O_CREAT | os.O_APPEND
            actions.append((os.POSIX_SPAWN_OPEN, target, source, flags, 0o644))
    for target, path in (extra_fds or {}).items():
        actions.append((os.POSIX_SPAWN_OPEN, target, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True)
    return ProcessRef(pid, start_ticks(pid))


def reap(pid: int) -> int | None:
    """Collect a child's exit status if it is ours; None for adopted processes."""
    try:
        got, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    if got == 0:
        return None
    return os.waitstatus_to_exitcode(status)


async def wait_exit(ref: ProcessRef, *, own: bool = False) -> int | None:
    """Wait until the process exits; returns its exit code when it was our child.

    `own`: we spawned it and have not reaped it, so its pid cannot have been recycled.
    """
    loop = asyncio.get_running_loop()
    try:
        fd = os.pidfd_open(ref.pid)
    except ProcessLookupError:
        return reap(ref.pid)
    try:
        if not own and start_ticks(ref.pid) != ref.start_ticks:
            return reap(ref.pid) if start_ticks(ref.pid) == -1 else None
        done = loop.create_future()

        def on_ready() -> None:
            if not done.done():
                done.set_result(None)

        loop.add_reader(fd, on_ready)
        try:
            await done
        finally:
            loop.remove_reader(fd)
    finally:
        os.close(fd)
    return reap(ref.pid)


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (a sandbox's processes: orphans re-parent to its pid-1)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except (FileNotFoundError, ProcessLookupError):
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in children:
                found.append(int(child))
                todo.append(int(child))
    return found


def signal_tree(ref: ProcessRef, sig: int, *, include_root: bool = False) -> None:
    """Send `sig` to everything the sandbox started (not to the sandbox's monitor unless asked)."""
    if not is_alive(ref):
        return
    pids = descendants(ref.pid)
    if include_root:
        pids.append(ref.pid)
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(ref: ProcessRef) -> None:
    signal_tree(ref, signal.SIGKILL)


__all__ = ["ProcessRef", "spawn", "wait_exit", "reap", "is_alive", "descendants", "signal_tree", "kill_tree", "start_ticks"]
