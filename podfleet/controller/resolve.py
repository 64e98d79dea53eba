"""Argo's resolveReferences for a step or a DAG task: its `when` first, then the whole
item — parameters substituted (tags of earlier steps/tasks must resolve) and input
artifacts with `from`/`fromExpression` looked up. Hooks are left unsubstituted: they
are evaluated later, against the node they watch."""

from __future__ import annotations

from typing import Any

from podfleet.controller.loops import should_expand
from podfleet.controller.scope import LocalScope
from podfleet.controller.text import evaluate_when, substitute, substitute_object
from podfleet.errors import PodfleetError

STRICT = ("steps.", "tasks.")  # references that must resolve now; others may wait for a later pass


def resolve_references(item: dict[str, Any], scope_map: dict[str, str], scope: LocalScope, *,
                       hooks_when_skipped: bool) -> dict[str, Any]:
    """The item ready to run; one whose `when` is false comes back with only `when`
    resolved (and, for steps, its hooks: `hooks_when_skipped`)."""
    hooks = item.get("hooks")
    body = {k: v for k, v in item.items() if k != "hooks"}
    when = body.get("when")
    if when:
        resolved_when = substitute(when, scope_map, strict=STRICT)
        try:
            if not evaluate_when(resolved_when):
                body["when"] = resolved_when
                if hooks and hooks_when_skipped:
                    body["hooks"] = hooks
                return body
        except PodfleetError:
            if not should_expand(body):
                raise
    body = substitute_object(body, scope_map, strict=STRICT)
    resolve_artifacts(body, scope)
    if hooks:
        body["hooks"] = hooks
    return body  # type: ignore[no-any-return]


def resolve_artifacts(holder: dict[str, Any], scope: LocalScope) -> None:
    args = holder.get("arguments") or {}
    if not args.get("artifacts"):
        return
    arts = []
    for art in args["artifacts"]:
        if not art.get("from") and not art.get("fromExpression"):
            arts.append(art)
            continue
        try:
            found = scope.resolve_artifact(art)
        except PodfleetError as err:
            if art.get("optional"):
                continue
            raise PodfleetError(f"unable to resolve references: {err}") from err
        if found is not None:
            found["name"] = art["name"]
            arts.append(found)
    holder["arguments"] = {**args, "artifacts": arts}


__all__ = ["STRICT", "resolve_references", "resolve_artifacts"]
