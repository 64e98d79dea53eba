"""One error vocabulary for the whole of podfleet.

Every layer raises these and only these for expected failures, so the CLI can print
them as one clear line (never a traceback) and the REST server can map them to
HTTP codes in one place. Each error can carry the file and the field path it is
about (`spec.templates[2].steps[0][1]`), shown the way `argo lint` shows them.
"""

from __future__ import annotations


class PodfleetError(Exception):
    """Base of every error podfleet expects and reports to a user."""

    def __init__(self, message: str, *, file: str | None = None, field_path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.field_path = field_path

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.field_path) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class InvalidError(PodfleetError):
    """The input is wrong (bad YAML, bad field, failed lint). Retrying will not help."""


class ParseError(InvalidError):
    """A file could not be parsed; `line` (1-based) says where when known."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field_path: str | None = None) -> None:
        super().__init__(message, file=file, field_path=field_path)
        self.line = line

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.field_path) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ExpressionError(InvalidError):
    """An expression (govaluate `when`, expr-lang `depends`/`{{= }}`) failed to parse or evaluate.

    `position` is the 0-based character offset in `expression` where the problem is.
    """

    def __init__(self, reason: str, *, expression: str, position: int | None = None) -> None:
        at = f" at position {position}" if position is not None else ""
        super().__init__(f"{reason}{at} in expression {expression!r}")
        self.reason = reason
        self.expression = expression
        self.position = position


class TemplateError(InvalidError):
    """A `{{ }}` tag could not be resolved (`failed to resolve {{steps.x.outputs.result}}`)."""


class NotFoundError(PodfleetError):
    """The named object does not exist."""


class ConflictError(PodfleetError):
    """The object exists already, or changed since it was read (resourceVersion mismatch)."""


class TransientError(PodfleetError):
    """A failure that may go away by itself (a provider or store hiccup); retry after `delay` seconds."""

    def __init__(self, message: str, *, delay: float = 1.0, **kwargs: str | None) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.delay = delay


class ProviderError(PodfleetError):
    """A pod provider could not do what was asked (engine missing, sandbox failure)."""


class StoreError(PodfleetError):
    """The store is unusable (locked, corrupt, wrong schema)."""


__all__ = [
    "PodfleetError", "InvalidError", "ParseError", "ExpressionError", "TemplateError",
    "NotFoundError", "ConflictError", "TransientError", "ProviderError", "StoreError",
]
