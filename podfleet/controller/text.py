"""The controller's one door to templating and the expression languages.

Every `{{…}}` substitution, `when` (govaluate) and `depends`/`expression` (expr-lang)
evaluation the controller does goes through these few functions, so the rest of the
controller never depends on how `podfleet.templating` / `podfleet.expressions` spell
their APIs. Scopes are flat maps the way Argo keeps them (`"steps.a.outputs.result"`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from podfleet.errors import ExpressionError, PodfleetError, TemplateError

_TAG = re.compile(r"\{\{(=?)(.*?)\}\}", re.S)


def _templating() -> Any:
    try:
        from podfleet import templating
    except ImportError:
        return None
    return templating if hasattr(templating, "substitute") else None


def _policy(lib: Any, strict: tuple[str, ...]) -> Any:
    if not strict:
        return True
    return lib.strict_prefixes([p.rstrip(".") for p in strict])


def _exprlang() -> Any:
    try:
        from podfleet.expressions import exprlang
    except ImportError as err:  # the sibling package is missing: report, never crash
        raise ExpressionError(f"expression language unavailable: {err}", expression="") from err
    return exprlang


def expr_eval(src: str, scope: Mapping[str, Any]) -> Any:
    """Evaluate expr-lang `src` over a flat scope (`steps.a.outputs.result` …) plus Argo's functions."""
    lib = _exprlang()
    return lib.evaluate(src, lib.build_env(scope))


def expr_bool(src: str, scope: Mapping[str, Any]) -> bool:
    """Like expr_eval but insists on a boolean (Argo's argoexpr.EvalBool)."""
    lib = _exprlang()
    return bool(lib.evaluate_bool(src, lib.build_env(scope)))


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    try:
        from podfleet.expressions.gocompat import format_float

        if isinstance(value, float):
            return format_float(value)
    except ImportError:
        pass
    return str(value)


def substitute(text: str, scope: Mapping[str, Any], *, strict: tuple[str, ...] = ()) -> str:
    """Replace `{{key}}` and `{{= expr}}` tags from `scope`.

    Unknown simple tags are left as they are, unless they start with one of `strict`'s
    prefixes (e.g. `steps.`, `tasks.`): those raise TemplateError, as Argo's ReplaceStrict.
    """
    if "{{" not in text:
        return text
    lib = _templating()
    if lib is not None:
        return lib.substitute(text, scope, allow_unresolved=_policy(lib, strict))  # type: ignore[no-any-return]

    def replace(match: re.Match[str]) -> str:
        is_expr, body = match.group(1), match.group(2).strip()
        if is_expr:
            try:
                return _to_text(expr_eval(body, scope))
            except (ImportError, PodfleetError):
                if any(p in body for p in strict):
                    raise
                return match.group(0)
        if body in scope:
            return _to_text(scope[body])
        if strict and body.startswith(strict):
            raise TemplateError(f"failed to resolve {{{{{body}}}}}")
        return match.group(0)

    return _TAG.sub(replace, text)


def substitute_object(obj: Any, scope: Mapping[str, Any], *, strict: tuple[str, ...] = ()) -> Any:
    """Substitute every string inside a JSON-like object (keys too, as Argo's JSON round trip does)."""
    lib = _templating()
    if lib is not None:
        return lib.substitute_object(obj, scope, allow_unresolved=_policy(lib, strict))
    if isinstance(obj, str):
        return substitute(obj, scope, strict=strict) if "{{" in obj else obj
    if isinstance(obj, list):
        return [substitute_object(v, scope, strict=strict) for v in obj]
    if isinstance(obj, dict):
        return {
            (substitute(k, scope, strict=strict) if "{{" in k else k): substitute_object(v, scope, strict=strict)
            for k, v in obj.items()
        }
    return obj


def unresolved_tags(obj: Any) -> list[str]:
    """Every `{{…}}` tag still in `obj` (used to report `failed to resolve {{…}}`)."""
    found: list[str] = []
    if isinstance(obj, str):
        found.extend(m.group(0) for m in _TAG.finditer(obj))
    elif isinstance(obj, list):
        for v in obj:
            found.extend(unresolved_tags(v))
    elif isinstance(obj, dict):
        for v in obj.values():
            found.extend(unresolved_tags(v))
    return found


_SIMPLE_WHEN = re.compile(r"^\s*(.*?)\s*(==|!=)\s*(.*?)\s*$")


def evaluate_when(expression: str) -> bool:
    """A substituted `when`, evaluated as Argo does (govaluate, bare words are strings)."""
    try:
        from podfleet.expressions import govaluate
    except ImportError:
        govaluate = None  # type: ignore[assignment]
    if govaluate is not None and hasattr(govaluate, "evaluate_when"):
        return bool(govaluate.evaluate_when(expression))
    return _fallback_when(expression)


def _fallback_when(expression: str) -> bool:
    text = expression.strip()
    for op in ("||", "&&"):
        if op in text:
            parts = [_fallback_when(p) for p in text.split(op)]
            return any(parts) if op == "||" else all(parts)
    if text in ("true", "false"):
        return text == "true"
    match = _SIMPLE_WHEN.match(text)
    if not match:
        raise ExpressionError("cannot evaluate", expression=expression)
    left, op, right = (s.strip().strip("'\"") for s in match.groups())
    return (left == right) if op == "==" else (left != right)


__all__ = ["substitute", "substitute_object", "unresolved_tags", "evaluate_when", "expr_bool", "expr_eval"]
