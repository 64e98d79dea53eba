"""Small rules shared by every checker: names, integers, arguments, loops, retries.

Each function takes a `Sink` and a field path and adds problems; none raises. Messages
follow Argo's validator wording where Argo has one, so users can search for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from podfleet.lint.report import LintProblem
from podfleet.lint.scope import Items
from podfleet.lint.syntax import duration_problem, expr_problem
from podfleet.lint.tags import is_templated

_FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
_PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+")
ARTIFACT_LOCATIONS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")
RETRY_POLICIES = ("Always", "OnFailure", "OnError", "OnTransientError")


@dataclass
class Sink:
    """Collects the problems of one object (file, kind, name)."""

    file: str
    kind: str
    name: str
    problems: list[LintProblem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.problems.append(LintProblem(self.file, self.kind, self.name, path, message))


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def as_dict(sink: Sink, value: Any, path: str) -> dict[str, Any]:
    """`value` if it is a mapping; {} (and a problem unless absent) otherwise."""
    if isinstance(value, dict):
        return value
    if value is not None:
        sink.add(path, f"must be a mapping, not {type_name(value)}")
    return {}


def as_list(sink: Sink, value: Any, path: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is not None:
        sink.add(path, f"must be a list, not {type_name(value)}")
    return []


def field_name_problem(name: str) -> str | None:
    """Argo's rule for template, step and task names."""
    if len(name) > 128:
        return "must be no more than 128 characters"
    if not _FIELD_NAME.fullmatch(name):
        return "name must consist of alpha-numeric characters or '-', and must start with an alpha-numeric " \
               "character (e.g. My-name1-2, 123-NAME)"
    return None


def check_names(sink: Sink, items: list[Any], path: str, *, params: bool = False) -> dict[str, int]:
    """Names of a list of named things are present, valid and unique; returns name → index."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            sink.add(where, f"must be a mapping, not {type_name(item)}")
            continue
        name = item.get("name")
        if name is None or name == "":
            sink.add(f"{where}.name", "name is required")
            continue
        if not isinstance(name, str):
            sink.add(f"{where}.name", f"must be a string, not {type_name(name)}")
            continue
        if params:
            problem = None if _PARAM_NAME.fullmatch(name) else \
                "Parameter/Artifact name must consist of alpha-numeric characters, '_' or '-' e.g. my_param_1, MY-PARAM-1"
        else:
            problem = field_name_problem(name)
        if problem:
            sink.add(f"{where}.name", f"'{name}' is invalid: {problem}")
        elif name in seen:
            sink.add(f"{where}.name", f"'{name}' is not unique")
        else:
            seen[name] = index
    return seen


def is_int_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, str):
        try:
            int(value.strip())
            return True
        except ValueError:
            return False
    return False


def check_non_negative(sink: Sink, value: Any, path: str, what: str) -> None:
    """An int (or int string) ≥ 0, or a templated string."""
    if value is None or is_templated(value):
        return
    if not is_int_like(value):
        sink.add(path, f"{what} must be a non-negative integer or an argo variable, not {value!r}")
    elif int(value) < 0:
        sink.add(path, f"{what} must be a non-negative integer, not {value}")


def has_location(artifact: dict[str, Any]) -> bool:
    return any(artifact.get(key) is not None for key in ARTIFACT_LOCATIONS)


def check_arguments(sink: Sink, args: Any, path: str, *, allow_empty: bool) -> None:
    """Argo's validateArguments: names, a value (or valueFrom) per parameter, enums, artifact sources."""
    args = as_dict(sink, args, path)
    params = as_list(sink, args.get("parameters"), f"{path}.parameters")
    artifacts = as_list(sink, args.get("artifacts"), f"{path}.artifacts")
    check_names(sink, params, f"{path}.parameters", params=True)
    check_names(sink, artifacts, f"{path}.artifacts", params=True)
    for index, param in enumerate(params):
        if not isinstance(param, dict):
            continue
        where = f"{path}.parameters[{index}]"
        name = param.get("name")
        value_from = param.get("valueFrom")
        if value_from is None and param.get("value") is None and not allow_empty:
            sink.add(where, f"{name}.value or {name}.valueFrom is required")
        if isinstance(value_from, dict):
            if not any(value_from.get(k) for k in ("configMapKeyRef", "event")) and value_from.get("supplied") is None \
                    or any(value_from.get(k) for k in ("path", "jsonPath", "parameter", "expression")):
                sink.add(f"{where}.valueFrom", f"{name}.valueFrom only allows: default, configMapKeyRef and supplied")
        enum = param.get("enum")
        if enum is not None:
            if not isinstance(enum, list) or not enum:
                sink.add(f"{where}.enum", f"{name}.enum should contain at least one value")
            elif param.get("value") is not None and not is_templated(param.get("value")):
                if str_value(param["value"]) not in {str_value(v) for v in enum}:
                    sink.add(f"{where}.value", f"{name}.value should be present in {name}.enum list "
                                               f"(value {str_value(param['value'])!r}, enum {[str_value(v) for v in enum]})")
    for index, art in enumerate(artifacts):
        if not isinstance(art, dict):
            continue
        where = f"{path}.artifacts[{index}]"
        name = art.get("name")
        if not art.get("from") and not art.get("fromExpression") and not has_location(art):
            sink.add(where, f"{name}.from, artifact location, or key is required")
        if art.get("from") and art.get("fromExpression"):
            sink.add(where, f"{name} shouldn't have both `from` and `fromExpression` in Artifact")
        if isinstance(art.get("fromExpression"), str):
            _expr(sink, art["fromExpression"], f"{where}.fromExpression")


