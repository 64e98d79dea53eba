"""The functions Argo adds to every expr environment (util/expr/env): asInt, asFloat, toJson, jsonpath, sprig.

`build_env` is the one place that turns Argo's flat scope
(`{"inputs.parameters.x": "1", "steps.a.outputs.result": "heads"}`) into the nested
environment expressions read (`inputs.parameters.x`, `steps['a'].outputs.result`),
the way Argo's expand.Expand does before compiling an expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from podfleet.expressions.exprlang.builtins import FUNCTIONS
from podfleet.expressions.exprlang.sprig import SPRIG
from podfleet.expressions.exprlang.values import ExprRuntimeError, type_name
from podfleet.expressions.gocompat import from_json, to_json


def to_json_compact(value: Any) -> str:
    """Argo's toJson: Go json.Marshal, compact, keys sorted, HTML characters escaped."""
    try:
        return to_json(value)
    except ValueError as exc:
        raise ExprRuntimeError(str(exc)) from None


def jsonpath(json_text: Any, path: Any) -> Any:
    """Query a JSON document with a JSONPath subset: `$`, `.a`, `['a']`, `[0]`, `[-1]`, `[*]`, `.*`, `..a`, `[1:3]`.

    A path that can only match one value returns it; a path with `*`, `..` or a
    slice returns the list of matches, as evilmonkeyinc/jsonpath (Argo's) does.
    """
    if not isinstance(json_text, str) or not isinstance(path, str):
        raise ExprRuntimeError(f"jsonpath wants (string, string), got ({type_name(json_text)}, {type_name(path)})")
    try:
        document = from_json(json_text)
    except ValueError as exc:
        raise ExprRuntimeError(f"invalid JSON: {exc}") from None
    steps = _parse_path(path)
    values, definite = [document], True
    for kind, arg in steps:
        if kind in ("wild", "deep", "slice", "filter"):
            definite = False
        values = _step(values, kind, arg, definite)
    if definite:
        if not values:
            raise ExprRuntimeError(f"jsonpath {path!r}: key not found")
        return values[0]
    return values


_STEP = re.compile(r"""\.\.(?P<deep>[A-Za-z_$][\w$-]*|\*)
    |\.(?P<name>[A-Za-z_$][\w$-]*|\*)
    |\[\s*(?:(?P<q>'[^']*'|"[^"]*")|(?P<idx>-?\d+)|(?P<star>\*)|(?P<sl>-?\d*\s*:\s*-?\d*))\s*\]""", re.X)


def _parse_path(path: str) -> list[tuple[str, Any]]:
    text = path.strip()
    if not text.startswith("$"):
        raise ExprRuntimeError(f"jsonpath {path!r}: must start with $")
    pos, steps = 1, []
    while pos < len(text):
        if text.startswith("[?(", pos):
            end = _filter_end(text, pos + 3)
            if end < 0:
                raise ExprRuntimeError(f"jsonpath {path!r}: unclosed filter at position {pos}")
            steps.append(("filter", text[pos + 3:end].replace("@", "#")))
            pos = end + 2
            continue
        m = _STEP.match(text, pos)
        if m is None:
            raise ExprRuntimeError(f"jsonpath {path!r}: invalid syntax at position {pos}")
        if m.group("deep"):
            steps.append(("deep", m.group("deep")))
        elif m.group("name"):
            steps.append(("wild", None) if m.group("name") == "*" else ("key", m.group("name")))
        elif m.group("q"):
            steps.append(("key", m.group("q")[1:-1]))
        elif m.group("idx"):
            steps.append(("index", int(m.group("idx"))))
        elif m.group("star"):
            steps.append(("wild", None))
        else:
            a, _, b = m.group("sl").partition(":")
            steps.append(("slice", (int(a) if a.strip() else None, int(b) if b.strip() else None)))
        pos = m.end()
    return steps


def _filter_end(text: str, start: int) -> int:
    """Index of the `)` closing a `[?(` filter (followed by `]`), or -1."""
    depth, quote = 1, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i if text.startswith(")]", i) else -1
    return -1


def _run_filter(items: list[Any], condition: str) -> list[Any]:
    # The filter body is expr syntax once `@` is `#`: `#.age > 42 && #.name == "x"`.
    from podfleet.expressions.exprlang.evaluator import Evaluator
    from podfleet.expressions.exprlang.parser import parse

    source = f"filter(__jsonpath_items__, {condition})"
    return list(Evaluator(source, {"__jsonpath_items__": items}).run(parse(source)))


def _step(values: list[Any], kind: str, arg: Any, definite: bool) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if kind == "filter":
            items = list(v.values()) if isinstance(v, Mapping) else v if isinstance(v, list) else []
            out.extend(_run_filter(items, arg))
        elif kind == "key":
            if isinstance(v, Mapping) and arg in v:
                out.append(v[arg])
            elif definite:
                raise ExprRuntimeError(f"jsonpath: key {arg!r} not found")
        elif kind == "index":
            if isinstance(v, list) and -len(v) <= arg < len(v):
                out.append(v[arg])
            elif definite:
                raise ExprRuntimeError(f"jsonpath: index {arg} out of range")
        elif kind == "wild":
            out.extend(v.values() if isinstance(v, Mapping) else v if isinstance(v, list) else [])
        elif kind == "slice":
            if isinstance(v, list):
                out.extend(v[arg[0]:arg[1]])
        else:  # deep scan
            out.extend(_deep(v, arg))
    return out


def _deep(v: Any, name: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(v, Mapping):
        if name == "*":
            found.extend(v.values())
        elif name in v:
            found.append(v[name])
        for child in v.values():
            found.extend(_deep(child, name))
    elif isinstance(v, list):
        if name == "*":
            found.extend(v)
        for child in v:
            found.extend(_deep(child, name))
    return found


ARGO_FUNCTIONS: dict[str, Any] = {
    "asInt": FUNCTIONS["int"],
    "asFloat": FUNCTIONS["float"],
    "jsonpath": jsonpath,
    "toJson": to_json_compact,
    "sprig": SPRIG,
}


def expand(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Nest dotted keys: {"a.b.c": 1} -> {"a": {"b": {"c": 1}}}.

    When a key is both a value and a prefix of others (`steps.a.outputs` and
    `steps.a.outputs.result`), the nested map wins so deeper paths stay reachable.
    """
    result: dict[str, Any] = {}
    for key in sorted(flat, key=lambda k: k.count(".")):
        value = flat[key]
        parts = key.split(".")
        node = result
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        leaf = parts[-1]
        if isinstance(node.get(leaf), dict) and not isinstance(value, Mapping):
            continue
        if isinstance(value, Mapping) and isinstance(node.get(leaf), dict):
            node[leaf].update(value)
        else:
            node[leaf] = dict(value) if isinstance(value, Mapping) else value
    return result


def build_env(scope: Mapping[str, Any]) -> dict[str, Any]:
    """Argo's env.GetFuncMap: the expanded scope plus asInt, asFloat, jsonpath, toJson and sprig."""
    env = expand(scope)
    env.update(ARGO_FUNCTIONS)
    return env
