"""What the process provider tests share: the pod helpers, and a skip without bubblewrap."""

from __future__ import annotations

import shutil

import pytest
from tests.providers.pods import make_pod, run_to_end

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

__all__ = ["make_pod", "needs_bwrap", "run_to_end"]
