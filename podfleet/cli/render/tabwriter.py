"""Column alignment with the semantics of Go's `text/tabwriter`.

Argo prints every table through tabwriter, and its alignment has quirks that
users see: only tab-terminated cells form columns (the last cell of a line is
never padded), a column's width is set by the run of consecutive lines that
have that column, and a line without any tab starts a fresh table. Rendering
through the same rules makes podfleet's tables line up exactly like Argo's.

Two deliberate differences: widths ignore ANSI colour escapes (Go counts them
and Argo pads its header with a dummy escape to compensate), and trailing
spaces are removed from each line.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible_width(cell: str) -> int:
    """Width of a cell as tabwriter counts it: code points, colour escapes excluded."""
    return len(_ANSI.sub("", cell))


class _Formatter:
    def __init__(self, rows: list[list[str]], minwidth: int, padding: int) -> None:
        self.rows = rows
        self.minwidth = minwidth
        self.padding = padding
        self.widths: list[int] = []
        self.out: list[str] = []

    def write_lines(self, start: int, end: int) -> None:
        for row in self.rows[start:end]:
            parts = []
            for j, cell in enumerate(row):
                parts.append(cell)
                if j < len(self.widths):
                    parts.append(" " * max(0, self.widths[j] - visible_width(cell)))
            self.out.append("".join(parts).rstrip(" "))

    def format(self, line0: int, line1: int) -> None:
        column = len(self.widths)
        this = line0
        while this < line1:
            if column >= len(self.rows[this]) - 1:
                this += 1
                continue
            # A block of consecutive lines that all have a cell in this column.
            self.write_lines(line0, this)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(self.rows[this]) - 1:
                width = max(width, visible_width(self.rows[this][column]) + self.padding)
                this += 1
            self.widths.append(width)
            self.format(line0, this)
            self.widths.pop()
            line0 = this
        self.write_lines(line0, line1)


def tabulate(lines: list[str], *, padding: int = 2, minwidth: int = 0) -> list[str]:
    """Align tab-separated `lines` (no newlines inside) into columns; returns the lines."""
    out: list[str] = []
    segment: list[list[str]] = []

    def flush() -> None:
        if segment:
            formatter = _Formatter(segment, minwidth, padding)
            formatter.format(0, len(segment))
            out.extend(formatter.out)
            segment.clear()

    for line in lines:
        cells = line.split("\t")
        segment.append(cells)
        if len(cells) == 1:
            # A line with a single cell cannot affect any column: tabwriter flushes here.
            flush()
    flush()
    return out


def tabulate_text(lines: list[str], *, padding: int = 2, minwidth: int = 0) -> str:
    """`tabulate` joined into text with a trailing newline per line."""
    return "".join(line + "\n" for line in tabulate(lines, padding=padding, minwidth=minwidth))


__all__ = ["tabulate", "tabulate_text", "visible_width"]
