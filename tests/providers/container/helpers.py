"""Pods and a run-to-completion helper for the container provider tests.

These tests run real containers from the local image kit: `scripts/test-images/setup.sh`
must have run (CI does it in `.ci/run`). Without an engine they fail, saying so.
"""

from __future__ import annotations

from tests.providers.pods import make_pod, run_to_end

__all__ = ["make_pod", "run_to_end"]
