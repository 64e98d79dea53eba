"""Replacing `{{ }}` tags with values, with Argo's exact rules.

Argo substitutes the JSON text of a whole template: values go in through
`strconv.Quote`, the text is JSON-decoded again, and a tag it cannot resolve is
either an error (`failed to resolve {{steps.x.outputs.result}}`) or left verbatim
for a later pass. `substitute` works on one string with the same observable result
(a value Go would quote with an escape JSON rejects — `\\a`, `\\x7f` — fails the same
way); `substitute_object` really goes through JSON so a tag in a dict key or one
spanning two strings behaves as in Argo.

`allow_unresolved` says which missing variables may stay verbatim: False (Argo's
`Replace(..., false)`: none), True (`Replace(..., true)`: all), or a predicate on
the variable name (`ReplaceStrict`: the predicate returns True for names that may
stay; see `strict_prefixes`). A None value in the scope is Argo's "absent
optional" (a skipped node's output): a simple tag naming it is always an error,
an expression sees `nil` so `??` works.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from podfleet.errors import ExpressionError, PodfleetError, TemplateError
from podfleet.templating import gojson
from podfleet.templating.identifiers import identifiers
from podfleet.templating.env import expand, has_var, merge, walk_strings
from podfleet.templating.tags import EXPRESSION, SIMPLE, Tag, parse

Scope = Mapping[str, "str | None"]

PLACEHOLDER_PREFIX = "__argo__internal__placeholder-"
"""Values starting with this are stand-ins (lint); an expression over them may fail quietly."""

# Variables bound only late (inside a loop, a retry, an exit handler): an expression
# reading one that is not there yet is left for a later pass rather than evaluated.
LATE_BINDING = frozenset({
    "item", "retries", "lastRetry.exitCode", "lastRetry.status", "lastRetry.duration",
    "lastRetry.message", "workflow.status", "workflow.failures",
})

# Functions Argo adds to the expression environment; reading them is never "missing".
ARGO_FUNCTIONS = frozenset({"asInt", "asFloat", "jsonpath", "toJson", "sprig"})

# What strconv.Quote writes that JSON cannot read back: Argo then fails the substitution.
_JSON_INVALID_QUOTE = re.compile(r"[\x00-\x07\x0b\x0e-\x1f\x7f]")
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


class MissingVariableError(TemplateError):
    """A tag names a variable that is not (yet) in scope; `variable` is its name.

    Argo requeues on these (`IsMissingVariableErr`) where a later pass may resolve them.
    """

    def __init__(self, message: str, *, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


@dataclass(frozen=True)
class Reference:
    """A variable a string reads: `name` is the dotted path; `tag` is the tag it is in."""

    name: str
    tag: Tag


def strict_prefixes(prefixes: Collection[str], *, allow_artifacts: bool = True) -> Callable[[str], bool]:
    """Argo's `ReplaceStrict(prefixes)` as an `allow_unresolved` predicate.

    Names under a strict prefix (`steps` matches `steps.a` but not `stepsX`) must resolve,
    except `*.outputs.artifacts.*`, resolved later by artifact handling; others may stay.
    """
    pattern = re.compile(r"^(" + "|".join(re.escape(p) for p in prefixes) + r")(\.|$)") if prefixes else None

    def allowed(name: str) -> bool:
        if pattern is None or not pattern.match(name):
            return True
        return allow_artifacts and ".outputs.artifacts." in name

    return allowed


def _may_stay(allow_unresolved: bool | Callable[[str], bool], name: str) -> bool:
    if isinstance(allow_unresolved, bool):
        return allow_unresolved
    return bool(allow_unresolved(name))


def exprlang_module() -> Any:
    """podfleet's expr-lang, imported late (a sibling package; avoids an import cycle)."""
    try:
        from podfleet.expressions import exprlang
    except ImportError as exc:  # pragma: no cover - only while the package is incomplete
        raise TemplateError(f"expression tags ({{{{= }}}}) are unavailable: {exc}") from exc
    if not (hasattr(exprlang, "evaluate") and hasattr(exprlang, "references")):
        raise TemplateError("expression tags ({{= }}) are unavailable: expr-lang is not installed")
    return exprlang


