"""What lint found, and the three ways `podfleet lint` prints it.

The pretty and simple formats follow `argo lint` (cmd/argo/lint): problems grouped by
file, each naming the object as `"name" (Kind)`, then one summary line. Every problem
also carries the field path it is about, so a user can go straight to the line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class LintProblem:
    """One thing wrong with one object (or with a file that could not be read)."""

    file: str
    kind: str
    name: str  # metadata.name, else generateName, else "object #N"
    field_path: str  # `spec.templates[2].steps[0][1].template`; "" when about the whole file
    message: str

    def describe(self) -> str:
        """`in "wf-" (Workflow): spec.entrypoint: spec.entrypoint is required`-style text."""
        where = f"{self.field_path}: " if self.field_path else ""
        if self.kind or self.name:
            return f'in "{self.name}" ({self.kind or "unknown kind"}): {where}{self.message}'
        return f"{where}{self.message}"


@dataclass
class LintReport:
    problems: list[LintProblem] = field(default_factory=list)
    objects_linted: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Like `argo lint`: no problems, and at least one object was linted."""
        return not self.problems and self.objects_linted > 0

    def by_file(self) -> dict[str, list[LintProblem]]:
        grouped: dict[str, list[LintProblem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.file, []).append(problem)
        return grouped


_NOTHING = "found nothing to lint in the specified paths, failing..."


def format_pretty(report: LintReport) -> str:
    lines: list[str] = []
    for file, problems in report.by_file().items():
        lines.append(f"{file}:")
        lines.extend(f"   ✖ {p.describe()}" for p in problems)
        lines.append("")
    if report.ok:
        lines.append("✔ no linting errors found!")
    elif not report.problems and report.objects_linted == 0:
        lines.append(f"✖ {_NOTHING}")
    else:
        lines.append(f"✖ {len(report.problems)} linting errors found!")
    return "\n".join(lines) + "\n"


def format_simple(report: LintReport) -> str:
    lines = [f"{p.file}: {p.describe()}" for p in report.problems]
    if report.ok:
        lines.append("no linting errors found!")
    elif not report.problems and report.objects_linted == 0:
        lines.append(_NOTHING)
    return "".join(line + "\n" for line in lines)


def format_json(report: LintReport) -> str:
    problems = [
        {"file": p.file, "kind": p.kind, "name": p.name, "fieldPath": p.field_path, "message": p.message}
        for p in (LintProblem(**asdict(x)) for x in report.problems)
    ]
    body = {"ok": report.ok, "objectsLinted": report.objects_linted, "files": report.files,
            "errorCount": len(problems), "problems": problems}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


__all__ = ["LintProblem", "LintReport", "format_pretty", "format_simple", "format_json"]
