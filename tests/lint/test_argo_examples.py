"""Every Argo object in Argo's own examples/ folder, linted together like `argo lint
examples/`, is clean. The folder is read from an Argo checkout (ARGO_SRC, default
/work/argo-src); podfleet does not ship Argo's files, so without a checkout this skips.

Known-invalid examples: none. Argo's own example test (examples/validation_test.go)
only skips non-Argo files (testvolume.yaml is a PVC, simple-parameters-configmap.yaml a
ConfigMap, memoize-simple.yaml for its commented ConfigMap), which lint ignores the
same way; every Workflow/WorkflowTemplate/ClusterWorkflowTemplate/CronWorkflow there
is valid, and templateRefs between them resolve because the folder is linted as one set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podfleet.lint import format_pretty, lint_paths

EXAMPLES = Path(os.environ.get("ARGO_SRC", "/work/argo-src")) / "examples"
# file name (relative to examples/) → fragment of the problem expected there.
KNOWN_INVALID: dict[str, str] = {}

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"no Argo checkout at {EXAMPLES} (set ARGO_SRC)")


def test_argo_examples_lint_clean() -> None:
    report = lint_paths([EXAMPLES])
    unexpected = [p for p in report.problems
                  if KNOWN_INVALID.get(os.path.relpath(p.file, EXAMPLES), "\0") not in p.message]
    assert not unexpected, format_pretty(report)
    assert report.objects_linted >= 200


def test_every_argo_kind_in_examples_is_linted() -> None:
    report = lint_paths([EXAMPLES])
    assert report.ok
    assert any(f.endswith("cluster-workflow-template/clustertemplates.yaml") for f in report.files)


def test_template_refs_need_their_templates_in_the_set() -> None:
    # Linted alone, a workflow using templateRef cannot find the WorkflowTemplate.
    report = lint_paths([EXAMPLES / "workflow-template" / "steps.yaml"])
    assert not report.ok
    assert any("not found" in p.message and "templateRef" in p.field_path for p in report.problems)
