"""`--watch`: the `argo get` view redrawn in place while a workflow runs.

On a terminal the view is a rich `Live` display that re-renders at most four
times a second (so running durations keep ticking even between updates) and
is replaced by one full static render when closed, because a live region is
cropped to the screen height. When stdout is not a terminal nothing is drawn
per update: only the final render is printed, so logs and pipes stay clean.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Mapping

from rich.console import Console
from rich.live import Live
from rich.text import Text

from podfleet.cli.render.tree import workflow_tree
from podfleet.cli.render.summary import workflow_summary


def _render(wf: Mapping[str, Any], color: bool) -> str:
    summary = workflow_summary(wf, color=color)
    tree = workflow_tree(wf, color=color)
    return summary + ("\n" + tree if tree else "")


class _Frame:
    """The live renderable: re-renders the latest workflow, at most once per second of clock."""

    def __init__(self, view: "LiveView") -> None:
        self._view = view
        self._cache: tuple[int, int, Text] | None = None

    def __rich__(self) -> Text:
        wf, color = self._view.latest(), self._view.color
        second = int(time.time())
        cached = self._cache
        if cached is not None and cached[0] == id(wf) and cached[1] == second:
            return cached[2]
        text = Text.from_ansi(_render(wf or {}, color).rstrip("\n"), no_wrap=True,
                              overflow="crop") if wf else Text("")
        self._cache = (id(wf), second, text)
        return text


class LiveView:
    """Shows a workflow while it runs; `update` with each new version, `close` at the end."""

    def __init__(self, console: Console | None = None, *, refresh_per_second: float = 4.0) -> None:
        self._console = console if console is not None else Console()
        self._refresh = min(refresh_per_second, 4.0)
        self._lock = threading.Lock()
        self._wf: Mapping[str, Any] | None = None
        self._live: Live | None = None
        self._closed = False
        self.color = self._console.is_terminal and not self._console.no_color

    def latest(self) -> Mapping[str, Any] | None:
        with self._lock:
            return self._wf

    def update(self, wf: Mapping[str, Any]) -> None:
        if self._closed:
            return
        with self._lock:
            self._wf = wf
        if not self._console.is_terminal:
            return
        if self._live is None:
            self._live = Live(_Frame(self), console=self._console, auto_refresh=True,
                              refresh_per_second=self._refresh, transient=True)
            self._live.start(refresh=True)

    def close(self) -> None:
        """Stop redrawing and print the final render once (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._live is not None:
            self._live.stop()
            self._live = None
        wf = self.latest()
        if wf is not None:
            self._console.file.write(_render(wf, self.color))
            self._console.file.flush()

    def __enter__(self) -> "LiveView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["LiveView"]
