"""The dumped spec of a Workflow model, and facts read off its text, kept across passes.

Dumping a 10,000-step spec to dicts and scanning its text for references costs
milliseconds; doing it on every reconcile pass made a pass O(spec) and a workflow
O(spec × passes). The runner and the operations build a new Workflow model from the stored object after
every change; a caller may also assign a spec field (`wf.spec.shutdown = "Stop"`). So
an entry is keyed by the spec object (a weak reference, it never keeps one alive) and
holds the field values it was dumped from: any field assigned since (compared by
identity, O(fields)) makes it a miss. What it cannot see is a nested value edited in
place (appending to a template's args); reconcile's callers never do that. Bounded, and
a pure cache: losing it (a restart) only costs a re-dump.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

_MAX_ENTRIES = 64


@dataclass
class SpecFacts:
    spec: dict[str, Any]
    # Facts computed from `spec` (reference scans of its templates), by the asker's key.
    derived: dict[Any, Any] = field(default_factory=dict)
    # The model's field values when it was dumped (held, so their identities stay unique).
    fields: tuple[Any, ...] = ()


def _fields(model: Any) -> tuple[Any, ...]:
    extra = getattr(model, "__pydantic_extra__", None) or {}
    return (*model.__dict__.values(), *extra.keys(), *extra.values())


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new))


class SpecMemo:
    """spec model → SpecFacts, for the models still alive, most recently used last."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: OrderedDict[int, tuple[weakref.ref[Any], SpecFacts]] = OrderedDict()
        self._max = max_entries

    def facts(self, model: Any) -> SpecFacts:
        key = id(model)
        entry = self._entries.get(key)
        fields = _fields(model)
        if entry is not None and entry[0]() is model and _same(entry[1].fields, fields):
            self._entries.move_to_end(key)
            return entry[1]
        found = SpecFacts(model.dump(), fields=fields)
        try:
            ref = weakref.ref(model, lambda _r, k=key: self._drop(k, _r))
        except TypeError:  # not weak-referenceable: no memo, a fresh dump each pass
            return found
        self._entries[key] = (ref, found)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return found

    def _drop(self, key: int, ref: Any) -> None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] is ref:
            del self._entries[key]


MEMO = SpecMemo()

__all__ = ["SpecFacts", "SpecMemo", "MEMO"]
