"""Any text, any scope: substitution either works or raises a podfleet error, never a raw exception."""

from hypothesis import given, settings
from hypothesis import strategies as st

from podfleet.errors import PodfleetError
from podfleet.templating import references, substitute, substitute_object, unresolved

pieces = st.sampled_from(["{{", "}}", "{{=", "{{ ", " }}", "inputs.parameters.x", "item", ".", "=",
                          "'", '"', "\\", "\n", "(", ")", "[", "]", "1", "+", "??", "steps.a-b"])
texts = st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=12).map("".join)
scopes = st.dictionaries(st.sampled_from(["inputs.parameters.x", "item", "steps.a-b.outputs.result", "x"]),
                         st.one_of(st.none(), st.text(max_size=8)), max_size=4)


@settings(max_examples=300, deadline=None)
@given(texts, scopes, st.booleans())
def test_substitute_raises_only_podfleet_errors(text, scope, allow):
    try:
        out = substitute(text, scope, allow_unresolved=allow)
    except PodfleetError:
        return
    assert isinstance(out, str)
    if "{{" not in text:
        assert out == text


@settings(max_examples=150, deadline=None)
@given(texts, scopes, st.booleans())
def test_substitute_object_raises_only_podfleet_errors(text, scope, allow):
    try:
        substitute_object({"k": [text, {text: 1}]}, scope, allow_unresolved=allow)
    except PodfleetError:
        pass


@settings(max_examples=150, deadline=None)
@given(texts)
def test_references_and_unresolved_raise_only_podfleet_errors(text):
    try:
        references(text)
        unresolved(text, {"inputs.parameters.x"})
    except PodfleetError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30).filter(lambda s: "{{" not in s and "}}" not in s and s.isprintable()))
def test_a_resolved_value_comes_out_exactly(value):
    assert substitute("<{{v}}>", {"v": value}) == f"<{value}>"
    assert substitute_object({"a": "{{v}}"}, {"v": value}) == {"a": value}
