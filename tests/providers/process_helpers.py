"""Pods and a run-to-completion helper shared by the process provider tests."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

import pytest

from podfleet.providers.contract import PodStatus
from podfleet.providers.process import ProcessProvider
from podfleet.resources.pod import Pod

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


def make_pod(name: str, command: list[str] | None = None, *, template: dict[str, Any] | None = None,
             workflow: str = "wf", **spec: Any) -> Pod:
    containers = spec.pop("containers", None) or [{"name": "main", "image": "alpine:3", "command": command}]
    annotations = {"workflows.argoproj.io/node-name": f"{workflow}[0].{name}"}
    annotations["podfleet.io/template"] = json.dumps(template or {})
    return Pod.model_validate({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "argo", "labels": {"workflows.argoproj.io/workflow": workflow},
                     "annotations": annotations},
        "spec": {"containers": containers, **spec},
    })


async def run_to_end(provider: ProcessProvider, pod: Pod, timeout: float = 20) -> PodStatus:
    events = provider.events()
    await provider.create_pod(pod)

    async def final() -> PodStatus:
        async for status in events:
            if status.name == pod.name and status.phase.completed:
                return status
        raise AssertionError("event stream ended")

    return await asyncio.wait_for(final(), timeout)
