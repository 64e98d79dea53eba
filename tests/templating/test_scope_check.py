"""What lint reports as unresolvable, following Argo's validator."""

import pytest

from podfleet.errors import TemplateError
from podfleet.templating import unresolved

KNOWN = {"inputs.parameters.x", "steps.a.outputs.result", "workflow.name"}


def test_reports_unknown_step_reference():
    assert unresolved("{{steps.nope.outputs.result}} {{steps.a.outputs.result}}", KNOWN) == [
        "steps.nope.outputs.result"]


def test_names_outside_workflow_roots_are_not_checked():
    assert unresolved("{{foo}} {{retries}} {{item}}", KNOWN) == []


def test_allowed_prefixes_pass():
    assert unresolved("{{item.name}} {{workflow.outputs.parameters.z}}", KNOWN,
                      ["item.", "workflow.outputs.parameters."]) == []
    assert unresolved("{{item.name}}", KNOWN) == ["item.name"]


def test_runtime_only_names_are_exempt_like_argo():
    text = "{{workflow.duration}} {{workflow.scheduledTime}} {{outputs.result}} {{node.name}}"
    assert unresolved(text, KNOWN) == []
    assert unresolved("{{workflow.duration}}", KNOWN, argo_exemptions=False) == ["workflow.duration"]


def test_each_name_reported_once_in_order():
    assert unresolved("{{inputs.parameters.b}}{{inputs.parameters.a}}{{ inputs.parameters.b }}", KNOWN) == [
        "inputs.parameters.b", "inputs.parameters.a"]


def test_expression_tags_are_not_checked_by_default():
    assert unresolved("{{= steps.nope.outputs.result }}", KNOWN) == []


def test_unclosed_tag_is_an_error():
    with pytest.raises(TemplateError):
        unresolved("{{inputs.parameters.x", KNOWN)
