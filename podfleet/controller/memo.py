"""memoize: reuse a template's outputs from a ConfigMap cache (Argo's controller/cache).

A hit creates the node already Succeeded with the cached outputs and
`memoizationStatus.hit: true`; a miss runs the node and, when it succeeds, asks the
runner to write `{nodeID, outputs, creationTimestamp, lastHitTimestamp}` under the key
(`configmaps_to_write` entries are ConfigMaps whose `data` keys are merged into the
existing map). Entries older than `maxAge` do not count as hits.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable

from podfleet.controller.context import Pass
from podfleet.controller.nodes import PENDING, SUCCEEDED, Node, parse_time
from podfleet.durations import parse_duration
from podfleet.errors import PodfleetError

CACHE_LABEL = "workflows.argoproj.io/configmap-type"


def _cache_name(tmpl: dict[str, Any]) -> str:
    return str(((tmpl.get("memoize") or {}).get("cache") or {}).get("configMap", {}).get("name") or "")


def check_memo(p: Pass, call: Any, tmpl: dict[str, Any], init: Callable[..., Node]) -> Node | None:
    """Look the key up; on a hit create the finished node. Returns None on a miss (run normally)."""
    memo = tmpl["memoize"]
    key, name = str(memo.get("key") or ""), _cache_name(tmpl)
    cm = p.resolver.config_map(p.namespace, name)
    if cm is not None and not isinstance(cm, dict):
        cm = cm.dump()
    raw = ((cm or {}).get("data") or {}).get(key)
    entry: dict[str, Any] | None = None
    if raw:
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
    hit = entry is not None
    if hit and memo.get("maxAge"):
        try:
            max_age = parse_duration(memo["maxAge"])
        except PodfleetError:
            max_age = 0
        created = parse_time((entry or {}).get("creationTimestamp"))
        if created is None or p.now - created > timedelta(seconds=max_age):
            hit = False
    if not hit:
        return None
    from podfleet.controller.execute import NODE_TYPES
    from podfleet.controller.templates import template_type

    node = init(p, call, tmpl, NODE_TYPES.get(template_type(tmpl) or "", "Pod"), PENDING)
    node["memoizationStatus"] = {"hit": True, "key": key, "cacheName": name}
    outputs = (entry or {}).get("outputs")
    if outputs:
        node["outputs"] = outputs
    return p.nodes.mark(node, SUCCEEDED)


def save(p: Pass, node: Node) -> None:
    """A memoized node succeeded: write its outputs to the cache."""
    status = node.get("memoizationStatus")
    if not status or status.get("hit"):
        return
    entry = {
        "nodeID": node["id"],
        "outputs": node.get("outputs") or {},
        "creationTimestamp": p.nodes.now_text,
        "lastHitTimestamp": p.nodes.now_text,
    }
    p.actions.configmaps_to_write.append({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": status.get("cacheName"), "namespace": p.namespace, "labels": {CACHE_LABEL: "Cache"}},
        "data": {status.get("key"): json.dumps(entry, separators=(",", ":"))},
    })


__all__ = ["check_memo", "save", "CACHE_LABEL"]
