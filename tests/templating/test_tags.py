"""Finding tags: fasttemplate's rules (first `}}` closes, `=` makes an expression, unclosed fails)."""

import pytest

from podfleet.errors import TemplateError
from podfleet.templating.tags import EXPRESSION, SIMPLE, find_tags


def test_simple_tag_name_is_trimmed_and_span_covers_braces():
    text = "echo {{ inputs.parameters.x }}!"
    [tag] = find_tags(text)
    assert tag.kind == SIMPLE
    assert tag.expression == "inputs.parameters.x"
    assert text[tag.start:tag.end] == "{{ inputs.parameters.x }}"


def test_equals_right_after_braces_makes_an_expression_tag():
    [tag] = find_tags("{{= asInt(inputs.parameters.x) * 2 }}")
    assert tag.kind == EXPRESSION
    assert tag.expression == " asInt(inputs.parameters.x) * 2 "


def test_space_before_equals_is_a_simple_tag():
    [tag] = find_tags("{{ =x}}")
    assert tag.kind == SIMPLE and tag.expression == "=x"


def test_first_closing_braces_end_the_tag():
    tags = find_tags("{{inputs.parameters.{{item}}}}")
    assert [t.raw for t in tags] == ["inputs.parameters.{{item"]


def test_several_tags_in_order():
    assert [t.expression for t in find_tags("{{a}}-{{b}}{{c}}")] == ["a", "b", "c"]


def test_text_without_tags_and_lone_closing_braces():
    assert find_tags("no tags }} here") == []


def test_unclosed_tag_is_an_error():
    with pytest.raises(TemplateError, match="cannot find end tag"):
        find_tags("echo {{inputs.parameters.x")


def test_expression_html_escapes_are_undone():
    [tag] = find_tags("{{=a \\u003c b \\u0026\\u0026 c \\u003e d}}")
    assert tag.expression == "a < b && c > d"
