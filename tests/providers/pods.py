"""Pods as the controller would hand them to a provider, and a run-to-completion helper:
shared by the process and container provider tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from podfleet.providers.contract import PodStatus
from podfleet.resources.pod import Pod


def make_pod(name: str, command: list[str] | None = None, *, image: str = "alpine:3.23",
             template: dict[str, Any] | None = None, workflow: str = "wf", args: list[str] | None = None,
             annotations: dict[str, str] | None = None, **spec: Any) -> Pod:
    main: dict[str, Any] = {"name": "main", "image": image}
    if command is not None:
        main["command"] = command
    if args is not None:
        main["args"] = args
    containers = spec.pop("containers", None) or [main]
    notes = {"workflows.argoproj.io/node-name": f"{workflow}[0].{name}",
             "podfleet.io/template": json.dumps(template or {}), **(annotations or {})}
    return Pod.model_validate({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "argo", "labels": {"workflows.argoproj.io/workflow": workflow},
                     "annotations": notes},
        "spec": {"containers": containers, **spec},
    })


async def run_to_end(provider: Any, pod: Pod, timeout: float = 60) -> PodStatus:
    """Create `pod` and wait for its final status from the provider's event stream."""
    events = provider.events()
    await provider.create_pod(pod)

    async def final() -> PodStatus:
        async for status in events:
            if status.name == pod.name and status.phase.completed:
                return status
        raise AssertionError("event stream ended")

    return await asyncio.wait_for(final(), timeout)


__all__ = ["make_pod", "run_to_end"]
