"""Every file in tests/lint/broken/ has one defect, named by its `# expect:` line:
`# expect: <field path fragment> | <message fragment>`. Lint must report it, at that
field, with that reason, and `podfleet lint` must fail on the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfleet.lint import format_pretty, lint_paths

BROKEN = Path(__file__).parent / "broken"
FILES = sorted(BROKEN.glob("*.yaml"))


def _expectation(path: Path) -> tuple[str, str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} has no '# expect:' line"
    field, _, message = first[len("# expect:"):].partition("|")
    return field.strip(), message.strip()


def test_catalogue_is_large_enough() -> None:
    assert len(FILES) >= 45


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_broken_file_is_reported_at_its_field(path: Path) -> None:
    field, message = _expectation(path)
    report = lint_paths([path])
    assert not report.ok
    assert len(report.problems) >= 1
    matching = [p for p in report.problems if field in p.field_path and message in p.message]
    assert matching, f"expected a problem at '{field}' saying '{message}', got:\n{format_pretty(report)}"
    assert all(p.file == str(path) for p in report.problems)
    assert "linting errors found!" in format_pretty(report)
