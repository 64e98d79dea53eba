"""YAML and JSON out, in the shape Argo shows (`argo get -o yaml` / `-o json`).

Block style, keys in model order (Argo's Go struct order) or the dict's own order, no
YAML anchors/aliases, unicode kept, multi-line strings (script sources) as `|` blocks.
Strings a YAML 1.1 reader would mistake for something else (`"yes"`, `"2024-01-01"`,
`"010"`) are quoted, so the output reads back the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import Enum
from typing import Any

import yaml
from pydantic import BaseModel

from podfleet.resources.base import ArgoModel, ScalarString


class _Dumper(yaml.CSafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data))


def _represent_scalar_string(dumper: yaml.SafeDumper, data: ScalarString) -> yaml.Node:
    return dumper.represent_data(data.original)


def _represent_enum(dumper: yaml.SafeDumper, data: Enum) -> yaml.Node:
    return dumper.represent_data(data.value)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(ScalarString, _represent_scalar_string)
_Dumper.add_multi_representer(Enum, _represent_enum)


def _plain(obj: Any) -> Any:
    if isinstance(obj, ArgoModel):
        return obj.dump()
    if isinstance(obj, BaseModel):
        return obj.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return obj


def to_yaml(obj: Any) -> str:
    """A model or plain data as one YAML document (no `---`)."""
    return yaml.dump(_plain(obj), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=10_000)


def to_yaml_all(objs: Iterable[Any]) -> str:
    """Several documents separated by `---`."""
    return yaml.dump_all([_plain(o) for o in objs], Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=False, width=10_000, explicit_start=True)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, ScalarString):
        return obj.original
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, BaseModel):
        return _plain(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def to_json(obj: Any, indent: int | None = 2) -> str:
    """A model or plain data as JSON (unicode kept)."""
    return json.dumps(_plain(obj), indent=indent, ensure_ascii=False, default=_json_default)


__all__ = ["to_yaml", "to_yaml_all", "to_json"]