def str_value(value: Any) -> str:
    """Argo's string of a parameter value (`true`, `5`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _expr(sink: Sink, source: str, path: str) -> None:
    if is_templated(source):
        return
    reason = expr_problem(source)
    if reason:
        sink.add(path, f"invalid expression {source!r}: {reason}")


def check_expression(sink: Sink, source: Any, path: str) -> None:
    """An expr-lang `expression:` field parses."""
    if source is None:
        return
    if not isinstance(source, str):
        sink.add(path, f"must be a string, not {type_name(source)}")
        return
    _expr(sink, source, path)


def check_loop(sink: Sink, node: dict[str, Any], path: str) -> Items | None:
    """withItems / withParam / withSequence are well formed; returns what `{{item}}` may be (None: no loop)."""
    with_items, with_param, with_seq = node.get("withItems"), node.get("withParam"), node.get("withSequence")
    present = [k for k, v in (("withItems", with_items), ("withParam", with_param), ("withSequence", with_seq))
               if v is not None and v != "" and v != []]
    if len(present) > 1:
        sink.add(path, f"only one of withItems, withParam, withSequence can be specified (found {', '.join(present)})")
    if not present:
        return None
    items = Items()
    if with_items is not None and with_items != []:
        if not isinstance(with_items, list):
            sink.add(f"{path}.withItems", f"withItems must be a list, not {type_name(with_items)}")
            items.scalar = items.any_key = True
        for item in with_items if isinstance(with_items, list) else ():
            if isinstance(item, dict):
                items.keys.update(str(k) for k in item)
            elif isinstance(item, list):
                items.keys.update(f"[{i}]" for i in range(len(item)))
            else:
                items.scalar = True
    if with_param is not None and with_param != "":
        if not isinstance(with_param, str):
            sink.add(f"{path}.withParam", f"withParam must be a string (a JSON list, usually a {{{{tag}}}}), "
                                          f"not {type_name(with_param)}")
        items.scalar = items.any_key = True
    if with_seq is not None:
        items.scalar = True
        if not isinstance(with_seq, dict):
            sink.add(f"{path}.withSequence", f"must be a mapping, not {type_name(with_seq)}")
        else:
            if with_seq.get("count") is not None and with_seq.get("end") is not None:
                sink.add(f"{path}.withSequence", "only one of count or end can be defined in withSequence")
            if with_seq.get("count") is None and with_seq.get("end") is None:
                sink.add(f"{path}.withSequence", "withSequence needs either count or end")
            for key in ("count", "start", "end"):
                value = with_seq.get(key)
                if value is not None and not is_templated(value) and not is_int_like(value):
                    sink.add(f"{path}.withSequence.{key}", f"{key} must be an integer or an argo variable, not {value!r}")
            if with_seq.get("format") is not None and not isinstance(with_seq["format"], str):
                sink.add(f"{path}.withSequence.format", "format must be a printf string")
    return items


def check_retry(sink: Sink, retry: Any, path: str) -> None:
    retry = as_dict(sink, retry, path)
    policy = retry.get("retryPolicy")
    if policy not in (None, "", *RETRY_POLICIES):
        sink.add(f"{path}.retryPolicy", f"{policy} is not a valid RetryPolicy (one of {', '.join(RETRY_POLICIES)})")
    limit = retry.get("limit")
    if limit is not None and not is_templated(limit) and not is_int_like(limit):
        sink.add(f"{path}.limit", f"limit must be an integer or an argo variable, not {limit!r}")
    elif limit is not None and is_int_like(limit) and int(limit) < 0:
        sink.add(f"{path}.limit", f"limit must not be negative, not {limit}")
    backoff = as_dict(sink, retry.get("backoff"), f"{path}.backoff")
    for key in ("duration", "maxDuration", "cap"):
        if backoff.get(key) is not None:
            reason = duration_problem(backoff[key])
            if reason:
                sink.add(f"{path}.backoff.{key}", reason)
    factor = backoff.get("factor")
    if factor is not None and not is_templated(factor) and not is_int_like(factor):
        sink.add(f"{path}.backoff.factor", f"factor must be an integer or an argo variable, not {factor!r}")
    check_expression(sink, retry.get("expression"), f"{path}.expression")


__all__ = [
    "Sink", "as_dict", "as_list", "check_names", "field_name_problem", "check_non_negative", "check_arguments",
    "check_loop", "check_retry", "check_expression", "has_location", "is_int_like", "str_value", "type_name",
    "ARTIFACT_LOCATIONS",
]
