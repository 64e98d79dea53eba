"""Which `{{ }}` references in a string cannot resolve — what `argo lint` reports.

Argo's validator (`resolveAllVariables`) checks only simple tags whose name starts
with a workflow root (`item.`, `steps.`, `inputs.`, `outputs.`, `pod.`, `workflow.`,
`tasks.`): `{{foo}}` or `{{retries}}` pass lint (and stay verbatim at run time),
expression tags are not checked. A few names are always exempt because they only
exist at run time. Lint passes what is in scope (`known`) plus prefixes it cannot
enumerate (`item.` after `withParam`, `workflow.outputs.parameters.`).
"""

from __future__ import annotations

from collections.abc import Collection

from podfleet.templating.env import has_var
from podfleet.templating.tags import EXPRESSION, SIMPLE, parse

CHECKED_ROOTS = ("item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.")
"""Argo's GlobalVarValidWorkflowVariablePrefix: only names under these roots are checked."""

ALWAYS_ALLOWED_PREFIXES = (
    "outputs.",  # self-reference in metrics
    "workflow.creationTimestamp", "workflow.scheduledTime", "workflow.duration",
    "tasks.name", "steps.name", "node.name",
)
"""Names Argo's validator never rejects: they are bound only at run time."""


def unresolved(text: str, known: Collection[str], prefixes_allowed: Collection[str] = (), *,
               argo_exemptions: bool = True, check_expressions: bool = False) -> list[str]:
    """Names referenced by `text` that are neither in `known` nor under an allowed prefix.

    Each name once, in order of appearance. Raises TemplateError on an unclosed `{{`.
    With `check_expressions`, expression tags' variable paths are checked too (a path
    counts as known when a known key is it or lies under it, as for the expression env);
    Argo itself does not check them.
    """
    allowed = tuple(prefixes_allowed) + (ALWAYS_ALLOWED_PREFIXES if argo_exemptions else ())
    known_set = known if isinstance(known, (set, frozenset, dict)) else set(known)
    found: list[str] = []
    for tag in parse(text).tags:
        if tag.kind == SIMPLE:
            names = [tag.expression]
        elif tag.kind == EXPRESSION and check_expressions:
            names = _expression_paths(tag.expression, known_set)
        else:
            continue
        for name in names:
            if not name.startswith(CHECKED_ROOTS) or name in known_set or name.startswith(allowed):
                continue
            if name not in found:
                found.append(name)
    return found


def _expression_paths(source: str, known: Collection[str]) -> list[str]:
    from podfleet.templating.env import expand
    from podfleet.templating.substitute import ARGO_FUNCTIONS, exprlang_module

    exprlang = exprlang_module()

    env = expand({k: "" for k in known})
    return [p for p in exprlang.references(source)
            if p.split(".", 1)[0] not in ARGO_FUNCTIONS and not has_var(env, p)]


__all__ = ["unresolved", "CHECKED_ROOTS", "ALWAYS_ALLOWED_PREFIXES"]
