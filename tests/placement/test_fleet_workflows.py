"""The elastic layer end to end: real store, real controller, real process provider, via the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from podfleet.providers.process.cgroups import CgroupSupport
from tests.e2e.cli import SEED
from tests.placement.helpers import (
    annotations, apply_profile, max_concurrent, podfleet, pods, provider_pods, seed_third, submit,
)

SPEC = "k8s.aliyun.com/eci-instance-spec"
ZONE = "topology.kubernetes.io/zone"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"the seed scenario is not at {SEED}")


@needs_seed
def test_seed_multi_spec_workflow_gets_the_next_spec_when_the_first_has_no_stock(tmp_path: Path,
                                                                                  podfleet_home: Path) -> None:
    zone = {"cpu": 32, "memory": "64Gi", "pods": 10, "serverless": True, "stock": {"ecs.c6.large": 0}}
    apply_profile(tmp_path, podfleet_home, [{"name": "vsw-a", **zone}, {"name": "vsw-b", **zone}])
    wf = submit(tmp_path, podfleet_home, seed_third("0.2"), "seed-specs")
    assert wf["status"]["phase"] == "Succeeded"
    items = pods(podfleet_home, "seed-specs")
    assert len(items) == 10
    assert {annotations(p)[SPEC] for p in items} == {"ecs.c5.large"}
    assert {annotations(p)[ZONE] for p in items} <= {"vsw-a", "vsw-b"}
    main = items[0]["spec"]["containers"][0]
    assert main["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}  # ecs.c5.large as real limits
    assert annotations(items[0])["podfleet.io/scheduler-name"] == "eci-scheduler"  # recorded, inert
    fleet = podfleet("fleet", home=podfleet_home)
    assert "vsw-a" in fleet.out and "ecs.c6.large=0" in fleet.out, fleet.out


@needs_seed
def test_fail_fast_pods_fail_when_every_zone_is_full_and_retries_finish_the_workflow(tmp_path: Path,
                                                                                   podfleet_home: Path) -> None:
    zone = {"cpu": 8, "memory": "16Gi", "pods": 2, "serverless": True}
    apply_profile(tmp_path, podfleet_home, [{"name": "vsw-a", **zone}, {"name": "vsw-b", **zone}])
    text = seed_third("0.3").replace('retryPolicy: "Always"',
                                     'retryPolicy: "Always"\n      backoff: {duration: "1", factor: "2"}')
    wf = submit(tmp_path, podfleet_home, text, "seed-full")
    assert wf["status"]["phase"] == "Succeeded"
    items = pods(podfleet_home, "seed-full")
    failed = [p for p in items if p["status"]["phase"] == "Failed"]
    assert failed, "with 4 slots for 10 pods some fail-fast pods must have failed"
    assert all(p["status"]["reason"] == "ContainerInstanceScheduleFailed" for p in failed)
    assert all("ProviderFailed" in p["status"]["message"] and "NoStock" in p["status"]["message"] for p in failed)
    assert sum(p["status"]["phase"] == "Succeeded" for p in items) == 10
    retried = [n for n in wf["status"]["nodes"].values() if n["type"] == "Retry" and len(n.get("children", [])) > 1]
    assert retried
    ran = [(p.started_at, p.finished_at) for p in provider_pods(podfleet_home, "seed-full")]
    assert max_concurrent(ran) <= 4


FAIL_BACK = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: fail-back-}
spec:
  entrypoint: fan
  parallelism: 100
  podMetadata:
    labels: {alibabacloud.com/eci: "true"}
    annotations: {k8s.aliyun.com/eci-fail-strategy: fail-back, k8s.aliyun.com/eci-use-specs: "1-2Gi"}
  templates:
  - name: fan
    steps:
    - - name: sleep
        template: sleep
        withSequence: {start: "1", end: "100"}
  - name: sleep
    container: {image: alpine, command: [sh, -c, "sleep 0.05"]}
"""


