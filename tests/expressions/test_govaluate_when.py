"""govaluate as Argo's `when` uses it: after {{ }} substitution, bare words are strings."""

from __future__ import annotations

import math

import pytest

from podfleet.errors import ExpressionError
from podfleet.expressions import govaluate


@pytest.mark.parametrize(("expression", "expected"), [
    ("heads == heads", True),
    ("tails == heads", False),
    ('heads == "heads"', True),
    ("heads == 'heads'", True),
    ("Succeeded != Succeeded", False),
    ("Failed == Failed", True),
    ("YES == YES", True),
    ("7 > 5", True),
    ("3 < 2", False),
    ("1 == 1.0", True),
    ("5 > -3", True),
    ("true && false", False),
    ("true || false", True),
    ("false", False),
    ("!false", True),
    ("2 != 1 && 2 != 2", False),
    ("heads =~ hea", True),
    ("tails =~ hea", False),
    ("tails !~ hea", True),
    ('"abc" < "abd"', True),
    ("2 in (1, 2, 3)", True),
    ("a in (b, c)", False),
    ("(1 + 2) * 3 == 9", True),
    ("1 + 2 * 3 == 7", True),
    ("10 - 2 - 3 == 5", True),
    ("[a b] == 'a b'", True),
    ('"2021-01-02" > "2021-01-01"', True),
    ("even == even", True),
    # shapes of Argo example `when`s once their {{ }} tags are substituted
    ("3 < 10", True),
    ("4 != 1 && 4 != 2", True),
    ("true == true", True),
    ("Running != Succeeded", True),
    ("heads =~ tai", False),
])
def test_when_decides_like_argo(expression: str, expected: bool) -> None:
    assert govaluate.evaluate_when(expression) is expected


def test_empty_when_means_run() -> None:
    assert govaluate.evaluate_when("") is True


@pytest.mark.parametrize(("expression", "expected"), [
    ("1 + 2 * 3", 7.0),
    ("2 ** 3", 8.0),
    ("7 % 3", 1.0),
    ("-7 % 3", -1.0),
    ("7 / 2", 3.5),
    ("-2 ** 2", 4.0),  # govaluate's prefix binds tighter than **
    ("2 ** 3 ** 2", 64.0),  # and every level is left-associative
    ("0x1F", 31.0),
    (".5 + 1", 1.5),
    ("6 & 3", 2.0),
    ("6 | 3", 7.0),
    ("6 ^ 3", 5.0),
    ("1 << 3", 8.0),
    ("16 >> 2", 4.0),
    ("~5", -6.0),
    ("'a' + 1", "a1"),
    ("1 + 'a'", "1a"),
    ("true ? 1 : 2", 1.0),
    ("false ? 1 : 2", 2.0),
    ("(1, 2, 3)", [1.0, 2.0, 3.0]),
    ("(1) 2", 1.0),  # govaluate ignores tokens after a complete expression
])
def test_operators_and_precedence(expression: str, expected: object) -> None:
    assert govaluate.evaluate(expression) == expected


def test_division_by_zero_is_infinity_like_go() -> None:
    assert govaluate.evaluate("1 / 0") == math.inf
    assert math.isnan(govaluate.evaluate("0 / 0"))


def test_parameters_are_numbers_as_float64() -> None:
    assert govaluate.evaluate("x * 2", {"x": 21}) == 42.0
    assert govaluate.evaluate("x ?? 5", {"x": None}) == 5.0
    assert govaluate.evaluate("name == 'bob'", {"name": "bob"}) is True


def test_missing_parameter_is_reported() -> None:
    with pytest.raises(ExpressionError, match="No parameter 'x' found."):
        govaluate.evaluate("x > 1")


def test_and_short_circuits_before_type_checks() -> None:
    assert govaluate.evaluate("false && 'x'") is False
    assert govaluate.evaluate("true || 'x'") is True


@pytest.mark.parametrize(("expression", "message"), [
    ("5>-3", "Invalid token: '>-'"),
    ("(1 + 2", "Unbalanced parenthesis"),
    ("'abc", "Unclosed string literal"),
    ("foo(1)", "Undefined function foo"),
    ("1 +", "Unexpected end of expression"),
    ("a.b == 1", "Unable to access unexported field 'b' in token 'a.b'"),
    ("1.2.3 == 1", "Unable to parse numeric value '1.2.3' to float64"),
    ("5 @ 3", "Invalid token: '@'"),
    ("x =~ '('", "error parsing regexp"),
])
def test_parse_errors_use_govaluate_wording(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        govaluate.parse(expression)
    assert message in info.value.reason
    assert info.value.expression == expression


def test_invalid_token_in_when_gets_argos_quoting_hint() -> None:
    with pytest.raises(ExpressionError) as info:
        govaluate.evaluate_when("5>-3")
    assert "Invalid 'when' expression '5>-3'" in str(info.value)
    assert "hint: try wrapping the affected expression in quotes" in str(info.value)
    assert info.value.position == 1


def test_hyphenated_words_are_subtraction_as_in_govaluate() -> None:
    # `my-value` lexes as `my - value`; Argo users must quote such values.
    with pytest.raises(ExpressionError, match="cannot be used with the modifier '-'"):
        govaluate.evaluate_when("my-value == my-value")
    assert govaluate.evaluate_when("'my-value' == 'my-value'") is True


@pytest.mark.parametrize(("expression", "message"), [
    ("heads", "Expected boolean evaluation for 'heads'. Got heads"),
    ("1 + 1", "did not evaluate to a boolean"),
    ("a < 1", "Value 'a' cannot be used with the comparator '<', it is not a number"),
    ("1 && true", "Value '1' cannot be used with the logical operator '&&', it is not a bool"),
    ("!foo", "Cannot transition token types from PREFIX [!] to STRING [foo]"),
])
def test_when_failures_are_expression_errors(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        govaluate.evaluate_when(expression)
    assert message in str(info.value)


def test_type_error_points_at_the_operator() -> None:
    with pytest.raises(ExpressionError) as info:
        govaluate.evaluate("'a' - 1")
    assert info.value.position == 4


def test_parse_is_cached() -> None:
    assert govaluate.parse("1 == 1") is govaluate.parse("1 == 1")
