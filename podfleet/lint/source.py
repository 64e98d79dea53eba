"""Reading the files `podfleet lint` is given: folders walked, YAML documents split and
loaded one by one, and every failure turned into a LintProblem instead of an exception.

Like `argo lint`, files ending in .yaml/.yml/.json are read, each `---` document on
its own (a broken document does not hide the others), and objects that are not Argo
objects (a ConfigMap, a PVC, a Grafana dashboard) are skipped. YAML is loaded with the
C loader: lint must stay close to the speed of merely parsing the file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podfleet.lint.report import LintProblem

_EXTENSIONS = (".yaml", ".yml", ".json")
_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Doc:
    """One YAML document: the same fields as podfleet.resources.loader.Document."""

    raw: Any
    file: str
    index: int
    line: int


def walk(paths: Sequence[str | Path]) -> tuple[list[str], list[LintProblem]]:
    files: list[str] = []
    problems: list[LintProblem] = []
    for path in paths:
        text = str(path)
        if os.path.isdir(text):
            for folder, dirs, names in os.walk(text):
                dirs.sort()
                files.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(_EXTENSIONS))
        elif os.path.exists(text):
            files.append(text)
        else:
            problems.append(LintProblem(text, "", "", "", "no such file or directory"))
    return files, problems


def split_documents(text: str, file: str) -> tuple[list[Doc], list[LintProblem]]:
    """Each non-empty document of `text`, loaded; a document that fails to load becomes a problem."""
    docs: list[Doc] = []
    problems: list[LintProblem] = []
    if file.endswith(".json") or text.lstrip().startswith(("{", "[")) and file.endswith(".json"):
        try:
            return [Doc(json.loads(text), file, 0, 1)], []
        except ValueError as error:
            return [], [LintProblem(file, "", "", "", f"not valid JSON: {error}")]
    starts = [0] + [m.end() + 1 for m in _SEPARATOR.finditer(text)]
    ends = [m.start() for m in _SEPARATOR.finditer(text)] + [len(text)]
    line = 1
    position = 0
    for index, (start, end) in enumerate(zip(starts, ends)):
        line += text.count("\n", position, start)
        position = start
        chunk = text[start:end] if start <= end else ""
        if not chunk.strip():
            continue
        try:
            raw = yaml.load(chunk, Loader=_Loader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            at = line + mark.line if mark is not None else line
            reason = getattr(error, "problem", None) or str(error).splitlines()[0]
            problems.append(LintProblem(file, "", "", f"line {at}", f"not valid YAML: {reason}"))
            continue
        except RecursionError:
            problems.append(LintProblem(file, "", "", f"line {line}", "not valid YAML: nested too deeply"))
            continue
        if raw is None:
            continue
        docs.append(Doc(raw, file, index, line))
    return docs, problems


def read_documents(paths: Sequence[str | Path]) -> tuple[list[Doc], list[LintProblem], list[str]]:
    files, problems = walk(paths)
    docs: list[Doc] = []
    for file in files:
        try:
            with open(file, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            problems.append(LintProblem(file, "", "", "", f"cannot read file: {error}"))
            continue
        found, bad = split_documents(text, file)
        docs.extend(found)
        problems.extend(bad)
    return docs, problems, files


__all__ = ["Doc", "walk", "split_documents", "read_documents"]
