"""Every command the README shows works as written.

The commands run through the installed `podfleet` console script, in a fresh
$PODFLEET_HOME, in the order the README gives them. Two are exercised elsewhere:
`pip install .` and `bash .ci/run` are what CI itself runs on a fresh clone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXERCISED_BY_CI = ("pip install", "bash .ci/run")


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if not line:
                continue
            for part in line.split("&&"):
                part = part.strip()
                if not part.startswith(EXERCISED_BY_CI):
                    commands.append(part)
    return commands


def test_readme_has_the_two_setup_commands_on_its_first_screen() -> None:
    first_screen = "\n".join((REPO / "README.md").read_text().splitlines()[:30])
    assert "podfleet submit --watch examples/hello-world.yaml" in first_screen
    assert "bash .ci/run" in first_screen


def test_every_readme_command_runs(tmp_path: Path) -> None:
    exe = shutil.which("podfleet")
    if exe is None:
        pytest.fail("the podfleet console script is not installed: run `pip install .` (or bash .ci/run)")
    env = {**os.environ, "PODFLEET_HOME": str(tmp_path / "home"), "PODFLEET_PROVIDER": "process"}
    (tmp_path / "my-templates.yaml").write_text((REPO / "tests" / "e2e" / "data" / "templates.yaml").read_text())
    for command in readme_commands():
        args = command.split()
        if args[0] == "podfleet":
            args[0] = exe
        if args[0] == "python3":
            args[0] = shutil.which("python3") or "python3"
        args = [str(REPO / a) if (REPO / a).exists() and not a.startswith("-") and "/" in a else a for a in args]
        result = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr, command
