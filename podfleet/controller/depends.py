"""DAG `depends` / `dependencies`: which tasks a task waits for and whether it then runs.

Argo's ancestry.go: a bare `A` means `(A.Succeeded || A.Skipped || A.Daemoned)` plus
`A.Errored`/`A.Failed` when A has `continueOn`; legacy `dependencies: [A, B]` is `A && B`.
The expression is a small boolean language (`&&`, `||`, `!`, parentheses, `A.Result`),
evaluated here directly, the way Argo's expr-lang evaluation of it behaves.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from podfleet.errors import ExpressionError

_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")
RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed")


def expand_dependency(name: str, task: dict[str, Any] | None) -> str:
    parts = [f"{name}.Succeeded", f"{name}.Skipped", f"{name}.Daemoned"]
    rule = (task or {}).get("continueOn") or {}
    if rule.get("error"):
        parts.append(f"{name}.Errored")
    if rule.get("failed"):
        parts.append(f"{name}.Failed")
    return "(" + " || ".join(parts) + ")"


def dependencies(task: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> tuple[list[str], str]:
    """(names of the tasks `task` depends on, its fully expanded depends logic)."""
    depends = task.get("depends") or ""
    if not depends:
        deps = task.get("dependencies") or []
        logic = " && ".join(expand_dependency(d, tasks.get(d)) for d in deps)
        return list(dict.fromkeys(deps)), logic
    names: dict[str, None] = {}
    pieces: list[str] = []
    pos = 0
    for match in _NAME.finditer(depends):
        if match.group(1):
            names.setdefault(match.group(1).split(".")[0], None)
            continue
        bare = match.group(2)
        names.setdefault(bare, None)
        pieces.append(depends[pos:match.start()])
        pieces.append(expand_dependency(bare, tasks.get(bare)))
        pos = match.end()
    pieces.append(depends[pos:])
    return list(names), "".join(pieces)


_TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||!|[A-Za-z0-9_][-A-Za-z0-9_]*(?:\.[A-Za-z]+)?)")


def evaluate(logic: str, lookup: Callable[[str, str], bool]) -> bool:
    """Evaluate expanded depends logic; `lookup(task, result)` answers `task.Result`."""
    tokens: list[str] = []
    pos = 0
    text = logic.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExpressionError("unexpected character", expression=logic, position=pos)
        tokens.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    i = 0

    def peek() -> str | None:
        return tokens[i] if i < len(tokens) else None

    def take() -> str:
        nonlocal i
        if i >= len(tokens):
            raise ExpressionError("unexpected end", expression=logic)
        i += 1
        return tokens[i - 1]

    def parse_or() -> bool:
        value = parse_and()
        while peek() in ("||", "or"):
            take()
            right = parse_and()
            value = value or right
        return value

    def parse_and() -> bool:
        value = parse_not()
        while peek() in ("&&", "and"):
            take()
            right = parse_not()
            value = value and right
        return value

    def parse_not() -> bool:
        if peek() in ("!", "not"):
            take()
            return not parse_not()
        return parse_atom()

    def parse_atom() -> bool:
        tok = take()
        if tok == "(":
            value = parse_or()
            if take() != ")":
                raise ExpressionError("expected ')'", expression=logic)
            return value
        if tok in ("true", "false"):
            return tok == "true"
        if "." not in tok:
            raise ExpressionError(f"unknown name {tok}", expression=logic)
        name, result = tok.rsplit(".", 1)
        if result not in RESULTS:
            raise ExpressionError(f"task result '{result}' for task '{name}' is invalid", expression=logic)
        return lookup(name, result)

    value = parse_or()
    if i != len(tokens):
        raise ExpressionError("unexpected token", expression=logic)
    return value


__all__ = ["dependencies", "evaluate", "expand_dependency", "RESULTS"]
