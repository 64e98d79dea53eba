"""expr-lang: operators, types, access, closures and errors, as expr v1.17 defines them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from podfleet.errors import ExpressionError
from podfleet.expressions import exprlang

ENV: dict[str, Any] = {
    "inputs": {"parameters": {"x": "21", "s": "hello", "n": 3}},
    "steps": {"flip-coin": {"outputs": {"result": "heads"}}},
    "items": [{"name": "a", "size": 3}, {"name": "b", "size": 1}, {"name": "c", "size": 2}],
    "nums": [1, 2, 3, 4],
    "nothing": None,
    "A": {"Succeeded": True, "Failed": False, "Skipped": False},
    "B": {"Succeeded": False, "Failed": True, "Skipped": False},
}


def ev(source: str, env: dict[str, Any] | None = None) -> Any:
    return exprlang.evaluate(source, ENV if env is None else env)


@pytest.mark.parametrize(("source", "expected"), [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("2 ** 3 ** 2", 512.0),  # ** is right-associative in expr
    ("2 ^ 3", 8.0),
    ("-2 ** 2", -4.0),  # unary minus binds looser than **
    ("7 / 2", 3.5),
    ("6 / 3", 2.0),  # int / int is float
    ("7 % 3", 1),
    ("-7 % 3", -1),  # Go truncates toward zero
    ("1 + 2.5", 3.5),
    ("'a' + 'b'", "ab"),
    ("1_000 + 0x1F", 1031),
    ("0b101 + 0o17", 20),
    ("1e3", 1000.0),
    (".5 + .5", 1.0),
    ("1 == 1.0", True),
    ("1 == '1'", False),  # different types are unequal, not an error
    ("nil == nil", True),
    ("[1, 2] == [1, 2]", True),
    ("1 < 2.5", True),
    ("'a' < 'b'", True),
    ("1 < 2 < 3", True),  # chained comparison
    ("3 > 2 > 2", False),
    ("not true", False),
    ("!false", True),
    ("true and false or true", True),
    ("true && !false", True),
    ("2 in [1, 2]", True),
    ("'a' in {a: 1}", True),
    ("3 not in [1, 2]", True),
    ("'hello' contains 'ell'", True),
    ("'hello' startsWith 'he'", True),
    ("'hello' endsWith 'lo'", True),
    ("'hello' matches '^h.*o$'", True),
    ("'hello' not matches 'x'", True),
    ("1..4", [1, 2, 3, 4]),
    ("true ? 'y' : 'n'", "y"),
    ("false ? 'y' : false ? 'a' : 'b'", "b"),
    ("nil ?? 'd'", "d"),
    ("0 ?? 'd'", 0),
    ("false ?: 'y'", "y"),
    ("let x = 2; x * 3", 6),
    ("if 1 > 2 { 'a' } else { 'b' }", "b"),
    ("`raw\\n`", "raw\\n"),
    ("'tab\\tnew\\u00e9'", "tab\tnewé"),
    ("1 + 2 // a comment", 3),
    ("1 /* inline */ + 2", 3),
])
def test_operators_literals_and_precedence(source: str, expected: Any) -> None:
    result = ev(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("source", "expected"), [
    ("inputs.parameters.x", "21"),
    ("inputs['parameters']['s']", "hello"),
    ("steps['flip-coin'].outputs.result == 'heads'", True),
    ("inputs.parameters.missing", None),  # a missing map key is nil
    ("inputs.parameters.missing ?? 'default'", "default"),
    ("nothing?.a.b", None),
    ("inputs?.nope?.deeper", None),
    ("nums[0]", 1),
    ("nums[-1]", 4),
    ("nums[1:3]", [2, 3]),
    ("nums[:2]", [1, 2]),
    ("nums[2:]", [3, 4]),
    ("nums[-2:]", [3, 4]),
    ("'hello'[1:3]", "el"),
    ("items[1].name", "b"),
])
def test_member_access_index_and_slices(source: str, expected: Any) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("filter([1, 2, 3], # > 1)", [2, 3]),
    ("map(items, .name)", ["a", "b", "c"]),
    ("map(items, #.size * 2)", [6, 2, 4]),
    ("map(nums, #index)", [0, 1, 2, 3]),
    ("all(nums, # > 0)", True),
    ("any(nums, # > 3)", True),
    ("none(nums, # > 4)", True),
    ("one(nums, # == 2)", True),
    ("count(nums, # % 2 == 0)", 2),
    ("find(items, .size == 1).name", "b"),
    ("findIndex(items, .name == 'c')", 2),
    ("findLast(nums, # < 3)", 2),
    ("sum(nums)", 10),
    ("sum(items, .size)", 6),
    ("reduce(nums, #acc + #)", 10),
    ("reduce(nums, #acc + #, 100)", 110),
    ("map(sortBy(items, .size), .name)", ["b", "c", "a"]),
    ("map(sortBy(items, .size, 'desc'), .name)", ["a", "c", "b"]),
    ("groupBy(nums, # % 2 == 0)[true]", [2, 4]),
    ("filter(nums, { let y = # * 2; y > 4 })", [3, 4]),
    ("nums | filter(# > 2) | map(# * 10)", [30, 40]),
    ("'abc' | upper()", "ABC"),
    ("filter(map(nums, # * 2), # > 4)", [6, 8]),
])
def test_closures_and_pipes(source: str, expected: Any) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("len('héllo')", 5),
    ("len(nums)", 4),
    ("len({a: 1})", 1),
    ("abs(-3)", 3),
    ("ceil(1.2)", 2.0),
    ("floor(1.8)", 1.0),
    ("round(2.5)", 3.0),
    ("int('12')", 12),
    ("int(3.9)", 3),
    ("float('1.5')", 1.5),
    ("string(1.5)", "1.5"),
    ("string(2.0)", "2"),
    ("string(1000000.0)", "1e+06"),
    ("string([1, 'a'])", "[1 a]"),
    ("string(nil)", "<nil>"),
    ("trim('  x ')", "x"),
    ("trim('xxaxx', 'x')", "a"),
    ("trimPrefix('prefix-x', 'prefix-')", "x"),
    ("trimSuffix('x.yaml', '.yaml')", "x"),
    ("upper('a')", "A"),
    ("lower('A')", "a"),
    ("split('a,b,c', ',')", ["a", "b", "c"]),
    ("split('a,b,c', ',', 2)", ["a", "b,c"]),
    ("splitAfter('a,b', ',')", ["a,", "b"]),
    ("replace('aaa', 'a', 'b')", "bbb"),
    ("repeat('ab', 2)", "abab"),
    ("indexOf('hello', 'l')", 2),
    ("lastIndexOf('hello', 'l')", 3),
    ("hasPrefix('hello', 'he')", True),
    ("hasSuffix('hello', 'lo')", True),
    ("join(['a', 'b'], '-')", "a-b"),
    ("toJSON({b: 1, a: [1, 2]})", '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}'),
    ("fromJSON('{\"a\": [1, 2]}').a", [1.0, 2.0]),
    ("keys({a: 1})", ["a"]),
    ("values({a: 1})", [1]),
    ("first(nums)", 1),
    ("last(nums)", 4),
    ("first([])", None),
    ("get(nums, 10)", None),
    ("get({a: 1}, 'a')", 1),
    ("max(1, 5, 3)", 5),
    ("min([4, 2, 8])", 2),
    ("mean([1, 2, 3, 4])", 2.5),
    ("median([1, 3, 2])", 2.0),
    ("concat([1], [2, 3])", [1, 2, 3]),
    ("flatten([1, [2, [3]]])", [1, 2, 3]),
    ("uniq([1, 2, 1])", [1, 2]),
    ("sort([3, 1, 2])", [1, 2, 3]),
    ("sort(['b', 'a'], 'desc')", ["b", "a"]),
    ("reverse([1, 2])", [2, 1]),
    ("type(1)", "int"),
    ("type('a')", "string"),
    ("toBase64('hi')", "aGk="),
    ("fromBase64('aGk=')", "hi"),
    ("duration('1h30m').Minutes()", 90.0),
    ("now() > date('2020-01-01T00:00:00Z')", True),
])
def test_builtins(source: str, expected: Any) -> None:
    assert ev(source) == expected


def test_depends_style_logic() -> None:
    assert exprlang.evaluate_bool("(A.Succeeded || A.Skipped) && !B.Succeeded", ENV) is True
    assert exprlang.evaluate_bool("A && B.Failed", {"A": True, "B": {"Failed": True}}) is True
    assert exprlang.evaluate_bool("A.Succeeded && B.Succeeded", ENV) is False


def test_float_division_by_zero_is_infinity() -> None:
    assert ev("1 / 0") == math.inf


@pytest.mark.parametrize(("source", "reason", "position"), [
    ("unknown_var + 1", "unknown name unknown_var", 0),
    ("1 + 'a'", "invalid operation: int + string", 2),
    ("'a' < 1", "invalid operation: string < int", 4),
    ("1 % 0", "integer divide by zero", 2),
    ("1.5 % 2", "invalid operation: float64 % int", 4),
    ("1 &&", "unexpected token EOF", 4),
    ("(1 + 2", "unexpected token EOF", 6),
    ("1 + )", 'unexpected token Bracket(")")', 4),
    ("'abc", "literal not terminated", 0),
    ("1 @ 2", "unrecognized character: U+0040 '@'", 2),
    ("nums[10]", "index out of range: 10 (array length is 4)", 4),
    ("nothing.a", "cannot fetch a from <nil>", 8),
    ("'a' matches '('", "error parsing regexp", 4),
    ("upper(1)", "invalid argument for upper (type int)", 0),
    ("1 ?? 2 + 3", "Operator (+) and coalesce expressions (??) cannot be mixed", 7),
    ("inputs.parameters.x()", "is not callable", 18),
    ("1 && true", "interface conversion: interface {} is int, not bool", 2),
    ("12abc", 'bad number syntax: "12a"', 0),
])
def test_errors_have_reason_and_position(source: str, reason: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        ev(source)
    assert reason in info.value.reason
    assert info.value.position == position
    assert info.value.expression == source


def test_evaluate_bool_rejects_non_bool() -> None:
    with pytest.raises(ExpressionError, match="unable to cast expression result '21' to bool"):
        exprlang.evaluate_bool("inputs.parameters.x", ENV)


def test_parse_is_cached_and_errors_before_evaluation() -> None:
    assert exprlang.parse("a + b") is exprlang.parse("a + b")
    with pytest.raises(ExpressionError):
        exprlang.parse("a +")


@pytest.mark.parametrize(("source", "expected"), [
    ("inputs.parameters.x", ["inputs.parameters.x"]),
    ("steps['a-b'].outputs.result == 'x'", ["steps.a-b.outputs.result"]),
    ("asInt(inputs.parameters.x) + asInt(inputs.parameters.y)", ["inputs.parameters.x", "inputs.parameters.y"]),
    ("sprig.upper(workflow.name)", ["workflow.name"]),
    ("filter(tasks.x.outputs.list, .name == 'a')", ["tasks.x.outputs.list"]),
    ("let v = workflow.name; v + 'x'", ["workflow.name"]),
    ("items[idx].name", ["items", "idx"]),
    ("a.b[0].c", ["a.b"]),
    ("A.Succeeded || B", ["A.Succeeded", "B"]),
    ("len(x) > 0 ? x : y", ["x", "y"]),
])
def test_references_lists_env_paths(source: str, expected: list[str]) -> None:
    assert exprlang.references(source) == expected
