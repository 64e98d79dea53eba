"""The expressions Argo workflows write: `{{= }}` tags, `expression:` fields, retry and `depends` logic, sprig."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from podfleet.errors import ExpressionError
from podfleet.expressions import exprlang
from podfleet.expressions.exprlang import build_env, expand

CONFIG = json.dumps({"a": 1, "b": "two", "c": True,
                     "employees": [{"name": "Baris", "age": 43}, {"name": "Mo", "age": 30}]})
SCOPE: dict[str, Any] = {
    "inputs.parameters.foo": "5",
    "inputs.parameters.num": "3",
    "inputs.parameters.should-print": "true",
    "inputs.parameters.s": "  Hello World  ",
    "inputs.parameters.week-temps": json.dumps({"avg": 15.5, "max": 20, "min": 10}),
    "workflow.parameters.config": CONFIG,
    "workflow.parameters.json": json.dumps([{"value": "true"}]),
    "workflow.parameters.foo": "bar",
    "workflow.status": "Running",
    "workflow.name": "wf-abc",
    "steps.flip-coin.outputs.result": "heads",
    "steps.heads.outputs.result": "it was heads",
    "steps.tails.outputs.result": "it was tails",
    "steps.step2.status": "Succeeded",
    "steps.step-1.status": "Running",
    "steps.fibonacci-helper.outputs.parameters.result": "8",
    "tasks.flip-coin.outputs.result": "tails",
    "tasks.heads.outputs.result": "H",
    "tasks.tails.outputs.result": "T",
    "tasks.producer.outputs.parameters.other": "x",
    "lastRetry.exitCode": "2",
    "lastRetry.status": "Failed",
    "lastRetry.duration": "30",
    "lastRetry.message": "pod deleted",
    "item": "apple",
    "cronworkflow.lastScheduledTime": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
}
ENV = build_env(SCOPE)


@pytest.mark.parametrize(("source", "expected"), [
    ("asInt(inputs.parameters.foo) * 10", 50),
    ("item", "apple"),
    ("inputs.parameters[\"should-print\"] == 'true'", True),
    ("jsonpath(inputs.parameters['week-temps'], '$.avg')", 15.5),
    ("jsonpath(inputs.parameters['week-temps'], '$.max')", 20.0),
    ("jsonpath(workflow.parameters.config, '$.a')", 1.0),
    ("jsonpath(workflow.parameters.config, '$.b')", "two"),
    ("jsonpath(workflow.parameters.config, '$.c')", True),
    ("jsonpath(workflow.parameters.config, '$.employees[*].name')", ["Baris", "Mo"]),
    ("jsonpath(workflow.parameters.config, '$.employees[0:1]')", [{"name": "Baris", "age": 43.0}]),
    ("jsonpath(workflow.parameters.config, '$.employees[?(@.age>42 && @.age<44)].age')", [43.0]),
    ("jsonpath(workflow.parameters.config, '$.employees[?(@.name==\"Baris\")].age')", [43.0]),
    ("jsonpath(workflow.parameters.config, '$..name')", ["Baris", "Mo"]),
    ("jsonpath(workflow.parameters.config, '$.employees[-1].name')", "Mo"),
    ("jsonpath(workflow.parameters.json, '$[0].value') == 'true'", True),
    ("cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > 360", True),
    ("asInt(inputs.parameters.num) == 1? 1: asInt(inputs.parameters.num) == 2? 1: "
     "steps['fibonacci-helper'].outputs.parameters.result", "8"),
    ("steps['flip-coin'].outputs.result == 'heads' ? steps.heads.outputs.result : steps.tails.outputs.result",
     "it was heads"),
    ("tasks['flip-coin'].outputs.result == 'heads' ? tasks.heads.outputs.result : tasks.tails.outputs.result", "T"),
    ("tasks.producer.outputs.parameters.msg ?? 'expr-fallback'", "expr-fallback"),
    ('steps.step2.status == "Succeeded"', True),
    ('steps["step-1"].status == "Running"', True),
    ("workflow.parameters.foo", "bar"),
    ('workflow.status == "Running"', True),
    ("asInt(lastRetry.exitCode) > 1 && lastRetry.status != \"Error\" && asInt(lastRetry.duration) < 120 && "
     "(false == true || lastRetry.message matches 'imminent node shutdown|pod deleted')", True),
    ("filter([1, 2], { # > 1})", [2]),
    ("map([1, 2], { # * 2 })", [2, 4]),
    ("asFloat('1.5') * 2", 3.0),
    ("string(1)", "1"),
    ("toJson([1, 2])", "[1,2]"),
    ("toJson({b: 'x<y', a: 1.0})", '{"a":1,"b":"x\\u003cy"}'),
    ("sprig.trim(inputs.parameters.s)", "Hello World"),
])
def test_argo_example_expressions(source: str, expected: Any) -> None:
    assert exprlang.evaluate(source, ENV) == expected


@pytest.mark.parametrize(("source", "env", "expected"), [
    # Argo rewrites `-` to `_` in task names and depends logic before evaluating.
    ("A && (C.Succeeded || C.Failed)", {"A": True, "C": {"Succeeded": False, "Failed": True}}, True),
    ("B.Failed && C", {"B": {"Failed": False}, "C": True}, False),
    ("producer.Succeeded || producer.Skipped", {"producer": {"Succeeded": False, "Skipped": True}}, True),
    ("should_execute_2.Succeeded || should_not_execute",
     {"should_execute_2": {"Succeeded": False}, "should_not_execute": True}, True),
    ("divide_by_2", {"divide_by_2": True}, True),
])
def test_depends_logic(source: str, env: dict[str, Any], expected: bool) -> None:
    assert exprlang.evaluate_bool(source, env) is expected


@pytest.mark.parametrize(("source", "expected"), [
    ("sprig.upper('abc')", "ABC"),
    ("sprig.lower('ABC')", "abc"),
    ("sprig.title('hello world')", "Hello World"),
    ("sprig.trimAll('$', '$5.00$')", "5.00"),
    ("sprig.trimPrefix('pre-', 'pre-x')", "x"),
    ("sprig.trimSuffix('.txt', 'a.txt')", "a"),
    ("sprig.replace(' ', '-', 'a b c')", "a-b-c"),
    ("sprig.contains('cat', 'catch')", True),
    ("sprig.hasPrefix('ca', 'cat')", True),
    ("sprig.hasSuffix('at', 'cat')", True),
    ("sprig.repeat(3, 'ab')", "ababab"),
    ("sprig.substr(0, 5, 'hello world')", "hello"),
    ("sprig.trunc(5, 'hello world')", "hello"),
    ("sprig.nospace('a b  c')", "abc"),
    ("sprig.quote('a', 'b')", '"a" "b"'),
    ("sprig.squote('a')", "'a'"),
    ("sprig.cat('a', 1, nil, true)", "a 1 true"),
    ("sprig.indent(2, 'a\\nb')", "  a\n  b"),
    ("sprig.nindent(2, 'a')", "\n  a"),
    ("sprig.b64enc('hi')", "aGk="),
    ("sprig.b64dec('aGk=')", "hi"),
    ("sprig.toString(12)", "12"),
    ("sprig.toJson({a: [1, 2]})", '{"a":[1,2]}'),
    ("sprig.toPrettyJson({a: 1})", '{\n  "a": 1\n}'),
    ("sprig.fromJson('{\"a\": 1}').a", 1.0),
    ("sprig.default('d', '')", "d"),
    ("sprig.default('d', 'given')", "given"),
    ("sprig.empty('')", True),
    ("sprig.empty([1])", False),
    ("sprig.coalesce('', nil, 'x')", "x"),
    ("sprig.ternary('yes', 'no', 1 > 0)", "yes"),
    ("sprig.list(1, 2)", [1, 2]),
    ("sprig.dict('a', 1, 'b', 2).b", 2),
    ("sprig.get({a: 1}, 'missing')", ""),
    ("sprig.hasKey({a: 1}, 'a')", True),
    ("sprig.set({a: 1}, 'b', 2)", {"a": 1, "b": 2}),
    ("sprig.keys({a: 1})", ["a"]),
    ("sprig.first([1, 2])", 1),
    ("sprig.last([1, 2])", 2),
    ("sprig.rest([1, 2, 3])", [2, 3]),
    ("sprig.initial([1, 2, 3])", [1, 2]),
    ("sprig.uniq([1, 1, 2])", [1, 2]),
    ("sprig.join('-', ['a', 'b'])", "a-b"),
    ("sprig.split('$', 'a$b')._1", "b"),
    ("sprig.splitList(',', 'a,b')", ["a", "b"]),
    ("sprig.sortAlpha(['b', 'a'])", ["a", "b"]),
    ("sprig.atoi('42')", 42),
    ("sprig.atoi('x')", 0),
    ("sprig.int('7')", 7),
    ("sprig.int64(7.9)", 7),
    ("sprig.float64('1.5')", 1.5),
    ("sprig.add(1, 2, '3')", 6),
    ("sprig.add1(1)", 2),
    ("sprig.sub(5, 2)", 3),
    ("sprig.mul(2, 3)", 6),
    ("sprig.div(7, 2)", 3),
    ("sprig.mod(7, 2)", 1),
    ("sprig.max(1, 9, 3)", 9),
    ("sprig.min(4, 2)", 2),
    ("sprig.round(3.14159, 2)", 3.14),
    ("sprig.until(3)", [0, 1, 2]),
    ("sprig.seq(3)", "1 2 3"),
    ("sprig.regexMatch('^a.c$', 'abc')", True),
    ("sprig.regexFind('[0-9]+', 'ab12cd34')", "12"),
    ("sprig.regexFindAll('[0-9]+', 'ab12cd34', -1)", ["12", "34"]),
    ("sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", "-W-xxW-"),
    ("sprig.sha1sum('hi')", "c22b5f9178342609428d6f51b2c5af4c0bde6a42"),
    ("sprig.sha256sum('hi')", "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"),
    ("len(sprig.randAlphaNum(8))", 8),
    ("sprig.date('2006-01-02', cronworkflow.lastScheduledTime)", "2020-01-01"),
])
def test_sprig_functions_take_go_template_argument_order(source: str, expected: Any) -> None:
    assert exprlang.evaluate(source, ENV) == expected


def test_sprig_type_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="expected string"):
        exprlang.evaluate("sprig.upper(1)", ENV)
    with pytest.raises(ExpressionError, match="integer divide by zero"):
        exprlang.evaluate("sprig.div(1, 0)", ENV)


def test_argo_function_failures_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="invalid operation: int\\(abc\\)"):
        exprlang.evaluate("asInt('abc')", ENV)
    with pytest.raises(ExpressionError, match="invalid JSON"):
        exprlang.evaluate("jsonpath('{nope', '$.a')", ENV)
    with pytest.raises(ExpressionError, match="key 'zzz' not found"):
        exprlang.evaluate("jsonpath(workflow.parameters.config, '$.zzz')", ENV)


def test_expand_nests_dotted_keys_and_keeps_deeper_paths() -> None:
    nested = expand({"steps.a.outputs": "{}", "steps.a.outputs.result": "x", "plain": 1})
    assert nested == {"steps": {"a": {"outputs": {"result": "x"}}}, "plain": 1}
