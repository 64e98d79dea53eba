"""Reading YAML/JSON files into documents, and documents into typed resources.

Why a custom YAML resolver: PyYAML follows YAML 1.1 and turns `2024-01-01` into a date,
`yes`/`on` into booleans and `1:20` into 80, while Argo (Go, via sigs.k8s.io/yaml) keeps
them as strings in string fields. Exact round trips need the strings, so only
`true`/`false`, plain ints and floats are typed; everything else stays text.

Every expected failure is a podfleet error naming the file, the line and, for schema
problems, the Argo-style field path (`spec.templates[0].steps[0][1].name`); a pydantic
ValidationError never escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from podfleet.errors import InvalidError, ParseError
from podfleet.resources.kinds import Resource, model_for
from podfleet.resources.paths import describe_errors, line_of_path

_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                 "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}


class _Loader(yaml.CSafeLoader):
    """CSafeLoader (libyaml speed) with Go-like scalar resolution."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


@dataclass
class Document:
    """One YAML/JSON document of a file."""

    raw: dict[str, Any]
    file: str
    index: int
    line: int  # 1-based line where the document's content starts
    # The composed YAML node, kept to find the line of any field path (None for JSON).
    node: yaml.Node | None = field(default=None, repr=False, compare=False)

    @property
    def api_version(self) -> str | None:
        value = self.raw.get("apiVersion")
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> str | None:
        value = self.raw.get("kind")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str | None:
        meta = self.raw.get("metadata")
        if isinstance(meta, dict):
            value = meta.get("name") or meta.get("generateName")
            return value if isinstance(value, str) else None
        return None

    def line_of(self, field_path: str | None) -> int:
        """The 1-based line of `field_path` (`spec.templates[0].name`) in the file, or the
        nearest enclosing field that exists; the document's line when unknown."""
        if self.node is None or not field_path:
            return self.line
        return line_of_path(self.node, field_path) or self.line


class SchemaError(ParseError):
    """A document has the wrong shape; `problems` lists every (field_path, message, line)."""

    def __init__(self, problems: list[tuple[str, str, int | None]], *, file: str | None = None) -> None:
        path, message, line = problems[0]
        more = len(problems) - 1
        if more:
            message = f"{message} (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(message, file=file, line=line, field_path=path or None)
        self.problems = problems


def _list_items(doc: dict[str, Any]) -> list[Any] | None:
    """The items of a `kind: List` / `kind: WorkflowList` document, None for other documents."""
    kind = doc.get("kind")
    items = doc.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list) and "spec" not in doc:
        return items
    return None


def _expand(value: Any, file: str, index: int, line: int, node: yaml.Node | None, out: list[Document]) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise ParseError(f"document {index + 1} is {_kind_of(value)}, expected a mapping with apiVersion and kind",
                         file=file, line=line)
    items = _list_items(value)
    if items is None:
        out.append(Document(raw=value, file=file, index=len(out), line=line, node=node))
        return
    list_kind = value["kind"]
    item_kind = None if list_kind == "List" else list_kind[: -len("List")]
    item_nodes = _item_nodes(node)
    for i, item in enumerate(items):
        item_node = item_nodes[i] if item_nodes is not None and i < len(item_nodes) else None
        item_line = item_node.start_mark.line + 1 if item_node is not None else line
        if isinstance(item, dict) and item_kind:
            # Typed lists (`argo list -o yaml`) leave apiVersion/kind off their items.
            item = {"apiVersion": value.get("apiVersion"), "kind": item_kind, **item} \
                if "kind" not in item else item
        _expand(item, file, index, item_line, item_node, out)


def _item_nodes(node: yaml.Node | None) -> list[yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return None


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _yaml_error(exc: yaml.YAMLError, file: str, text: str | None = None) -> ParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    line = mark.line + 1 if mark is not None else None
    if mark is not None:
        message += f" at column {mark.column + 1}"
        message += _dash_hint(text, mark.line)
    return ParseError(message, file=file, line=line)


def _dash_hint(buffer: str | None, line: int) -> str:
    """`-key: v` (no space) is a mapping key named "-key", not a list item: say so."""
    if not buffer:
        return ""
    lines = buffer.splitlines()[max(0, line - 3):line + 1]
    for text in lines:
        stripped = text.lstrip()
        if len(stripped) > 1 and stripped[0] == "-" and stripped[1].isalpha() and ":" in stripped:
            key = stripped.split(":", 1)[0]
            return (f"; {key!r} is a key, not a list item: a list item needs a space after the dash "
                    f"('- {key[1:]}:'), as kubectl would require too")
    return ""


def _load_json(text: str, file: str) -> list[Document]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg} at column {exc.colno}", file=file, line=exc.lineno) from None
    out: list[Document] = []
    values = value if isinstance(value, list) else [value]
    for i, item in enumerate(values):
        _expand(item, file, i, 1, None, out)
    return out


