"""`--watch`: redraw on a terminal, a single final render everywhere else."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

from rich.console import Console

from podfleet.cli.render import LiveView, render_get


def stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def version(phase: str, done: bool) -> dict[str, Any]:
    # Old enough that "(2 days ago)" cannot change while the test runs.
    start = datetime.now(timezone.utc) - timedelta(days=2, hours=1)
    node: dict[str, Any] = {"id": "live-x", "name": "live-x", "displayName": "live-x", "type": "Pod",
                            "templateName": "main", "phase": phase, "startedAt": stamp(start)}
    status: dict[str, Any] = {"phase": phase, "startedAt": stamp(start), "nodes": {"live-x": node}}
    if done:
        node["finishedAt"] = status["finishedAt"] = stamp(start + timedelta(seconds=42))
    return {"metadata": {"name": "live-x", "namespace": "argo", "creationTimestamp": stamp(start)},
            "spec": {}, "status": status}


def test_without_a_terminal_only_the_final_render_is_printed() -> None:
    out = io.StringIO()
    view = LiveView(Console(file=out, force_terminal=False))
    view.update(version("Pending", False))
    view.update(version("Running", False))
    assert out.getvalue() == ""
    final = version("Succeeded", True)
    view.update(final)
    view.close()
    assert out.getvalue() == render_get(final)
    assert "✔ live-x" in out.getvalue() and "\x1b[" not in out.getvalue()


def test_close_is_idempotent_and_later_updates_are_ignored() -> None:
    out = io.StringIO()
    view = LiveView(Console(file=out, force_terminal=False))
    view.update(version("Succeeded", True))
    view.close()
    view.update(version("Failed", True))
    view.close()
    assert out.getvalue().count("Name:") == 1 and "Failed" not in out.getvalue()


def test_closing_without_any_update_prints_nothing() -> None:
    out = io.StringIO()
    with LiveView(Console(file=out, force_terminal=False)):
        pass
    assert out.getvalue() == ""


def test_on_a_terminal_the_view_redraws_and_ends_with_one_full_colored_render() -> None:
    out = io.StringIO()
    view = LiveView(Console(file=out, force_terminal=True, width=160, height=40))
    view.update(version("Running", False))
    final = version("Succeeded", True)
    view.update(final)
    view.close()
    text = out.getvalue()
    expected = render_get(final, color=True)
    assert text.endswith(expected)
    assert "\x1b[32m✔\x1b[0m" in expected
    # The running version was drawn live before the final render replaced it.
    assert "Running" in text[: -len(expected)]
