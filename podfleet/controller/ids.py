"""Deterministic node ids and pod names, exactly as Argo derives them.

Everything here is a pure function of names, which is what makes a reconcile
idempotent: re-running it after a crash computes the same ids and pod names,
so existing pods are adopted instead of duplicated (`workflow/util/pod_name.go`,
`Workflow.NodeID` in Argo's `workflow_types.go`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
# Kubernetes names are at most 253 characters; Argo keeps room for "-" + a 10-digit hash.
_MAX_PREFIX = 253 - 10


@lru_cache(maxsize=1 << 16)
def fnv32a(text: str) -> int:
    """The 32-bit FNV-1a hash of the UTF-8 bytes of `text` (Go's hash/fnv New32a)."""
    h = _FNV_OFFSET
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def node_id(workflow_name: str, node_name: str) -> str:
    """`<wf>` for the root node, `<wf>-<fnv32a(nodeName)>` (decimal) for every other node."""
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv32a(node_name)}"


def pod_name(workflow_name: str, node_name: str, template_name: str | None) -> str:
    """Argo's v2 pod name: `<wf>-<templateName>-<fnv32a(nodeName)>`, prefix cut to fit 253."""
    if node_name == workflow_name:
        return workflow_name
    prefix = f"{workflow_name}-{template_name}" if template_name else workflow_name
    if len(prefix) > _MAX_PREFIX - 1:
        prefix = prefix[: _MAX_PREFIX - 1]
    return f"{prefix}-{fnv32a(node_name)}"


def on_exit_node_name(parent_name: str) -> str:
    return f"{parent_name}.onExit"


def hook_node_name(parent_name: str, hook: str) -> str:
    return f"{parent_name}.hooks.{hook}"


_SEPARATOR = re.compile(r"^(\[\d+\])?\.")


def display_name(node_name: str, boundary_name: str | None) -> str:
    """The node name relative to its boundary (`wf[0].step` under `wf` → `step`), as Argo shows it."""
    if boundary_name is None:
        return node_name
    shown = node_name[len(boundary_name):] if node_name.startswith(boundary_name) else node_name
    return _SEPARATOR.sub("", shown, count=1)


__all__ = ["fnv32a", "node_id", "pod_name", "on_exit_node_name", "hook_node_name", "display_name"]
