"""expr-lang (github.com/expr-lang/expr), the language of Argo's `depends`, `{{= }}` and `expression:` fields.

    parse(source) -> Node                   cached; raises ExpressionError
    evaluate(source, env) -> Any
    evaluate_bool(source, env) -> bool
    references(source) -> list[str]         dotted env paths the expression reads
    build_env(flat_scope) -> dict           Argo's env: nested scope + asInt/asFloat/jsonpath/toJson/sprig
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podfleet.errors import ExpressionError
from podfleet.expressions.exprlang.argo_functions import ARGO_FUNCTIONS, build_env, expand, jsonpath
from podfleet.expressions.exprlang.evaluator import Evaluator
from podfleet.expressions.exprlang.parser import Node, parse
from podfleet.expressions.exprlang.references import references
from podfleet.expressions.exprlang.sprig import SPRIG
from podfleet.expressions.gocompat import go_repr


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """Evaluate expr-lang `source` against `env`; every failure is an ExpressionError."""
    return Evaluator(source, env).run(parse(source))


def evaluate_bool(source: str, env: Mapping[str, Any]) -> bool:
    """Evaluate and insist on a bool, as Argo's argoexpr.EvalBool does."""
    result = evaluate(source, env)
    if not isinstance(result, bool):
        raise ExpressionError(f"unable to cast expression result '{go_repr(result)}' to bool", expression=source)
    return result


__all__ = ["ARGO_FUNCTIONS", "SPRIG", "Node", "build_env", "evaluate", "evaluate_bool", "expand", "jsonpath",
           "parse", "references"]