def test_fail_back_queues_pods_so_no_more_than_capacity_run_and_none_is_lost(tmp_path: Path,
                                                                           podfleet_home: Path) -> None:
    apply_profile(tmp_path, podfleet_home, [{"name": "vsw-a", "pods": 4, "serverless": True}])
    wf = submit(tmp_path, podfleet_home, FAIL_BACK, "fail-back")
    assert wf["status"]["phase"] == "Succeeded"
    items = pods(podfleet_home, "fail-back")
    assert len(items) == 100 and all(p["status"]["phase"] == "Succeeded" for p in items)
    ran = [(p.started_at, p.finished_at) for p in provider_pods(podfleet_home, "fail-back")]
    assert len(ran) == 100 and max_concurrent(ran) == 4


OOM = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: oom-}
spec:
  entrypoint: hog
  templates:
  - name: hog
    metadata:
      annotations: {k8s.aliyun.com/eci-use-specs: "0.25-0.5Gi"}
    container:
      image: python
      command: [python3, -c, "x = bytearray(900 * 1024 * 1024); print(len(x))"]
"""


def test_a_pod_using_more_memory_than_its_spec_is_oom_killed(tmp_path: Path, podfleet_home: Path) -> None:
    support, _ = CgroupSupport.probe()
    if "memory" not in support.bases:
        pytest.skip("cgroup v1 memory controller not writable here")
    wf = submit(tmp_path, podfleet_home, OOM, "oom")
    assert wf["status"]["phase"] == "Failed"
    node = next(n for n in wf["status"]["nodes"].values() if n["type"] == "Pod")
    assert "OOMKilled" in node["message"], node["message"]
    pod = pods(podfleet_home, "oom")[0]
    assert annotations(pod)[SPEC] == "0.25-0.5Gi"
    assert pod["spec"]["containers"][0]["resources"]["limits"]["memory"] == "512Mi"


BILLED = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: billed-}
spec:
  entrypoint: fan
  templates:
  - name: fan
    steps:
    - - name: work
        template: work
        arguments: {parameters: [{name: s, value: "{{item}}"}]}
        withItems: ["0.1", "0.3", "0.5", "0.7", "0.9", "1.1", "1.2", "0.2", "0.4", "1.3"]
  - name: work
    inputs: {parameters: [{name: s}]}
    metadata:
      annotations: {k8s.aliyun.com/eci-use-specs: "ecs.c6.large"}
    container: {image: alpine, command: [sh, -c, "sleep {{inputs.parameters.s}}"]}
"""


def test_a_workflow_costs_the_sum_of_its_pods_seconds_times_their_price(tmp_path: Path,
                                                                       podfleet_home: Path) -> None:
    wf = submit(tmp_path, podfleet_home, BILLED, "billed")
    assert wf["status"]["phase"] == "Succeeded"
    recorded = provider_pods(podfleet_home, "billed")
    assert len(recorded) == 10
    price = 0.41 / 3600  # ecs.c6.large's list price per second
    expected = sum(math.ceil(p.finished_at - p.started_at) * price for p in recorded)
    cost = podfleet("cost", "billed", "-o", "json", home=podfleet_home)
    assert cost.code == 0, cost.err
    report = cost.json()
    assert report["total"] == pytest.approx(expected, abs=1e-6)
    assert len(report["nodes"]) == 10 and report["byZone"] == {"local": pytest.approx(expected, abs=1e-6)}
    assert report["resourcesDuration"]["cpu"] >= 0
    table = podfleet("cost", "billed", home=podfleet_home)
    assert f"total: {expected:.6f} CNY" in table.out

    from podfleet.placement.estimate import estimate_workflow
    from podfleet.placement.fleet import default_fleet
    from podfleet.placement.records import Records
    import yaml

    est = estimate_workflow(yaml.safe_load(BILLED), default_fleet("process"), Records(podfleet_home))
    assert [(r.template, r.pods, r.spec) for r in est.rows] == [("work", 10, "ecs.c6.large")]
    assert est.total == pytest.approx(expected, rel=0.01)  # history: the same template's billed seconds
