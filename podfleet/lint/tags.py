"""Finding `{{ }}` tags the way Argo's fasttemplate does, without resolving them.

Lint only needs to know which tags a string holds and of which kind (simple
`{{inputs.parameters.x}}` or expression `{{= expr }}`), and to blank them out before a
string is parsed as something else (`when`, a resource manifest). The real
substitution lives in podfleet.templating; this is the cheap read-only half, kept
here so linting a 10,000-node workflow stays a single pass over its strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# A string that still holds a `{{...}}` is "templated": its value is only known at run time.
_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
# Argo's `isParameter`: a whole simple tag such as `{{inputs.parameters.n}}`.
_PARAM = re.compile(r"\{\{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*\}\}")
PLACEHOLDER = "argoLintPlaceholder"


def tags(text: str) -> Iterator[tuple[bool, str]]:
    """(is_expression, body) for each tag in `text`; body is stripped, expression bodies without `=`."""
    if "{{" not in text:
        return
    for match in _TAG.finditer(text):
        body = match.group(1)
        if body.startswith("="):
            yield True, body[1:].strip()
        else:
            yield False, body.strip()


def is_templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value and "}}" in value


def is_parameter(text: str) -> bool:
    """True when `text` contains a simple parameter tag (Argo's `isParameter`)."""
    return bool(_PARAM.search(text))


def blank_tags(text: str, placeholder: str = PLACEHOLDER) -> str:
    """`text` with every tag replaced by `placeholder` (what Argo's validator sees after substitution)."""
    if "{{" not in text:
        return text
    return _TAG.sub(placeholder, text)


def strings_in(value: Any, path: str, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """(field_path, string) for every string value nested in `value`; keys in `skip` are not entered.

    Iterative, so deeply nested input cannot exhaust the recursion limit.
    """
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            if "{{" in node:
                yield where, node
        elif isinstance(node, dict):
            for key, child in reversed(list(node.items())):
                if key in skip and where == path:
                    continue
                stack.append((f"{where}.{key}" if where else str(key), child))
        elif isinstance(node, list):
            for index in range(len(node) - 1, -1, -1):
                stack.append((f"{where}[{index}]", node[index]))


__all__ = ["tags", "is_templated", "is_parameter", "blank_tags", "strings_in", "PLACEHOLDER"]
