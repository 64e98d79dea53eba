"""`{{= }}` expression tags: evaluated with Argo's env, results printed the way Argo prints them."""

import pytest

from podfleet.errors import TemplateError
from podfleet.templating import MissingVariableError, strict_prefixes, substitute, substitute_object
from podfleet.templating.substitute import PLACEHOLDER_PREFIX

exprlang = pytest.importorskip("podfleet.expressions.exprlang")
if not (hasattr(exprlang, "evaluate") and hasattr(exprlang, "references")):
    pytest.skip("podfleet.expressions.exprlang is not available yet", allow_module_level=True)

SCOPE = {
    "inputs.parameters.x": "21",
    "inputs.parameters.s": "hello",
    "inputs.parameters.j": '{"a": 1, "b": {"c": "deep"}}',
    "inputs.parameters.my-param": "hyphenated",
    "steps.a-b.outputs.result": "7",
    "steps.skipped.outputs.parameters.m": None,
    "workflow.name": "wf-1",
}


def sub(text, **kw):
    return substitute(text, SCOPE, **kw)


def test_as_int_arithmetic():
    assert sub("{{=asInt(inputs.parameters.x) * 2}}") == "42"


def test_sprig_function():
    assert sub("{{=sprig.upper(inputs.parameters.s)}}") == "HELLO"


def test_jsonpath_number_and_string():
    assert sub("{{=jsonpath(inputs.parameters.j, '$.a')}}") == "1"
    assert sub("{{=jsonpath(inputs.parameters.j, '$.b.c')}}") == "deep"


def test_hyphenated_names_by_index():
    assert sub("{{= inputs.parameters['my-param'] }}") == "hyphenated"
    assert sub("{{=steps['a-b'].outputs.result}}") == "7"


def test_expression_mixed_with_text_and_simple_tags():
    assert sub("{{workflow.name}}-{{=asInt(inputs.parameters.x) + 1}}!") == "wf-1-22!"


@pytest.mark.parametrize("expr, expected", [
    ("[1, 2]", "[1,2]"),
    ("1 == 1", "true"),
    ("asFloat('1.0') * 2", "2"),
    ("1 / 2", "0.5"),
    ("toJson([1, 2])", "[1,2]"),
    ("{'b': 1, 'a': '<'} ", '{"a":"\\u003c","b":1}'),
    ("'a' + \"b\"", "ab"),
])
def test_results_print_like_go_json(expr, expected):
    assert sub("{{=" + expr + "}}") == expected


def test_map_literal_needs_a_space_before_the_closing_braces():
    # the first `}}` closes the tag, so `{{={'a': 1}}}` is the tag `={'a': 1` (a syntax error)
    with pytest.raises(TemplateError):
        sub("{{={'a': 1}}}")


def test_nil_coalescing_guards_a_missing_path():
    assert sub("{{= inputs.parameters.nope ?? 'd' }}") == "d"


def test_missing_variable_is_an_error_naming_it():
    with pytest.raises(MissingVariableError, match="inputs.parameters.nope is missing"):
        sub("{{=inputs.parameters.nope}}")


def test_missing_variable_stays_verbatim_when_allowed():
    assert sub("a {{= inputs.parameters.nope + 'x' }} b", allow_unresolved=True) == \
        "a {{= inputs.parameters.nope + 'x' }} b"


def test_missing_item_stays_for_the_loop_pass():
    assert sub("{{=item + 1}}", allow_unresolved=True) == "{{=item + 1}}"


def test_strict_prefix_predicate_applies_to_expression_variables():
    strict = strict_prefixes(["steps", "tasks"])
    assert sub("{{=inputs.parameters.nope}}", allow_unresolved=strict) == "{{=inputs.parameters.nope}}"
    with pytest.raises(MissingVariableError, match="steps.nope is missing"):
        sub("{{=steps.nope.outputs.result}}", allow_unresolved=strict)


def test_absent_optional_with_nil_coalescing_uses_the_fallback():
    assert sub("{{= steps.skipped.outputs.parameters.m ?? 'fallback' }}") == "fallback"


def test_bare_absent_optional_is_an_error():
    with pytest.raises(TemplateError, match="failed to evaluate expression"):
        sub("{{= steps.skipped.outputs.parameters.m }}")


def test_syntax_error_fails_even_when_unresolved_allowed():
    with pytest.raises(TemplateError, match="failed to evaluate expression"):
        sub("{{= 1 + }}", allow_unresolved=True)


def test_runtime_error_fails_strictly_and_stays_when_allowed():
    with pytest.raises(TemplateError, match="failed to evaluate expression"):
        sub("{{=asInt(inputs.parameters.s)}}")
    assert sub("{{=asInt(inputs.parameters.s)}}", allow_unresolved=True) == "{{=asInt(inputs.parameters.s)}}"


def test_placeholder_values_make_failures_quiet():
    scope = {"inputs.parameters.s": PLACEHOLDER_PREFIX + "1"}
    assert substitute("{{=asInt(inputs.parameters.s)}}", scope) == "{{=asInt(inputs.parameters.s)}}"


def test_extra_env_supplies_structured_values():
    out = substitute("{{= response.statusCode == 200 }}", {}, env={"response": {"statusCode": 200}})
    assert out == "true"


def test_expression_inside_an_object_with_quotes_and_result_with_quotes():
    obj = {"args": ['{{=inputs.parameters["my-param"] + " \\"q\\""}}']}
    assert substitute_object(obj, SCOPE) == {"args": ['hyphenated "q"']}


def test_expression_result_in_object_stays_json_safe():
    obj = {"arg": "{{= {'k': 'v\"'} }}"}
    assert substitute_object(obj, SCOPE) == {"arg": '{"k":"v\\""}'}


def test_references_lists_simple_and_expression_variables():
    from podfleet.templating import references

    names = [r.name for r in references("{{inputs.parameters.a}} {{=asInt(steps['x-y'].outputs.result) + 1}}")]
    assert names == ["inputs.parameters.a", "steps.x-y.outputs.result"]


def test_unresolved_can_check_expression_tags():
    from podfleet.templating import unresolved

    known = {"steps.a.outputs.result"}
    text = "{{= steps.a.outputs.result + steps.nope.outputs.result }}"
    assert unresolved(text, known, check_expressions=True) == ["steps.nope.outputs.result"]
