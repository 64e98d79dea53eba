"""Fixtures shared by every test area."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def podfleet_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh $PODFLEET_HOME for the test, so no test sees another's store or pods."""
    home = tmp_path / "podfleet-home"
    monkeypatch.setenv("PODFLEET_HOME", str(home))
    monkeypatch.delenv("PODFLEET_NAMESPACE", raising=False)
    monkeypatch.setenv("PODFLEET_PROVIDER", "process")
    return home
