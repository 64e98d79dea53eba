"""Finding `{{ }}` tags in a string the way Argo's fasttemplate does.

Argo splits text at the first `{{`, takes everything up to the next `}}` as the
tag (no nesting, no trimming: `{{a{{b}}` is the one tag `a{{b`), and fails the
whole text when a `{{` has no `}}` after it. A tag whose first character is
`=` is an expression tag (`{{= expr }}`); `{{ =x}}` is a simple tag named `=x`.
Parses are cached because the controller substitutes the same template text
for every node of a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from podfleet.errors import TemplateError
from podfleet.templating.gojson import json_fix

START = "{{"
END = "}}"

SIMPLE: Literal["simple"] = "simple"
EXPRESSION: Literal["expression"] = "expression"


@dataclass(frozen=True)
class Tag:
    """One `{{ }}` occurrence.

    `raw` is the exact text between the braces; `expression` is what it means: the
    variable name (whitespace-trimmed) for a simple tag, the source after `=` for an
    expression tag. `start`/`end` span the tag including its braces.
    """

    kind: Literal["simple", "expression"]
    expression: str
    start: int
    end: int
    raw: str

    @property
    def text(self) -> str:
        return START + self.raw + END


@dataclass(frozen=True)
class Parsed:
    """Text split into literal pieces around tags: texts[0] tag[0] texts[1] ... texts[n]."""

    texts: tuple[str, ...]
    tags: tuple[Tag, ...]


def classify(raw: str, start: int = 0) -> Tag:
    """The Tag for the text between one pair of braces."""
    if raw.startswith("="):
        # Argo undoes encoding/json's HTML escaping of the expression (jsonutil.Fix).
        return Tag(EXPRESSION, json_fix(raw[1:]), start, start + len(raw) + 4, raw)
    return Tag(SIMPLE, raw.strip(), start, start + len(raw) + 4, raw)


@lru_cache(maxsize=4096)
def parse(text: str) -> Parsed:
    """Split `text` into literal pieces and tags; TemplateError if a `{{` is never closed."""
    if START not in text:
        return Parsed((text,), ())
    texts: list[str] = []
    tags: list[Tag] = []
    pos = 0
    while True:
        open_at = text.find(START, pos)
        if open_at < 0:
            texts.append(text[pos:])
            break
        texts.append(text[pos:open_at])
        close_at = text.find(END, open_at + 2)
        if close_at < 0:
            raise TemplateError(
                f'cannot find end tag="}}}}" in the template={text!r} starting from {text[open_at + 2:]!r}')
        tags.append(classify(text[open_at + 2:close_at], open_at))
        pos = close_at + 2
    return Parsed(tuple(texts), tuple(tags))


def find_tags(text: str) -> list[Tag]:
    """Every tag in `text`, in order (TemplateError on an unclosed `{{`)."""
    return list(parse(text).tags)


__all__ = ["Tag", "Parsed", "parse", "find_tags", "classify", "SIMPLE", "EXPRESSION", "START", "END"]
