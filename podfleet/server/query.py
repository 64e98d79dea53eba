"""argo-server's query conventions: `fields` filtering, list options, selectors, paging.

`fields` keeps (`a.b,c`) or, with a leading `-`, drops (`-items.status.nodes`) dotted
paths of the JSON answer, the way argo-server's field cleaner does: a key is kept when
its path is named or is a prefix of a named path, and lists are walked through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from podfleet.server.errors import ApiError


@dataclass(frozen=True)
class Fields:
    exclude: bool = False
    paths: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> Fields:
        if not text:
            return cls()
        exclude = text.startswith("-")
        body = text[1:] if exclude else text
        return cls(exclude, frozenset(p.strip() for p in body.split(",") if p.strip()))

    def will_exclude(self, path: str) -> bool:
        """Would `path` be dropped from the answer (so there is no need to load it)?"""
        if not self.paths:
            return False
        matches = any(path.startswith(p) or p.startswith(path) for p in self.paths)
        return self.exclude if matches else not self.exclude

    def clean(self, data: Any) -> Any:
        if not self.paths:
            return data
        self._clean((), data)
        return data

    def _clean(self, path: tuple[str, ...], item: Any) -> None:
        if isinstance(item, dict):
            for key in list(item):
                here = ".".join((*path, key))
                named = here in self.paths
                on_the_way = named or any(p.startswith(here + ".") for p in self.paths)
                if (self.exclude and not named) or (not self.exclude and on_the_way):
                    if not named:
                        self._clean((*path, key), item[key])
                else:
                    del item[key]
        elif isinstance(item, list):
            for entry in item:
                self._clean(path, entry)


@dataclass
class Selector:
    """A Kubernetes label or field selector: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`."""

    equals: dict[str, str] = field(default_factory=dict)
    terms: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None, what: str = "label selector") -> Selector:
        out = cls()
        if not text:
            return out
        for term in _split_terms(text):
            term = term.strip()
            if not term:
                continue
            low = term.replace("\t", " ")
            if " notin " in low or " in " in low:
                op = "notin" if " notin " in low else "in"
                key, _, rest = low.partition(f" {op} ")
                rest = rest.strip()
                if not (rest.startswith("(") and rest.endswith(")")):
                    raise ApiError(3, f"invalid {what} {text!r}: expected ({op} values)")
                values = tuple(v.strip() for v in rest[1:-1].split(",") if v.strip())
                out.terms.append((key.strip(), op, values))
            elif "!=" in term:
                key, _, value = term.partition("!=")
                out.terms.append((key.strip(), "!=", (value.strip(),)))
            elif "=" in term:
                key, _, value = term.replace("==", "=").partition("=")
                out.equals[key.strip()] = value.strip()
            elif term.startswith("!"):
                out.terms.append((term[1:].strip(), "!exists", ()))
            else:
                out.terms.append((term, "exists", ()))
        for key in [*out.equals, *(t[0] for t in out.terms)]:
            if not key or " " in key:
                raise ApiError(3, f"invalid {what} {text!r}")
        return out

    def matches(self, values: dict[str, str], *, check_equals: bool = True) -> bool:
        if check_equals and any(values.get(k) != v for k, v in self.equals.items()):
            return False
        for key, op, args in self.terms:
            value = values.get(key)
            if op == "in" and value not in args:
                return False
            if op == "notin" and value in args:
                return False
            if op == "!=" and value == args[0]:
                return False
            if op == "exists" and key not in values:
                return False
            if op == "!exists" and key in values:
                return False
        return True


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside `( )`."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def field_values(obj: dict[str, Any]) -> dict[str, str]:
    """The fields a field selector may name."""
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    return {"metadata.name": str(meta.get("name", "")), "metadata.namespace": str(meta.get("namespace", "")),
            "metadata.uid": str(meta.get("uid", "")), "status.phase": str(status.get("phase") or "")}


def name_matches(name: str, wanted: str, how: str | None) -> bool:
    how = how or "Exact"
    if how == "Contains":
        return wanted in name
    if how == "Prefix":
        return name.startswith(wanted)
    if how == "NotEquals":
        return name != wanted
    return name == wanted


def parse_limit(limit: str | None) -> int:
    if limit in (None, ""):
        return 0
    try:
        value = int(limit)
    except ValueError:
        raise ApiError(3, f"invalid listOptions.limit {limit!r}: expected a number") from None
    if value < 0:
        raise ApiError(3, "listOptions.limit must not be negative")
    return value


def parse_continue(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise ApiError(3, f"invalid listOptions.continue {token!r}")
    return int(token)


def parse_time(text: str | None, what: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(3, f"invalid {what} {text!r}: expected an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise ApiError(3, f"invalid {what} {text!r}: the time needs a timezone")
    return moment


__all__ = ["Fields", "Selector", "field_values", "name_matches", "parse_limit", "parse_continue", "parse_time"]
