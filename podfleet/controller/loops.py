"""withItems / withParam / withSequence: one step or task becomes many (Argo's expandStep/expandTask).

Expanded nodes are named `name(index:item)` exactly as Argo names them (parentheses
stripped from the item text, maps as sorted `key:value` pairs). Names are computed
without substituting anything, so children that already exist are recognised cheaply;
only a child about to start gets its `{{item}}` substituted.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podfleet.controller.text import evaluate_when, substitute_object
from podfleet.errors import InvalidError, PodfleetError


@dataclass(frozen=True)
class Expanded:
    name: str
    index: int
    item: Any


def should_expand(holder: dict[str, Any]) -> bool:
    return bool(holder.get("withItems")) or bool(holder.get("withParam")) or holder.get("withSequence") is not None


def _go_text(value: Any) -> str:
    """fmt.Sprint of an Argo Item: strings bare, numbers/bools as JSON, lists `[a b]`, maps JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value == int(value) and abs(value) < 1e21 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + " ".join(_go_text(v) for v in value) + "]"
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def item_name(name: str, index: int, item: Any) -> str:
    if isinstance(item, dict):
        desc = ",".join(sorted(f"{k}:{_go_text(v)}" for k, v in item.items()))
    else:
        desc = _go_text(item)
    desc = desc.replace("(", "").replace(")", "")
    return f"{name}({index}:{desc})"


def _when_allows_error(when: str | None) -> bool:
    """Argo tolerates a bad loop source when `when` says the step would not run anyway."""
    if not when:
        return False
    try:
        return not evaluate_when(when)
    except PodfleetError:
        return False


def sequence(seq: dict[str, Any]) -> list[str]:
    def num(key: str) -> int | None:
        value = seq.get(key)
        if value is None:
            return None
        try:
            return int(str(value).strip())
        except ValueError as err:
            raise InvalidError(f'strconv.Atoi: parsing "{value}": invalid syntax') from err

    start = num("start") or 0
    end = num("end")
    if end is None:
        count = num("count")
        if count is None:
            raise InvalidError("neither end nor count was specified in withSequence")
        if count == 0:
            return []
        end = start + count - 1
    fmt = seq.get("format") or "%d"
    step = 1 if start <= end else -1
    return [_printf(fmt, i) for i in range(start, end + step, step)]


def _printf(fmt: str, value: int) -> str:
    try:
        return fmt % value
    except (TypeError, ValueError):
        return fmt.replace("%d", str(value))


def items_of(holder: dict[str, Any]) -> list[Any]:
    if holder.get("withItems"):
        return list(holder["withItems"])
    if holder.get("withParam"):
        text = holder["withParam"]
        try:
            items = json.loads(text) if isinstance(text, str) else text
        except ValueError as err:
            if _when_allows_error(holder.get("when")):
                return []
            raise InvalidError(f"withParam value could not be parsed as a JSON list: {str(text).strip()}: {err}") from err
        if not isinstance(items, list):
            if _when_allows_error(holder.get("when")):
                return []
            raise InvalidError(f"withParam value could not be parsed as a JSON list: {str(text).strip()}")
        return items
    if holder.get("withSequence") is not None:
        try:
            return list(sequence(holder["withSequence"]))
        except InvalidError:
            if _when_allows_error(holder.get("when")):
                return []
            raise
    return []


def expand_names(holder: dict[str, Any]) -> list[Expanded]:
    base = holder.get("name", "")
    return [Expanded(item_name(base, i, item), i, item) for i, item in enumerate(items_of(holder))]


class ExpansionMemo:
    """Loop expansions (children's names and node ids) kept across reconcile passes.

    A 10,000-item loop used to be re-expanded, its names re-formatted and re-hashed, on
    every pass. The key is everything the result is computed from — workflow name, parent
    node name, the step's name and `when`, and the resolved loop source as JSON — so an
    entry is a pure memo: a restarted controller recomputes the same thing. Bounded, least
    recently used dropped first.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple[str, ...], list[tuple[Expanded, str, str]]] = OrderedDict()
        self._max = max_entries

    def expand(self, holder: dict[str, Any], parent: str, node_id: Callable[[str], str],
               workflow: str) -> list[tuple[Expanded, str, str]]:
        """[(expansion, child node name, child node id)] for `holder` under `parent`."""
        try:
            source = json.dumps([holder.get("withItems"), holder.get("withParam"), holder.get("withSequence")],
                                sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            source = None
        key = (workflow, parent, str(holder.get("name", "")), str(holder.get("when") or ""), source or "")
        found = self._entries.get(key) if source is not None else None
        if found is not None:
            self._entries.move_to_end(key)
            return found
        found = []
        for exp in expand_names(holder):
            child = f"{parent}.{exp.name}"
            found.append((exp, child, node_id(child)))
        if source is not None:
            self._entries[key] = found
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return found


EXPANSIONS = ExpansionMemo()


def item_scope(item: Any) -> dict[str, str]:
    if isinstance(item, dict):
        scope = {f"item.{k}": _go_text(v) for k, v in item.items()}
        scope["item"] = json.dumps(item, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        return scope
    if isinstance(item, list):
        return {"item": json.dumps(item, separators=(",", ":"), ensure_ascii=False)}
    if item is None or not isinstance(item, (str, int, float, bool)):
        raise InvalidError(f"withItems expected string, number, list, or map. received: {item!r}")
    return {"item": _go_text(item)}


def materialise(holder: dict[str, Any], exp: Expanded, scope: dict[str, str]) -> dict[str, Any]:
    """The step/task for one item: `{{item}}` substituted, name set to the expanded name."""
    body = {k: v for k, v in holder.items() if k not in ("withItems", "withParam", "withSequence", "name", "hooks")}
    body = substitute_object(body, {**scope, **item_scope(exp.item)})
    body["name"] = exp.name
    if holder.get("hooks"):
        body["hooks"] = holder["hooks"]
    body["template"] = holder.get("template")
    if body["template"] is None:
        body.pop("template")
    return body  # type: ignore[no-any-return]


__all__ = ["should_expand", "expand_names", "ExpansionMemo", "EXPANSIONS", "materialise", "item_name", "sequence", "items_of", "Expanded"]
