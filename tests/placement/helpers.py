"""Running workflows through the real CLI on a fleet described by an eci-profile ConfigMap."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml

from podfleet.providers.contract import PodStatus
from podfleet.providers.process import ProcessProvider
from tests.e2e.cli import podfleet, seed_workflows, write


def apply_profile(tmp: Path, home: Path, zones: list[dict[str, Any]], **data: str) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "eci-profile", "namespace": "kube-system"},
          "data": {"vSwitchIds": ",".join(z["name"] for z in zones), "zones": yaml.safe_dump(json.loads(json.dumps(zones))), **data}}
    applied = podfleet("apply", "-f", str(write(tmp, "eci-profile.yaml", yaml.safe_dump(cm))), home=home)
    assert applied.code == 0, applied.err


def submit(tmp: Path, home: Path, text: str, name: str) -> dict[str, Any]:
    path = write(tmp, f"{name}.yaml", text)
    done = podfleet("submit", str(path), "--wait", "--name", name, "-o", "name", home=home, timeout=300)
    got = podfleet("get", name, "-o", "json", home=home)
    assert got.code == 0, got.err + done.err
    return got.json()


def pods(home: Path, workflow: str) -> list[dict[str, Any]]:
    listed = podfleet("pods", workflow, "-o", "json", home=home)
    assert listed.code == 0, listed.err
    return listed.json()["items"]


def seed_third(sleep: str) -> str:
    """The seed's multi-spec / VSwitchRandom / fail-fast workflow, `sleep 30` shortened."""
    doc = next(d for d in seed_workflows() if "eci-fail-strategy" in d)
    return doc.replace("sleep 30", f"sleep {sleep}")


def provider_pods(home: Path, workflow: str) -> list[PodStatus]:
    async def main() -> list[PodStatus]:
        provider = ProcessProvider(home)
        try:
            return [p for p in await provider.list_pods()
                    if p.labels.get("workflows.argoproj.io/workflow") == workflow]
        finally:
            await provider.close()

    return asyncio.run(main())


def max_concurrent(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


def annotations(pod: dict[str, Any]) -> dict[str, str]:
    return pod["metadata"].get("annotations") or {}


__all__ = ["apply_profile", "submit", "pods", "seed_third", "provider_pods", "max_concurrent", "annotations",
           "json", "podfleet", "write"]
