"""Run the real `podfleet` command the way a user does, and read its JSON back."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seed" / "argo-on-elastic-container-instances.txt"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def podfleet(*args: str, home: Path, timeout: float = 120, input: str | None = None,
             env: dict[str, str] | None = None) -> Result:
    full_env = {**os.environ, "PODFLEET_HOME": str(home), "PODFLEET_PROVIDER": "process", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "podfleet", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, input=input, cwd=REPO)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def nodes_by_display_name(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def seed_workflows() -> list[str]:
    """The YAML documents of the seed scenario, in order, dedented."""
    lines = SEED.read_text().splitlines()
    docs: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == "apiVersion: argoproj.io/v1alpha1":
            indent = len(line) - len(line.lstrip())
            block = []
            while i < len(lines):
                text = lines[i]
                depth = len(text) - len(text.lstrip())
                top_key = depth == indent and re.match(r"[A-Za-z][\w.-]*:( |$)", text.lstrip())
                if text.strip() and not (depth > indent or top_key or text.lstrip() == "---"):
                    break
                block.append(text[indent:] if text.strip() else "")
                i += 1
            docs.append("\n".join(block).strip() + "\n")
            continue
        i += 1
    return docs
