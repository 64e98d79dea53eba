"""Every Argo workflow of the seed scenario runs on podfleet's process provider.

The seed's YAML is taken from shared/seed as written; only `sleep 30` is shortened so
the suite stays quick. Concurrency is checked against the start and finish times the
provider recorded for each pod.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import SEED, nodes_by_display_name, podfleet, seed_workflows, write
from tests.placement.helpers import max_concurrent, provider_pods

pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"the seed scenario is not at {SEED}")


def _seed(generate_name: str, index: int = 0) -> str:
    matching = [doc for doc in seed_workflows() if f"generateName: {generate_name}" in doc]
    return matching[index]


def _run(tmp_path: Path, home: Path, text: str) -> dict:
    path = write(tmp_path, "wf.yaml", text)
    submitted = podfleet("submit", str(path), "--wait", "-o", "name", home=home, timeout=300)
    assert submitted.code == 0, submitted.err + submitted.out
    name = submitted.out.split()[0]
    got = podfleet("get", name, "-o", "json", home=home)
    assert got.code == 0, got.err
    return got.json()


def test_artifact_passing_prints_the_whale(tmp_path: Path, podfleet_home: Path) -> None:
    wf = _run(tmp_path, podfleet_home, _seed("artifact-passing-"))
    assert wf["status"]["phase"] == "Succeeded"
    nodes = nodes_by_display_name(wf)
    assert nodes["generate-artifact"]["phase"] == "Succeeded"
    assert nodes["consume-artifact"]["phase"] == "Succeeded"
    art = nodes["generate-artifact"]["outputs"]["artifacts"][0]
    assert art["name"] == "hello-art"
    logs = podfleet("logs", wf["metadata"]["name"], home=podfleet_home)
    consume = [line for line in logs.out.splitlines() if "consume" not in line or "hello world" in line]
    assert any("hello world" in line for line in consume)
    # cowsay's bubble reached the consumer through the artifact, not just the producer's log
    consumer_pod = [line for line in logs.out.splitlines() if "print-message" in line.split(":")[0]]
    assert any("< hello world >" in line for line in consumer_pod), logs.out


@pytest.mark.parametrize("variant", [0, 1])
def test_sleep_fan_out_honours_parallelism_10(tmp_path: Path, podfleet_home: Path, variant: int) -> None:
    text = _seed("parallelism-limit1-", variant).replace("sleep 30", "sleep 1")
    wf = _run(tmp_path, podfleet_home, text)
    assert wf["status"]["phase"] == "Succeeded"
    sleeps = sorted(n["displayName"] for n in wf["status"]["nodes"].values() if n["type"] == "Pod")
    # with the seed's retryStrategy each pod is the first attempt of a Retry node: `sleep(0:1)(0)`
    suffix = "(0)" if variant == 1 else ""
    assert sleeps == sorted(f"sleep({i}:{i + 1}){suffix}" for i in range(10))
    pods = provider_pods(podfleet_home, wf["metadata"]["name"])
    assert len(pods) == 10
    assert max_concurrent([(p.started_at, p.finished_at) for p in pods]) <= 10
    # the seed's label and podSpecPatch reach the pods as the seed asks
    assert all(p.labels.get("alibabacloud.com/eci") == "true" for p in pods)


def test_hundred_pods_with_image_cache_policy(tmp_path: Path, podfleet_home: Path) -> None:
    text = _seed("parallelism-limit1-", 2).replace("sleep 30", "sleep 1")
    assert "imagePullPolicy: IfNotPresent" in text and 'end: "100"' in text
    wf = _run(tmp_path, podfleet_home, text)
    assert wf["status"]["phase"] == "Succeeded"
    assert wf["status"]["progress"] == "100/100"
    pods = provider_pods(podfleet_home, wf["metadata"]["name"])
    assert len(pods) == 100
    assert max_concurrent([(p.started_at, p.finished_at) for p in pods]) <= 100
