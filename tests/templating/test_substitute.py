"""Simple-tag substitution: what ends up in a pod's args, and when Argo refuses."""

import pytest

from podfleet.errors import TemplateError
from podfleet.templating import MissingVariableError, strict_prefixes, substitute, substitute_object

SCOPE = {
    "inputs.parameters.msg": "hello world",
    "steps.a-b.outputs.result": "42",
    "workflow.name": "wf-x",
    "item": "x",
}


def test_simple_tags_are_replaced_with_whitespace_allowed():
    assert substitute("{{workflow.name}}: {{ inputs.parameters.msg }}", SCOPE) == "wf-x: hello world"


def test_hyphenated_step_name_in_simple_tag():
    assert substitute("{{steps.a-b.outputs.result}}", SCOPE) == "42"


def test_text_without_tags_is_returned_unchanged():
    assert substitute("plain } { text", SCOPE) == "plain } { text"


def test_missing_variable_is_an_error_naming_the_tag():
    with pytest.raises(MissingVariableError, match=r"failed to resolve \{\{steps.x.outputs.result\}\}") as info:
        substitute("{{steps.x.outputs.result}}", SCOPE)
    assert info.value.variable == "steps.x.outputs.result"


def test_error_message_keeps_the_tag_as_written():
    with pytest.raises(TemplateError, match=r"failed to resolve \{\{ nope \}\}"):
        substitute("{{ nope }}", SCOPE)


def test_missing_variable_stays_verbatim_when_allowed():
    assert substitute("a {{ steps.x.outputs.result }} b", SCOPE, allow_unresolved=True) == \
        "a {{ steps.x.outputs.result }} b"


def test_unknown_prefix_stays_verbatim_in_allow_mode_like_a_container_arg_at_run_time():
    assert substitute("{{foo}} {{inputs.parameters.msg}}", SCOPE, allow_unresolved=True) == "{{foo}} hello world"


def test_predicate_decides_per_variable():
    strict = strict_prefixes(["steps", "tasks"])
    assert substitute("{{inputs.parameters.y}}", SCOPE, allow_unresolved=strict) == "{{inputs.parameters.y}}"
    with pytest.raises(MissingVariableError):
        substitute("{{steps.nope.outputs.result}}", SCOPE, allow_unresolved=strict)


def test_strict_prefixes_match_whole_segments_and_spare_artifacts():
    allowed = strict_prefixes(["steps"])
    assert allowed("stepsX.y") is True
    assert allowed("steps.a.outputs.result") is False
    assert allowed("steps.a.outputs.artifacts.out") is True
    assert strict_prefixes(["steps"], allow_artifacts=False)("steps.a.outputs.artifacts.out") is False


def test_absent_optional_is_a_terminal_error_even_when_unresolved_allowed():
    scope = {"steps.skipped.outputs.result": None}
    with pytest.raises(TemplateError, match="absent optional") as info:
        substitute("{{steps.skipped.outputs.result}}", scope, allow_unresolved=True)
    assert not isinstance(info.value, MissingVariableError)


def test_nested_tag_resolves_the_inner_variable_for_a_later_pass():
    out = substitute("{{inputs.parameters.{{item}}}}", SCOPE, allow_unresolved=True)
    assert out == "{{inputs.parameters.x}}"
    assert substitute(out, {"inputs.parameters.x": "v"}) == "v"


def test_values_are_inserted_literally_including_quotes_newlines_and_braces():
    scope = {"v": 'say "hi"\n\t{{x}} \\ ünï'}
    assert substitute("[{{v}}]", scope) == '[say "hi"\n\t{{x}} \\ ünï]'


def test_value_with_a_control_character_go_cannot_quote_as_json_fails():
    with pytest.raises(TemplateError, match="invalid JSON"):
        substitute("{{v}}", {"v": "bell\x07"})


def test_non_string_scope_value_is_an_error():
    with pytest.raises(TemplateError, match="to string"):
        substitute("{{v}}", {"v": 3})  # type: ignore[dict-item]


def test_substitute_object_replaces_in_values_and_keys_and_keeps_json_safe():
    scope = {"inputs.parameters.k": "key", "inputs.parameters.v": 'a "quoted"\nvalue'}
    obj = {"args": ["{{inputs.parameters.v}}", 3, True, None], "{{inputs.parameters.k}}": {"n": 1.5}}
    assert substitute_object(obj, scope) == {
        "args": ['a "quoted"\nvalue', 3, True, None], "key": {"n": 1.5}}


def test_substitute_object_leaves_the_input_untouched():
    obj = {"a": ["{{inputs.parameters.k}}"]}
    substitute_object(obj, {"inputs.parameters.k": "v"})
    assert obj == {"a": ["{{inputs.parameters.k}}"]}


def test_substitute_object_unresolved_rules_are_the_same():
    obj = {"cmd": ["{{steps.nope.outputs.result}}"]}
    assert substitute_object(obj, {}, allow_unresolved=True) == obj
    with pytest.raises(MissingVariableError):
        substitute_object(obj, {})


def test_substitute_object_on_a_plain_string():
    assert substitute_object("{{workflow.name}}", SCOPE) == "wf-x"
