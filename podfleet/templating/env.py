"""The environment an expression tag sees, built from Argo's flat replace map.

Argo keeps variables as flat dotted keys (`steps.a-b.outputs.result`) but expr-lang
needs nested maps, so before evaluating `{{= }}` it expands every key on its dots
(`util/expand`). When a key is also the parent of other keys (`inputs.parameters`,
the JSON list, next to `inputs.parameters.x`) the less specific one is dropped, so
`{{=inputs.parameters}}` is the map of parameters, not the JSON text. Presence
checks (`has_var`) follow Argo's `hasVarInEnv`: a present-but-None leaf counts as
present, lists are not traversed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def expand(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Nest dotted keys into dicts; a key that is a prefix of another key is dropped."""
    keys = sorted(flat)
    parents: set[str] = set()
    for key in keys:
        parts = key.split(".")
        for i in range(1, len(parts)):
            parents.add(".".join(parts[:i]))
    root: dict[str, Any] = {}
    for key in keys:
        if key in parents:
            continue
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = flat[key]
    return root


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge `extra` over `base` (both nested); `extra` wins on conflicts."""
    for key, value in extra.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            base[key] = merge(dict(current), value)
        else:
            base[key] = value
    return base


_MISSING = object()


def has_var(env: Mapping[str, Any], path: str) -> bool:
    """Whether the dotted `path` can be read from the nested `env` (None leaves count)."""
    if path in env:
        return True
    current: Any = env
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return False
        current = current.get(part, _MISSING)
        if current is _MISSING:
            return False
    return True


def walk_strings(value: Any):
    """Every string leaf of a nested env (for Argo's placeholder check)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping) and not _is_function_table(value):
        for v in value.values():
            yield from walk_strings(v)


__all__ = ["expand", "merge", "has_var", "walk_strings"]


def _is_function_table(value: Mapping[str, Any]) -> bool:
    return bool(value) and callable(next(iter(value.values())))
