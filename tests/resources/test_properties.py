"""Whatever scalar a parameter holds, writing it as YAML or JSON and reading it back
gives the same value and the same Argo string."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podfleet.resources import Parameter, Workflow, load_text, parse_resource, to_json, to_yaml

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["yes", "no", "on", "off", "2024-01-01", "1:20", "010", "0x1F", "1_000", "~", "null", "=", "1e3"]),
)


@settings(max_examples=150, deadline=None)
@given(value=scalars)
def test_parameter_values_survive_yaml_and_json(value: object) -> None:
    wf = Workflow(metadata={"name": "p"}, spec={"arguments": {"parameters": [{"name": "x", "value": value}]}})
    for text in (to_yaml(wf), to_json(wf)):
        again = parse_resource(load_text(text)[0])
        param = again.spec.arguments.parameters[0]
        assert param.value == value and type(param.value) is type(value)
        assert param.value_str() == Parameter(name="x", value=value).value_str()
