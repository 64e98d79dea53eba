"""Names of the pod layout contract (see the package docstring) and reading the template back."""

from __future__ import annotations

import json
from typing import Any

from podfleet.errors import InvalidError
from podfleet.resources.pod import Pod

from podfleet.resources.podlayout import (INCLUDE_OUTPUT_ANNOTATION, MAIN_CONTAINER, NODE_ID_ANNOTATION,  # noqa: F401
                                          NODE_NAME_ANNOTATION, SCRIPT_PATH, TEMPLATE_ANNOTATION, WORKFLOW_LABEL)

# Argo's location blocks; any of them may carry a key resolved against the repository.
LOCATION_KINDS = ("local", "s3", "oss", "gcs", "azure", "hdfs", "artifactory", "plugin", "git", "http")


def pod_template(pod: Pod) -> dict[str, Any]:
    """The node's template from the pod's annotation ({} when the pod has none: a plain pod)."""
    raw = (pod.metadata.annotations or {}).get(TEMPLATE_ANNOTATION)
    if not raw:
        return {}
    try:
        template = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InvalidError(f"annotation {TEMPLATE_ANNOTATION} is not valid JSON: {err}") from err
    if not isinstance(template, dict):
        raise InvalidError(f"annotation {TEMPLATE_ANNOTATION} must hold a JSON object")
    return template


def captures_result(pod: Pod, template: dict[str, Any]) -> bool:
    """Whether main's stdout must be kept apart for `outputs.result`.

    As in Argo: always for script templates; for other templates unless the controller
    says nothing reads the result. Pods without a template (not Argo nodes) never.
    Keeping stdout apart costs a `tee` process per pod, hence the opt-out.
    """
    annotations = pod.metadata.annotations or {}
    if TEMPLATE_ANNOTATION not in annotations:
        return False
    if "script" in template:
        return True
    return annotations.get(INCLUDE_OUTPUT_ANNOTATION, "true").lower() != "false"


def workflow_name(pod: Pod) -> str:
    return (pod.metadata.labels or {}).get(WORKFLOW_LABEL) or pod.name


def artifact_location(artifact: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for kind in LOCATION_KINDS:
        value = artifact.get(kind)
        if isinstance(value, dict):
            return kind, value
    return None
