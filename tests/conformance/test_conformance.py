"""Every Argo construct, run through `podfleet submit --wait`, must end exactly as Argo ends it.

The cases live in `workflows/` (see `harness.py` for the expectation language). The
same cases run for every pod provider: a provider may not change what a user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import compare, describe, load_cases, run_case, run_rejected

PROVIDERS = ["process", "container"]
CASES = load_cases()


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_workflow_ends_as_argo_ends_it(case, provider: str, podfleet_home: Path) -> None:
    if provider in case.provider_skip:
        pytest.skip(f"{case.name} does not apply to the {provider} provider")
    if case.expect.get("rejected"):
        diffs = run_rejected(case, podfleet_home, provider)
        assert not diffs, "\n".join([f"{case.name}: differs from Argo ({case.expect.get('argo', '')})", *diffs])
        return
    run = run_case(case, podfleet_home, provider)
    diffs = compare(case, run)
    assert not diffs, "\n".join([f"{case.name}: differs from Argo ({case.expect.get('argo', '')})", *diffs,
                                 describe(run)])
