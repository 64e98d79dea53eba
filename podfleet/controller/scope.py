"""The local scope of a steps or DAG template: what `{{steps.X.…}}` / `{{tasks.X.…}}` mean.

Argo's wfScope: flat string keys for parameters (`steps.gen.outputs.result`) and a
separate map for artifacts (resolved through `from:`), filled from the nodes the
template has already run, including the JSON-list aggregates of expanded loops.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from podfleet.controller.nodes import SUCCEEDED, Node, NodeTable
from podfleet.controller.params import param_text
from podfleet.controller.text import expr_eval, substitute
from podfleet.errors import InvalidError, TemplateError

_LOOP_INDEX = re.compile(r"\((\d+)(?::|\))")


@dataclass
class LocalScope:
    params: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_node(self, prefix: str, name: str, node: Node, nodes: NodeTable) -> None:
        """Argo's buildLocalScope (`prefix` is `steps` or `tasks`)."""
        node = last_retry_child(node, nodes) or node
        base = f"{prefix}.{name}"
        p = self.params
        p[f"{base}.id"] = node["id"]
        if node.get("startedAt"):
            p[f"{base}.startedAt"] = node["startedAt"]
        if node.get("finishedAt"):
            p[f"{base}.finishedAt"] = node["finishedAt"]
        if node.get("podIP"):
            p[f"{base}.ip"] = node["podIP"]
        if node.get("phase"):
            p[f"{base}.status"] = node["phase"]
        if node.get("hostNodeName"):
            p[f"{base}.hostNodeName"] = node["hostNodeName"]
        self.add_outputs(base, node.get("outputs"))

    def add_outputs(self, base: str, outputs: dict[str, Any] | None) -> None:
        if not outputs:
            return
        if outputs.get("result") is not None:
            self.params[f"{base}.outputs.result"] = outputs["result"]
        if outputs.get("exitCode") is not None:
            self.params[f"{base}.exitCode"] = str(outputs["exitCode"])
        for param in outputs.get("parameters") or ():
            if param.get("value") is not None:
                self.params[f"{base}.outputs.parameters.{param['name']}"] = param_text(param["value"])
        for art in outputs.get("artifacts") or ():
            self.artifacts[f"{base}.outputs.artifacts.{art['name']}"] = art

    def add_aggregate(self, prefix: str, name: str, children: list[Node]) -> None:
        """Argo's processAggregateNodeOutputs: JSON lists of the loop children's outputs, by index."""
        kept = [c for c in children if not (c.get("nodeFlag") or {}).get("hooked") and not (c.get("nodeFlag") or {}).get("retried")]
        kept.sort(key=lambda c: loop_index(c["name"]))
        param_list: list[dict[str, str]] = []
        by_name: dict[str, list[str]] = {}
        results: list[Any] = []
        for child in kept:
            outputs = child.get("outputs")
            if not outputs or child.get("phase") != SUCCEEDED:
                continue
            if outputs.get("parameters"):
                entry: dict[str, str] = {}
                for param in outputs["parameters"]:
                    value = param_text(param.get("value"))
                    entry[param["name"]] = value
                    by_name.setdefault(param["name"], []).append(value)
                param_list.append(entry)
            if outputs.get("result") is not None:
                try:
                    results.append(json.loads(outputs["result"]))
                except ValueError:
                    results.append(outputs["result"])
        base = f"{prefix}.{name}.outputs"
        self.params[f"{base}.result"] = _go_json(results)
        self.params[f"{base}.parameters"] = _go_json(param_list)
        for pname, values in by_name.items():
            self.params[f"{base}.parameters.{pname}"] = _aggregate_values(values)

    def resolve_parameter(self, value_from: dict[str, Any], globals_: dict[str, str]) -> str:
        """A steps/DAG template's output parameter: `valueFrom.parameter` or `valueFrom.expression`."""
        if value_from.get("parameter"):
            text = substitute(value_from["parameter"], {**globals_, **self.params}, strict=("steps.", "tasks."))
            if "{{" in text:
                raise TemplateError(f"Unable to resolve: {value_from['parameter']}")
            return text
        if value_from.get("expression"):
            value = expr_eval(value_from["expression"], {**globals_, **self.params})
            if value is None:
                raise InvalidError(f"expression {value_from['expression']!r} evaluated to nil")
            return param_text(value) if not isinstance(value, (dict, list)) else _go_json(value)
        raise InvalidError("output parameters must have a valueFrom specified")

    def resolve_artifact(self, art: dict[str, Any]) -> dict[str, Any] | None:
        ref = art.get("from")
        if ref:
            key = ref.strip()
            if key.startswith("{{") and key.endswith("}}"):
                key = key[2:-2].strip()
            found = self.artifacts.get(key)
            if found is None:
                raise TemplateError(f"Unable to resolve: {ref}")
            if art.get("subPath"):  # Argo narrows a `from` artifact to its subPath; the executor does it
                return {**found, "subPath": substitute(str(art["subPath"]), self.params)}
            return dict(found)
        if art.get("fromExpression"):
            value = expr_eval(art["fromExpression"], {**self.params, **self.artifacts})
            return dict(value) if isinstance(value, dict) else None
        return dict(art)


