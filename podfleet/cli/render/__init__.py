"""What `argo get`, `argo list` and `--watch` print, rendered from plain workflow dicts.

Pure functions of the objects (and of `now`, which every function accepts so
output is reproducible): no store or provider access happens here.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Mapping

from podfleet.cli.render.live import LiveView
from podfleet.cli.render.summary import workflow_status, workflow_summary
from podfleet.cli.render.tables import resource_table, workflow_list_table
from podfleet.cli.render.tree import workflow_tree


def render_get(wf: Mapping[str, Any], *, now: datetime | None = None, tz: tzinfo | None = None,
               short: bool = False, **tree_opts: Any) -> str:
    """`argo get`: the summary, a blank line, then the node tree (`short`: the tree only)."""
    tree = workflow_tree(wf, now=now, short=short, **tree_opts)
    if short and tree:
        return tree
    summary = workflow_summary(wf, now=now, tz=tz, color=bool(tree_opts.get("color", False)))
    return summary + ("\n" + tree if tree else "")


__all__ = [
    "render_get", "workflow_summary", "workflow_status", "workflow_tree", "workflow_list_table",
    "resource_table", "LiveView",
]
