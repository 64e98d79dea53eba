"""The base every Argo/Kubernetes model stands on, and the scalar types Argo is loose about.

Why hera-style models: attributes are snake_case for Python code, while the wire names
are Argo's exact camelCase (`boundaryID`, `podIP`, `from`), so YAML in and YAML out look
exactly like what `argo get -o yaml` shows. Fields the project does not interpret are
kept (`extra="allow"`) and emitted again, never dropped.

Round trips are exact because `dump()` emits only what was set (`exclude_unset`), and
because the loose scalar types below never coerce: `limit: "3"` stays a string and
`limit: 3` stays an int. Optional fields default to None (not to an empty list) on
purpose: a default container mutated in place would not count as "set" and would be
silently dropped from the dump, so code must assign (`tpl.inputs = Inputs(...)`).
Assignments are validated (and copied: `wf.status.nodes = d` stores a validated copy
of `d`, so keep working on `wf.status.nodes`, not on `d`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, TypeAlias

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

# Argo's intstr.IntOrString: `limit: 3` and `limit: "3"` are both valid and kept as given.
IntOrString: TypeAlias = StrictInt | StrictStr
# Argo's AnyString (parameter value/default/enum): Go accepts a string, number or boolean
# and reads it as its string form; we keep the YAML type so dumps are exact.
AnyString: TypeAlias = StrictStr | StrictBool | StrictInt | StrictFloat
# Plain Go ints/bools: strict, so `parallelism: "3"` is an error as it is in Argo (Go's
# JSON decoder rejects it) instead of silently becoming 3.
Int: TypeAlias = StrictInt
Bool: TypeAlias = StrictBool
Number: TypeAlias = StrictInt | StrictFloat


class ScalarString(str):
    """A string field that the YAML wrote as a number or boolean (`args: [--n, 10]`).

    Argo reads YAML through sigs.k8s.io/yaml, which turns any scalar into a string when
    the Go field is a string, so `value: 10` is valid. Python code sees the string
    ("10"); the dump writes back the original scalar (10) so round trips stay exact.
    """

    original: bool | int | float


def _validate_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        text = ScalarString(any_string(value))
        text.original = value
        return text
    raise PydanticCustomError("string_type", "Input should be a valid string")


def _serialize_str(value: str) -> Any:
    return value.original if type(value) is ScalarString else value


# A Go string field: a string, or a YAML scalar read as its string (see ScalarString).
Str = Annotated[str, PlainValidator(_validate_str), PlainSerializer(_serialize_str)]


def any_string(value: Any) -> str:
    """The string Argo makes of an AnyString/IntOrString value (`true`, `5`, `0.5`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Go's FormatFloat(v, 'f', -1, 64): shortest repr, never an exponent.
        if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(value, "f").rstrip("0").rstrip(".")
        return text
    return str(value)


def int_or_string_value(value: int | str | None) -> int | None:
    """The integer in an IntOrString, or None when it is a non-numeric string (e.g. still a `{{tag}}`)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value.strip())
    except ValueError:
        return None


# Word parts Kubernetes and Argo spell in capitals inside camelCase names
# (`boundaryID`, `podIP`, `hostIPs`, `podGC`, `containerID`, `useSDKCreds`, `insecureSkipTLS`).
_ACRONYMS = {"id": "ID", "ip": "IP", "ips": "IPs", "uid": "UID", "gc": "GC", "sdk": "SDK", "tls": "TLS",
             "uri": "URI", "cidr": "CIDR", "cidrs": "CIDRs"}


def argo_camel(name: str) -> str:
    """snake_case attribute → Argo's camelCase wire name (`pod_ip` → `podIP`, `from_` → `from`)."""
    words = [w for w in name.split("_") if w]
    if not words:
        return name
    head, rest = words[0], words[1:]
    return head + "".join(_ACRONYMS.get(w, w[:1].upper() + w[1:]) for w in rest)


class ArgoModel(BaseModel):
    """A piece of an Argo/Kubernetes object: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="allow",
        alias_generator=argo_camel,
        use_enum_values=False,
        validate_default=False,
        # Assignments are checked too: `node.phase = "Running"` becomes NodePhase.RUNNING,
        # and a wrong type fails where it is assigned instead of at dump time.
        validate_assignment=True,
        protected_namespaces=(),
    )

    def dump(self) -> dict[str, Any]:
        """The object as Argo would show it: camelCase keys, only what was set, extras kept."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")

    def to_dict(self) -> dict[str, Any]:
        """Alias of `dump()`."""
        return self.dump()

    @property
    def extras(self) -> dict[str, Any]:
        """Fields this model does not know, kept exactly as read."""
        return dict(self.__pydantic_extra__ or {})


__all__ = [
    "ArgoModel", "IntOrString", "AnyString", "Int", "Bool", "Str", "Number", "ScalarString",
    "any_string", "int_or_string_value", "argo_camel",
]
