"""Argo-style field paths (`spec.templates[0].steps[0][1].name`): built from pydantic's
error locations, parsed back, and located in the YAML node tree to give a line number.

pydantic's `loc` also contains union member tags (`('spec', 'parallelism', 'int')`);
walking the raw document along the loc keeps only the steps that exist in it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError

_SIMPLE_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")

# What a pydantic error type says was expected, in a user's words.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number",
    "bool_type": "a boolean (true or false)", "bool_parsing": "a boolean (true or false)",
    "list_type": "a list", "tuple_type": "a list",
    "dict_type": "a mapping (key: value)", "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}


def format_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


_TOKEN = re.compile(r"""\[(\d+)\]|\[(['"])(.*?)\2\]|\.?([^.\[\]]+)""")


def parse_path(path: str) -> list[str | int]:
    """`spec.templates[0].name` → ['spec', 'templates', 0, 'name']."""
    parts: list[str | int] = []
    for m in _TOKEN.finditer(path):
        if m.group(1) is not None:
            parts.append(int(m.group(1)))
        elif m.group(3) is not None:
            parts.append(m.group(3))
        elif m.group(4) is not None:
            parts.append(m.group(4))
    return parts


def _walk_loc(raw: Any, loc: tuple[str | int, ...], missing: bool) -> tuple[list[str | int], Any]:
    parts: list[str | int] = []
    cur = raw
    for i, elem in enumerate(loc):
        if isinstance(cur, dict) and isinstance(elem, str) and elem in cur:
            parts.append(elem)
            cur = cur[elem]
        elif isinstance(cur, list) and isinstance(elem, int) and 0 <= elem < len(cur):
            parts.append(elem)
            cur = cur[elem]
        elif missing and i == len(loc) - 1 and isinstance(cur, dict) and isinstance(elem, str):
            parts.append(elem)
            cur = None
        # else: a union member tag or a validator name, not part of the document.
    return parts, cur


def _describe_input(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "the boolean " + ("true" if value else "false")
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {text!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def describe_errors(exc: ValidationError, raw: Any) -> list[tuple[str, str]]:
    """(field_path, message) for every problem, union alternatives merged into one."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        parts, _ = _walk_loc(raw, tuple(err["loc"]), err["type"] == "missing")
        grouped.setdefault(format_path(parts), []).append(err)
    problems: list[tuple[str, str]] = []
    for path, errs in grouped.items():
        problems.append((path, _message(errs)))
    return problems


def _message(errs: list[dict[str, Any]]) -> str:
    first = errs[0]
    if first["type"] == "missing":
        return "required field is missing"
    if first["type"] == "enum":
        expected = (first.get("ctx") or {}).get("expected", "")
        return f"expected one of {expected}, got {_describe_input(first.get('input'))}"
    if first["type"] == "literal_error":
        expected = (first.get("ctx") or {}).get("expected", "")
        return f"expected {expected}, got {_describe_input(first.get('input'))}"
    expected: list[str] = []
    for err in errs:
        what = _EXPECTED.get(err["type"])
        if what is None:
            return str(err.get("msg", "invalid value"))
        if what not in expected:
            expected.append(what)
    return f"expected {' or '.join(expected)}, got {_describe_input(first.get('input'))}"


def line_of_path(node: yaml.Node, path: str) -> int | None:
    """1-based line of the deepest part of `path` present under `node`."""
    cur: yaml.Node = node
    line = cur.start_mark.line + 1
    for part in parse_path(path):
        nxt: yaml.Node | None = None
        if isinstance(cur, yaml.MappingNode) and isinstance(part, str):
            for key, value in cur.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    line = key.start_mark.line + 1
                    nxt = value
                    break
        elif isinstance(cur, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(cur.value):
            nxt = cur.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        cur = nxt
    return line


__all__ = ["format_path", "parse_path", "describe_errors", "line_of_path"]
