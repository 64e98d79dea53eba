"""A step of a `steps` template: `steps` is a list of groups run one after another, and
the steps inside one group run in parallel (`spec.templates[i].steps[group][step]`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podfleet.resources.base import ArgoModel, Str
from podfleet.resources.common import ContinueOn, LifecycleHook, Sequence, TemplateRef
from podfleet.resources.parameters import Arguments

if TYPE_CHECKING:
    from podfleet.resources.template import Template


class WorkflowStep(ArgoModel):
    name: Str | None = None
    template: Str | None = None
    inline: Template | None = None
    arguments: Arguments | None = None
    template_ref: TemplateRef | None = None
    # Items are any JSON value: scalars render as `{{item}}`, maps as `{{item.field}}`.
    with_items: list[Any] | None = None
    with_param: Str | None = None
    with_sequence: Sequence | None = None
    when: Str | None = None
    continue_on: ContinueOn | None = None
    on_exit: Str | None = None
    hooks: dict[str, LifecycleHook] | None = None

    def has_loop(self) -> bool:
        return self.with_items is not None or self.with_param is not None or self.with_sequence is not None


# The `steps` field: groups run sequentially, the steps of a group in parallel.
ParallelSteps = list[WorkflowStep]

__all__ = ["WorkflowStep", "ParallelSteps"]
