"""Argo's `{{ }}` templating: finding tags, substituting them, and building variable scopes.

`substitute`/`substitute_object` replace tags with Argo's rules; `variables` builds the
flat scopes the controller passes in; `scope_check.unresolved` is what lint uses.
"""

from podfleet.templating.scope_check import unresolved
from podfleet.templating.substitute import (
    MissingVariableError, Reference, references, strict_prefixes, substitute, substitute_object,
)
from podfleet.templating.tags import Tag, find_tags

__all__ = [
    "substitute", "substitute_object", "references", "Reference", "MissingVariableError",
    "strict_prefixes", "Tag", "find_tags", "unresolved",
]