class _Renderer:
    """One substitution call: scope, policy and the lazily built expression env."""

    def __init__(self, scope: Scope, allow_unresolved: bool | Callable[[str], bool],
                 env: Mapping[str, Any] | None, json_mode: bool) -> None:
        self.scope = scope
        self.allow = allow_unresolved
        self.extra_env = env
        self.json_mode = json_mode
        self._env: dict[str, Any] | None = None
        self._allow_failure: bool | None = None

    # -- value encoding: in JSON mode the output is JSON text, else plain text --
    def _put_string(self, value: str) -> str:
        if self.json_mode:
            return gojson.go_quote(value)[1:-1]
        if _JSON_INVALID_QUOTE.search(value) or (
                _NON_BMP.search(value) and not all(c.isprintable() for c in _NON_BMP.findall(value))):
            raise TemplateError("cannot finish template replacement because the result was invalid JSON")
        return value

    def _verbatim(self, tag: Tag) -> str:
        return tag.text

    def render(self, text: str) -> str:
        parsed = parse(text)
        if not parsed.tags:
            return text
        out = [parsed.texts[0]]
        for tag, after in zip(parsed.tags, parsed.texts[1:]):
            out.append(self._expression(tag) if tag.kind == EXPRESSION else self._simple(tag))
            out.append(after)
        return "".join(out)

    def _simple(self, tag: Tag) -> str:
        name = tag.expression
        if name in self.scope:
            value = self.scope[name]
            if value is None:
                raise TemplateError(f"unable to substitute {{{{{tag.raw}}}}}: output is an absent optional "
                                    "(skipped/omitted node with no default)")
            if not isinstance(value, str):
                raise TemplateError(f"failed to resolve {{{{{tag.raw}}}}} to string")
            return self._put_string(value)
        index = tag.raw.rfind("{{")
        if index > 0:
            # `{{a.{{b}}}}`: fasttemplate saw the tag `a.{{b`; Argo resolves the inner `b`
            # and writes `{{a.<value>` so a later pass can resolve the outer tag.
            inner = tag.raw[index + 2:]
            if inner in self.scope:
                inner_value = self.scope[inner]
                if inner_value is None:
                    raise TemplateError(f"unable to substitute nested tag {{{{{tag.raw}}}}}: "
                                        f"{inner!r} is an absent optional")
                if isinstance(inner_value, str):
                    return "{{" + tag.raw[:index] + self._put_string(inner_value)
        if _may_stay(self.allow, name):
            return self._verbatim(tag)
        raise MissingVariableError(f"failed to resolve {{{{{tag.raw}}}}}", variable=name)

    # -- expression tags --
    def _build_env(self) -> dict[str, Any]:
        if self._env is None:
            flat = {k: v for k, v in self.scope.items() if v is None or isinstance(v, str)}
            env = expand(flat)
            exprlang = exprlang_module()
            if hasattr(exprlang, "ARGO_FUNCTIONS"):
                env.update(exprlang.ARGO_FUNCTIONS)  # asInt, asFloat, jsonpath, toJson, sprig
            if self.extra_env:
                env = merge(env, self.extra_env)
            self._env = env
        return self._env

    def _expression(self, tag: Tag) -> str:
        exprlang = exprlang_module()
        source = tag.expression
        if self.json_mode:
            try:
                source = json.loads('"' + source + '"')
            except ValueError as exc:
                raise TemplateError(f"failed to unmarshall JSON expression: {exc}") from exc
        env = self._build_env()
        if self._allow_failure is None:
            self._allow_failure = any(s.startswith(PLACEHOLDER_PREFIX) for s in walk_strings(env))
        allow_failure = self._allow_failure
        try:
            refs = identifiers(exprlang.parse(source))
        except ExpressionError as exc:
            if allow_failure:
                return self._verbatim(tag)
            raise TemplateError(f"failed to evaluate expression: {exc}") from exc
        missing = [r for r in refs if r.split(".", 1)[0] not in ARGO_FUNCTIONS and not has_var(env, r)]
        for name in missing:
            if not _may_stay(self.allow, name):
                raise MissingVariableError(f"failed to evaluate expression: {name} is missing", variable=name)
        allow = bool(missing) or self.allow is True
        if allow and any(name in LATE_BINDING for name in missing):
            return self._verbatim(tag)
        try:
            result = exprlang.evaluate(source, env)
        except PodfleetError as exc:
            if allow or allow_failure:
                return self._verbatim(tag)
            raise TemplateError(f"failed to evaluate expression: {exc}") from exc
        if result is None:
            if allow or allow_failure:
                return self._verbatim(tag)
            raise TemplateError(f"failed to evaluate expression {source!r}")
        if isinstance(result, str):
            return self._put_expr_text(result)
        try:
            marshaled = gojson.marshal(result)
        except ValueError as exc:
            if allow:
                return self._verbatim(tag)
            raise TemplateError(f"failed to marshal evaluated expression: {exc}") from exc
        return self._put_expr_text(marshaled)

    def _put_expr_text(self, text: str) -> str:
        # Argo writes the JSON-marshalled result into JSON text; decoded, that is the text itself.
        if self.json_mode:
            return json.dumps(text, ensure_ascii=False)[1:-1]
        return text


def substitute(text: str, scope: Scope, *, allow_unresolved: bool | Callable[[str], bool] = False,
               env: Mapping[str, Any] | None = None) -> str:
    """Replace every tag in `text`.

    Raises TemplateError (MissingVariableError when a variable is missing and may not
    stay unresolved).
    """
    if "{{" not in text:
        return text
    return _Renderer(scope, allow_unresolved, env, json_mode=False).render(text)


def substitute_object(obj: Any, scope: Scope, *, allow_unresolved: bool | Callable[[str], bool] = False,
                      env: Mapping[str, Any] | None = None) -> Any:
    """Replace tags in every string of a JSON-shaped object (dict keys too), as Argo does
    on a template's JSON text; returns a new object."""
    if isinstance(obj, str):
        return substitute(obj, scope, allow_unresolved=allow_unresolved, env=env)
    try:
        encoded = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"cannot do template replacements: {exc}") from exc
    if "{{" not in encoded:
        return json.loads(encoded)
    replaced = _Renderer(scope, allow_unresolved, env, json_mode=True).render(encoded)
    try:
        return json.loads(replaced)
    except ValueError as exc:
        raise TemplateError("cannot finish template replacement because the result was invalid JSON") from exc


def references(text: str) -> list[Reference]:
    """Every variable `text` reads: simple tags' names, and the paths expression tags read.

    Raises TemplateError on an unclosed `{{` and ExpressionError on an expression that
    does not parse.
    """
    result: list[Reference] = []
    for tag in parse(text).tags:
        if tag.kind == SIMPLE:
            result.append(Reference(tag.expression, tag))
        else:
            for name in exprlang_module().references(tag.expression):
                if name.split(".", 1)[0] not in ARGO_FUNCTIONS:
                    result.append(Reference(name, tag))
    return result


__all__ = ["substitute", "substitute_object", "references", "Reference", "MissingVariableError",
           "strict_prefixes", "PLACEHOLDER_PREFIX", "LATE_BINDING"]
