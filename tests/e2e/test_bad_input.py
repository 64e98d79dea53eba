"""Bad input gets one clear line naming the file, the field and why — never a traceback —
and nothing already stored is lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.cli import REPO, podfleet, write

BROKEN = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: broken-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: does-not-exist
"""


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


def test_a_workflow_that_fails_lint_is_rejected_and_nothing_is_stored(tmp_path: Path, podfleet_home: Path) -> None:
    good = podfleet("submit", str(REPO / "examples" / "hello-world.yaml"), "--wait", home=podfleet_home)
    assert good.code == 0, good.err
    path = write(tmp_path, "broken.yaml", BROKEN)
    result = podfleet("submit", str(path), "--wait", home=podfleet_home)
    assert result.code == 1
    _no_traceback(result.err)
    assert "spec.templates[0].steps[0][0].template" in result.err
    assert "does-not-exist" in result.err
    listed = podfleet("list", "-o", "name", home=podfleet_home)
    assert listed.code == 0
    names = listed.out.split()
    assert len(names) == 1 and names[0].startswith("hello-world-")


def test_missing_file(podfleet_home: Path) -> None:
    result = podfleet("submit", "no/such/file.yaml", home=podfleet_home)
    assert result.code == 1
    _no_traceback(result.err)
    assert "no/such/file.yaml" in result.err


def test_file_that_is_not_yaml_names_file_and_line(tmp_path: Path, podfleet_home: Path) -> None:
    path = write(tmp_path, "bad.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: entrypoint: main\n")
    for verb in ("submit", "lint"):
        result = podfleet(verb, str(path), home=podfleet_home)
        assert result.code == 1
        _no_traceback(result.err + result.out)
        assert "bad.yaml" in result.err + result.out
        assert ":3" in result.err + result.out or "line 3" in result.err + result.out


def test_unknown_workflow_name(podfleet_home: Path) -> None:
    for args in (("get", "nope"), ("logs", "nope"), ("delete", "nope"), ("retry", "nope")):
        result = podfleet(*args, home=podfleet_home)
        assert result.code == 1, args
        _no_traceback(result.err)
        assert 'workflow "nope" not found' in result.err, (args, result.err)


def test_corrupt_store_is_reported_and_left_alone(podfleet_home: Path) -> None:
    podfleet_home.mkdir(parents=True)
    store = podfleet_home / "store.db"
    store.write_bytes(b"this is not a database" * 100)
    result = podfleet("list", home=podfleet_home)
    assert result.code == 1
    _no_traceback(result.err)
    assert str(store) in result.err
    assert store.read_bytes() == b"this is not a database" * 100


def test_locked_store_is_reported(tmp_path: Path, podfleet_home: Path) -> None:
    assert podfleet("submit", str(REPO / "examples" / "hello-world.yaml"), "--wait", home=podfleet_home).code == 0
    holder = sqlite3.connect(podfleet_home / "store.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = podfleet("submit", str(REPO / "examples" / "hello-world.yaml"), home=podfleet_home)
    finally:
        holder.rollback()
        holder.close()
    assert result.code == 1
    _no_traceback(result.err)
    assert "locked" in result.err
    listed = podfleet("list", "-o", "name", home=podfleet_home)
    assert len(listed.out.split()) == 1