def references(p: Any, tmpl: dict[str, Any], prefix: str, name: str) -> bool:
    """Whether `tmpl` could read `{{prefix.name.…}}` or `prefix['name']`.

    The names a template refers to are collected once per pass (one regex scan of its
    text), so asking about each of 10,000 steps costs a set lookup, not a text search.
    """
    names, indexed = referenced_names(p, tmpl, prefix)
    return indexed or name in names


def referenced_names(p: Any, tmpl: dict[str, Any], prefix: str) -> tuple[frozenset[str], bool]:
    """The `prefix.<name>.` names `tmpl` mentions, and whether it indexes `prefix[…]`."""
    from podfleet.controller.context import spec_derived

    key = ("template-refs", id(tmpl), prefix)
    found = p.cache.get(key)
    if found is None:
        derived = spec_derived(p, tmpl)
        found = derived.get(key) if derived is not None else None
        if found is None:
            text = json.dumps(tmpl)
            names = frozenset(re.findall(re.escape(prefix) + r"\.([^.\s{}'\"\[\]]+)\.", text))
            found = (names, f"{prefix}[" in text)
            if derived is not None:
                derived[key] = found
        p.cache[key] = found
    return found  # type: ignore[no-any-return]


def _go_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _aggregate_values(values: list[str]) -> str:
    """Argo's aggregatedJSONValueList: inner JSON objects/lists kept as JSON, otherwise strings."""
    parsed: list[Any] = []
    for value in values:
        try:
            obj = json.loads(value)
        except ValueError:
            return _go_json(values)
        if not isinstance(obj, (dict, list)):
            return _go_json(values)
        parsed.append(obj)
    return _go_json(parsed)


def loop_index(name: str) -> int:
    matches = _LOOP_INDEX.findall(name)
    return int(matches[-1]) if matches else 0


def last_retry_child(node: Node, nodes: NodeTable) -> Node | None:
    """The latest attempt of a Retry node (hook children are not attempts)."""
    if node.get("type") != "Retry" or (node.get("memoizationStatus") or {}).get("hit"):
        return None
    for child_id in reversed(node.get("children") or ()):
        child = nodes.get(child_id)
        if child is not None and not (child.get("nodeFlag") or {}).get("hooked"):
            return child
    return None


def template_outputs(tmpl: dict[str, Any], scope: LocalScope, globals_: dict[str, str]) -> dict[str, Any] | None:
    """Argo's getTemplateOutputsFromScope for steps/DAG templates."""
    declared = tmpl.get("outputs") or {}
    if not declared.get("parameters") and not declared.get("artifacts") and declared.get("result") is None:
        return None
    outputs: dict[str, Any] = {}
    if declared.get("parameters"):
        params = []
        for param in declared["parameters"]:
            vf = param.get("valueFrom")
            if vf is None:
                raise InvalidError("output parameters must have a valueFrom specified")
            try:
                value = scope.resolve_parameter(vf, globals_)
            except (TemplateError, InvalidError):
                if vf.get("default") is None:
                    raise
                value = param_text(vf["default"])
            out = {k: v for k, v in param.items() if k != "valueFrom"}
            out["value"] = value
            params.append(out)
        outputs["parameters"] = params
    if declared.get("artifacts"):
        arts = []
        for art in declared["artifacts"]:
            try:
                resolved = scope.resolve_artifact(art)
            except TemplateError:
                if art.get("optional"):
                    continue
                raise
            if resolved is None:
                continue
            resolved["name"] = art["name"]
            if art.get("globalName"):
                resolved["globalName"] = art["globalName"]
            arts.append(resolved)
        outputs["artifacts"] = arts
    return outputs


__all__ = ["LocalScope", "template_outputs", "references", "referenced_names", "last_retry_child", "loop_index"]
