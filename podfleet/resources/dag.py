"""A `dag` template: tasks that run when their dependencies (`depends` expression or the
legacy `dependencies` list) are satisfied; `target` limits which tasks run, `failFast`
(default true in Argo) stops scheduling new tasks once one has failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podfleet.resources.base import ArgoModel, Bool, Str
from podfleet.resources.common import ContinueOn, LifecycleHook, Sequence, TemplateRef
from podfleet.resources.parameters import Arguments

if TYPE_CHECKING:
    from podfleet.resources.template import Template


class DAGTask(ArgoModel):
    name: Str
    template: Str | None = None
    inline: Template | None = None
    arguments: Arguments | None = None
    template_ref: TemplateRef | None = None
    dependencies: list[Str] | None = None
    with_items: list[Any] | None = None
    with_param: Str | None = None
    with_sequence: Sequence | None = None
    when: Str | None = None
    continue_on: ContinueOn | None = None
    on_exit: Str | None = None
    depends: Str | None = None
    hooks: dict[str, LifecycleHook] | None = None

    def has_loop(self) -> bool:
        return self.with_items is not None or self.with_param is not None or self.with_sequence is not None


class DAGTemplate(ArgoModel):
    target: Str | None = None
    tasks: list[DAGTask]
    fail_fast: Bool | None = None

    def task(self, name: str) -> DAGTask | None:
        return next((t for t in self.tasks if t.name == name), None)

    def fail_fast_effective(self) -> bool:
        """Argo's default is to fail fast."""
        return True if self.fail_fast is None else self.fail_fast


__all__ = ["DAGTask", "DAGTemplate"]