def load_text(text: str, file: str = "<stdin>", *, keep_nodes: bool = True) -> list[Document]:
    """Every document of `text`: multi-document YAML (`---`), or JSON (an object, an array,
    or a `List` kind). Empty documents are skipped.

    `keep_nodes=False` drops the YAML node tree after reading (less memory for huge
    files); `Document.line_of` then answers with the document's line only."""
    stripped = text.lstrip()
    if not stripped:
        return []
    if file.endswith(".json") or stripped.startswith(("{", "[")):
        try:
            return _load_json(text, file)
        except ParseError:
            if file.endswith(".json"):
                raise
            # `{a: 1}` is YAML flow style, not JSON: read it as YAML below.
    out: list[Document] = []
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            value = loader.construct_document(node)
            _expand(value, file, index, node.start_mark.line + 1, node if keep_nodes else None, out)
            index += 1
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file, text) from None
    except (TypeError, ValueError) as exc:
        # e.g. an unhashable mapping key (`? [a]: b`) or a bad base-60 int.
        raise ParseError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    return out


def load_file(path: str | Path, *, keep_nodes: bool = True) -> list[Document]:
    """The documents of one file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidError(f"no such file: {name}", file=name) from None
    except IsADirectoryError:
        raise InvalidError(f"is a directory: {name}", file=name) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not a UTF-8 text file ({exc.reason} at byte {exc.start})", file=name) from None
    except OSError as exc:
        raise InvalidError(f"cannot read {name}: {exc.strerror or exc}", file=name) from None
    return load_text(text, name, keep_nodes=keep_nodes)


_SUFFIXES = (".yaml", ".yml", ".json")


def load_paths(paths: Iterable[str | Path], *, keep_nodes: bool = True) -> list[Document]:
    """The documents of files and folders (folders recursively, *.yaml *.yml *.json),
    folder contents sorted by path so the result is the same on every machine."""
    out: list[Document] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in _SUFFIXES)
            for f in files:
                out.extend(load_file(f, keep_nodes=keep_nodes))
        else:
            out.extend(load_file(p, keep_nodes=keep_nodes))
    return out


def parse_resource(doc: Document) -> Resource:
    """The typed model for `doc`'s kind. Raises InvalidError/ParseError (never a pydantic
    error) for a missing apiVersion/kind, an unknown kind, or fields of the wrong shape."""
    for key in ("apiVersion", "kind"):
        value = doc.raw.get(key)
        if value is None or value == "":
            raise ParseError(f"missing {key}", file=doc.file, line=doc.line, field_path=key)
        if not isinstance(value, str):
            raise ParseError(f"{key} must be a string, got {_kind_of(value)}", file=doc.file,
                             line=doc.line_of(key), field_path=key)
    try:
        cls = model_for(doc.raw["apiVersion"], doc.raw["kind"])
    except InvalidError as exc:
        raise ParseError(exc.message, file=doc.file, line=doc.line_of(exc.field_path),
                         field_path=exc.field_path) from None
    try:
        return cls.model_validate(doc.raw)
    except ValidationError as exc:
        problems = [(path, message, doc.line_of(path)) for path, message in describe_errors(exc, doc.raw)]
        problems.sort(key=lambda p: p[2] or 0)
        raise SchemaError(problems, file=doc.file) from None


def parse_text(text: str, file: str = "<stdin>") -> list[Resource]:
    """Shortcut: every document of `text` as a typed resource."""
    return [parse_resource(d) for d in load_text(text, file)]


__all__ = ["Document", "SchemaError", "load_text", "load_file", "load_paths", "parse_resource", "parse_text"]
