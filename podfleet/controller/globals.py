"""Global outputs: parameters/artifacts with `globalName` become `{{workflow.outputs.…}}` and status.outputs.

Argo's addParamToGlobalScope/addArtifactToGlobalScope: the latest value wins, and the
workflow's `status.outputs` lists every exported parameter under its global name.
"""

from __future__ import annotations

from typing import Any

from podfleet.controller.context import Pass
from podfleet.controller.params import param_text


def export_outputs(p: Pass, outputs: dict[str, Any] | None) -> None:
    if not outputs:
        return
    for param in outputs.get("parameters") or ():
        gname = param.get("globalName")
        if not gname:
            continue
        value = param_text(param.get("value"))
        p.globals[f"workflow.outputs.parameters.{gname}"] = value
        current = p.global_outputs.get(gname)
        if current is None or current.get("value") != value:
            p.global_outputs[gname] = {"name": gname, "value": value}
            p.cache["outputs-changed"] = True
    for art in outputs.get("artifacts") or ():
        gname = art.get("globalName")
        if not gname:
            continue
        entry = {**art, "name": gname}
        arts = p.cache.setdefault("global-artifacts", {})
        if arts.get(gname) != entry:
            arts[gname] = entry
            p.cache["outputs-changed"] = True


__all__ = ["export_outputs"]
