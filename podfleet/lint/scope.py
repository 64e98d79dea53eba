"""Which `{{variables}}` a string may use where it stands.

Mirrors Argo's validator (workflow/validate: resolveAllVariables, addItemsToScope,
addOutputsToScope) but is built for linear time: the global and per-template names are
sets built once, and references to other steps/tasks are answered by looking the
step/task up (`Flow`) instead of copying a growing scope map for every step, which is
what makes Argo's validator quadratic on very wide workflows.

Only tags under Argo's checked roots (`item`, `steps.`, `tasks.`, `inputs.`,
`outputs.`, `pod.`, `workflow.`) are judged; anything else (`{{retries}}`,
`{{lastRetry.*}}`, `{{cronworkflow.*}}`, user text) is left alone, as Argo does.
Expression tags (`{{= }}`) are only syntax-checked, as Argo does not resolve them either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

_CHECKED_ROOTS = ("item.", "steps.", "tasks.", "inputs.", "outputs.", "pod.", "workflow.")
# Argo lets these through whatever follows (runtime-only values).
_ALWAYS_OK_PREFIXES = (
    "outputs.", "workflow.creationTimestamp", "workflow.scheduledTime", "workflow.duration",
    "tasks.name", "steps.name", "node.name",
)


@dataclass
class Items:
    """What `{{item...}}` may be inside one looping step/task."""

    scalar: bool = False  # `{{item}}`
    any_key: bool = False  # withParam: any `{{item.x}}` (the JSON is only known at run time)
    keys: set[str] = field(default_factory=set)  # withItems of maps: `{{item.<key>}}`

    def allows(self, tag: str) -> bool:
        if tag == "item":  # the whole item (a map renders as JSON), whatever its type
            return True
        key = tag[len("item."):]
        return self.any_key or key in self.keys


@dataclass
class Scope:
    """Names visible in one template: globals of the workflow plus the template's own."""

    names: set[str]
    globals: set[str]
    any_workflow_parameter: bool = False  # a WorkflowTemplate linted alone gets them from its Workflow
    any_output_parameter: bool = False  # a globalName that is itself a parameter
    any_output_artifact: bool = False


# A resolver for `steps.X...`/`tasks.X...` tags: returns None when fine, else the reason.
NodeResolver = Callable[[str, str, str], "str | None"]


def judge(tag: str, scope: Scope, items: Items | None, nodes: NodeResolver | None) -> str | None:
    """None when `{{tag}}` resolves here, else the error message."""
    if tag == "item":
        if items is not None and items.allows(tag):
            return None
        return _fail(tag, "'item' is only defined inside withItems/withParam/withSequence")
    if not tag.startswith(_CHECKED_ROOTS):
        return None
    if tag in scope.names or tag in scope.globals:
        return None
    if tag.startswith("item."):
        if items is not None and items.allows(tag):
            return None
        if items is None:
            return _fail(tag, "'item' is only defined inside withItems/withParam/withSequence")
        return _fail(tag, f"the loop items have no key '{tag[5:]}'")
    if tag.startswith(_ALWAYS_OK_PREFIXES):
        return None
    if tag.startswith("workflow."):
        if scope.any_workflow_parameter and tag.startswith("workflow.parameters"):
            return None
        if scope.any_output_parameter and tag.startswith("workflow.outputs.parameters."):
            return None
        if scope.any_output_artifact and tag.startswith("workflow.outputs.artifacts."):
            return None
        if tag.startswith("workflow.parameters."):
            return _fail(tag, f"workflow parameter '{tag[len('workflow.parameters.'):]}' is not declared"
                              " in spec.arguments.parameters")
        return _fail(tag, "unknown workflow variable")
    if tag.startswith(("steps.", "tasks.")):
        root, _, rest = tag.partition(".")
        node, _, fieldname = rest.partition(".")
        if nodes is None:
            what = "steps" if root == "steps" else "dag tasks"
            return _fail(tag, f"'{root}.' variables are only defined inside {what}")
        reason = nodes(root, node, fieldname)
        return None if reason is None else _fail(tag, reason)
    if tag.startswith("inputs."):
        return _fail(tag, "no such input is declared in this template's inputs")
    if tag.startswith("pod."):
        return _fail(tag, "'pod.name' is only defined in templates that run a pod")
    return _fail(tag, "")


def _fail(tag: str, reason: str) -> str:
    return f"failed to resolve {{{{{tag}}}}}" + (f": {reason}" if reason else "")


def output_field_problem(fieldname: str, outputs: "NodeOutputs | None", aggregate: bool) -> str | None:
    """Is `outputs.result`, `outputs.parameters.Y`, `ip`, … available from a node of this template?"""
    if fieldname in ("status", "id", "startedAt", "finishedAt", "hostNodeName"):
        return None
    if outputs is None:  # template not known offline (dynamic templateRef): give it the benefit of the doubt
        return None
    if fieldname == "ip":
        return None if outputs.daemon else "'ip' is only set for daemon templates (daemon: true)"
    if fieldname in ("outputs.result", "exitCode"):
        if outputs.has_result or (aggregate and outputs.aggregates_result):
            return None
        return f"template '{outputs.template}' produces no outputs.result (only container, script, " \
               "containerSet, http, data and plugin templates do)"
    if fieldname == "outputs.parameters":
        return None if aggregate else "aggregated 'outputs.parameters' only exists for withItems/withParam loops"
    if fieldname.startswith("outputs.parameters."):
        name = fieldname[len("outputs.parameters."):]
        return None if name in outputs.parameters else \
            f"template '{outputs.template}' declares no output parameter '{name}'"
    if fieldname.startswith("outputs.artifacts."):
        name = fieldname[len("outputs.artifacts."):]
        return None if name in outputs.artifacts else \
            f"template '{outputs.template}' declares no output artifact '{name}'"
    return f"unknown field '{fieldname}'"


@dataclass
class NodeOutputs:
    """What a step/task running `template` exposes to later steps/tasks."""

    template: str
    has_result: bool
    aggregates_result: bool  # script/containerSet loops aggregate outputs.result too
    daemon: bool
    parameters: frozenset[str]
    artifacts: frozenset[str]


__all__ = ["Items", "Scope", "judge", "NodeOutputs", "output_field_problem", "NodeResolver"]
