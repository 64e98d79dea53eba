"""Any text at all, fed to either language, gives a result or an ExpressionError — never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfleet.errors import ExpressionError
from podfleet.expressions import exprlang, govaluate

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOVALUATE_TOKENS = ["heads", "tails", "x", "a.B", "1", "2.5", "0x1F", "'s'", '"t"', "'2021-01-01'", "true",
                    "false", "(", ")", ",", "+", "-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", "~", "!",
                    "==", "!=", ">", ">=", "<", "<=", "=~", "!~", "&&", "||", "?", ":", "??", "in", "[p q]",
                    "'('", " "]
EXPR_TOKENS = ["a", "b", "xs", "m", "nil", "true", "false", "1", "2.5", "0x1F", "'s'", '"t"', "`r`", "(", ")",
               "[", "]", "{", "}", ",", ":", ";", ".", "?.", "+", "-", "*", "/", "%", "**", "^", "==", "!=", "<",
               ">", "<=", ">=", "!", "not", "and", "or", "&&", "||", "in", "not in", "matches", "contains",
               "startsWith", "endsWith", "..", "??", "?", "|", "#", "#index", "#acc", "let", "=", "if", "else",
               "filter", "map", "reduce", "sum", "len", "upper", "split", "int", "toJSON", "fromJSON", "sprig",
               "asInt", "jsonpath", "toJson", " ", "'('"]
ENV: dict[str, Any] = exprlang.build_env({"a": 1, "b": "two", "xs": [1, 2, 3], "m": {"k": [1, {"z": None}]}})


def _check(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except ExpressionError:
        pass


@SETTINGS
@given(st.text(max_size=40))
def test_govaluate_random_text(text: str) -> None:
    _check(govaluate.evaluate, text, {"x": 1})
    _check(govaluate.evaluate_when, text)


@SETTINGS
@given(st.lists(st.sampled_from(GOVALUATE_TOKENS), max_size=12).map(" ".join))
def test_govaluate_token_soup(text: str) -> None:
    _check(govaluate.evaluate, text, {"x": 1.0, "heads": "heads"})
    _check(govaluate.evaluate_when, text)


@SETTINGS
@given(st.text(max_size=40))
def test_exprlang_random_text(text: str) -> None:
    _check(exprlang.evaluate, text, ENV)
    _check(exprlang.references, text)


@SETTINGS
@given(st.lists(st.sampled_from(EXPR_TOKENS), max_size=14).map(" ".join))
def test_exprlang_token_soup(text: str) -> None:
    _check(exprlang.evaluate, text, ENV)
    _check(exprlang.references, text)


@SETTINGS
@given(st.lists(st.sampled_from(EXPR_TOKENS), max_size=14).map("".join))
def test_exprlang_token_soup_without_spaces(text: str) -> None:
    _check(exprlang.evaluate, text, ENV)


def test_deep_nesting_is_an_expression_error() -> None:
    for call in (lambda s: exprlang.evaluate(s, ENV), govaluate.evaluate):
        try:
            call("(" * 5000 + "1" + ")" * 5000)
        except ExpressionError:
            pass
