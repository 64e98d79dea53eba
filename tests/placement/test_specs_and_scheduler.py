"""Spec parsing/rounding and the placement decision, without any provider."""

from __future__ import annotations

import random

import pytest

from podfleet.errors import InvalidError
from podfleet.placement.fleet import Fleet, Zone, fleet_from_profile
from podfleet.placement.intent import read_intent
from podfleet.placement.scheduler import Placement, Scheduler, Shortage
from podfleet.placement.specs import SpecTable


def pod(name: str = "p", annotations: dict[str, str] | None = None, labels: dict[str, str] | None = None,
        resources: dict | None = None) -> dict:
    ctr = {"name": "main", "image": "x", **({"resources": resources} if resources else {})}
    return {"metadata": {"name": name, "namespace": "ns", "annotations": annotations or {}, "labels": labels or {}},
            "spec": {"containers": [ctr]}}


TABLE = SpecTable()


def test_spec_tokens_parse_in_order_and_round_up_to_the_grid() -> None:
    specs = TABLE.parse_list("ecs.c6.large, 7-13Gi,0.25-0.5Gi")
    assert [(s.name, s.cpu, s.memory_gib) for s in specs] == [
        ("ecs.c6.large", 2, 4), ("8-16Gi", 8, 16), ("0.25-0.5Gi", 0.25, 0.5)]
    assert specs[0].instance_type is not None and specs[1].instance_type is None


@pytest.mark.parametrize("value, message", [
    ("2-4G", "malformed spec '2-4G'"),
    ("ecs.c9.enormous", "unknown instance type 'ecs.c9.enormous'"),
    ("1-2Gi,2-4Gi,4-8Gi,8-16Gi,16-32Gi,32-64Gi", "lists 6 specs; at most 5"),
    ("0.1-0.2Gi", "below the minimum of 0.25 vCPU / 0.5 GiB"),
    ("100-200Gi", "larger than the largest instance"),
])
def test_bad_spec_lists_are_rejected_with_the_reason(value: str, message: str) -> None:
    with pytest.raises(InvalidError, match=message.replace("(", r"\(").replace(".", r"\.")):
        TABLE.parse_list(value)


def test_size_without_the_annotation_comes_from_limits_then_requests_then_the_default() -> None:
    both = {"limits": {"cpu": "3", "memory": "5Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}}
    assert read_intent(pod(resources=both), TABLE).specs[0].name == "4-8Gi"
    assert read_intent(pod(resources={"requests": {"cpu": "500m", "memory": "1Gi"}}), TABLE).specs[0].name == "0.5-1Gi"
    assert read_intent(pod(), TABLE).specs[0].name == "2-4Gi"
    annotated = pod(annotations={"k8s.aliyun.com/eci-use-specs": "1-2Gi"}, resources=both)
    assert read_intent(annotated, TABLE).specs[0].name == "1-2Gi"  # the annotation wins


def two_zones(stock: dict[str, int] | None = None, pods: int | None = None, serverless: bool = True) -> Fleet:
    return Fleet([Zone("vsw-a", "process", 8, 16, pods, serverless, dict(stock or {})),
                  Zone("vsw-b", "process", 8, 16, pods, serverless, dict(stock or {}))])


SEED = {"k8s.aliyun.com/eci-use-specs": "ecs.c6.large,ecs.c5.large,2-4Gi",
        "k8s.aliyun.com/eci-schedule-strategy": "VSwitchRandom", "k8s.aliyun.com/eci-fail-strategy": "fail-fast"}


def test_a_spec_without_stock_in_any_zone_falls_through_to_the_next_spec() -> None:
    fleet = two_zones({"ecs.c6.large": 0})
    sched = Scheduler(fleet, random.Random(1))
    intent = read_intent(pod(annotations=SEED), fleet.table)
    placed = [sched.try_place(("ns", f"p{i}"), intent) for i in range(8)]
    assert all(isinstance(p, Placement) and p.spec.name == "ecs.c5.large" for p in placed)
    assert {p.zone for p in placed} == {"vsw-a", "vsw-b"}  # VSwitchRandom spreads


def test_ordered_strategy_fills_zones_in_listed_order_and_capacity_never_overcommits() -> None:
    fleet = two_zones()
    sched = Scheduler(fleet)
    ordered = {**SEED, "k8s.aliyun.com/eci-schedule-strategy": "VSwitchOrdered",
               "k8s.aliyun.com/eci-use-specs": "4-8Gi"}
    intent = read_intent(pod(annotations=ordered), fleet.table)
    zones = [sched.try_place(("ns", f"p{i}"), intent) for i in range(5)]
    assert [z.zone for z in zones[:4] if isinstance(z, Placement)] == ["vsw-a", "vsw-a", "vsw-b", "vsw-b"]
    assert isinstance(zones[4], Shortage) and not zones[4].never
    assert "needs 4 vCPU, 0 of 8 free" in zones[4].message
    sched.release(("ns", "p0"))
    again = sched.try_place(("ns", "p9"), intent)
    assert isinstance(again, Placement) and again.zone == "vsw-a"


def test_kubelet_zones_admit_by_requests_serverless_zones_by_the_whole_spec() -> None:
    node = Fleet([Zone("local", "process", 2, 4, None, False)])
    sched = Scheduler(node)
    no_requests = read_intent(pod(), node.table)  # 2-4Gi spec, zero requests
    assert all(isinstance(sched.try_place(("ns", f"p{i}"), no_requests), Placement) for i in range(10))
    cloud = Fleet([Zone("vsw", "process", 2, 4, None, True)])
    sched = Scheduler(cloud)
    assert isinstance(sched.try_place(("ns", "a"), read_intent(pod(), cloud.table)), Placement)
    assert isinstance(sched.try_place(("ns", "b"), read_intent(pod(), cloud.table)), Shortage)


def test_eci_labelled_pods_go_to_serverless_zones_others_to_nodes() -> None:
    fleet = Fleet([Zone("node", "process", 4, 8, None, False), Zone("vsw", "process", None, None, None, True)])
    sched = Scheduler(fleet)
    eci = read_intent(pod(labels={"alibabacloud.com/eci": "true"}), fleet.table)
    plain = read_intent(pod(), fleet.table)
    assert sched.try_place(("ns", "a"), eci).zone == "vsw"  # type: ignore[union-attr]
    assert sched.try_place(("ns", "b"), plain).zone == "node"  # type: ignore[union-attr]


def test_the_queue_places_in_submission_order_and_skips_shapes_that_do_not_fit() -> None:
    fleet = Fleet([Zone("vsw", "process", 4, 8, None, True)])
    sched = Scheduler(fleet)
    big = read_intent(pod(annotations={"k8s.aliyun.com/eci-use-specs": "4-8Gi"}), fleet.table)
    small = read_intent(pod(annotations={"k8s.aliyun.com/eci-use-specs": "1-2Gi"}), fleet.table)
    assert isinstance(sched.try_place(("ns", "running"), small), Placement)
    for i, intent in enumerate([big, small, big, small, small]):
        sched.enqueue(("ns", f"q{i}"), intent, f"q{i}", now=0)
    placed = [k[1] for k, _, _ in sched.drain()]
    assert placed == ["q1", "q3", "q4"]  # big ones do not fit beside the running pod; small ones do
    sched.release(("ns", "running"))
    for name in placed:
        sched.release(("ns", name))
    assert [k[1] for k, _, _ in sched.drain()] == ["q0"]
    assert len(sched) == 1 and sched.remove(("ns", "q2")) == "q2" and len(sched) == 0


def test_waiting_pods_expire_after_their_max_pending_and_impossible_pods_are_told_apart() -> None:
    fleet = Fleet([Zone("vsw", "process", 2, 4, 0, True)])
    sched = Scheduler(fleet)
    intent = read_intent(pod(annotations={"k8s.aliyun.com/eci-max-pending-minute": "10"}), fleet.table)
    sched.enqueue(("ns", "w"), intent, "w", now=100)
    assert sched.expire(100 + 599) == [] and sched.next_deadline() == 700
    assert [k for k, _, _ in sched.expire(700)] == [("ns", "w")]
    huge = read_intent(pod(annotations={"k8s.aliyun.com/eci-use-specs": "4-8Gi"}), fleet.table)
    assert "larger than every zone" in (sched.impossible(huge) or "")
    sold_out = Fleet([Zone("vsw", "process", None, None, None, True, {"2-4Gi": 0})])
    assert "sold out" in (Scheduler(sold_out).impossible(read_intent(pod(), sold_out.table)) or "")


def test_the_eci_profile_config_map_names_zones_in_vswitch_order() -> None:
    cm = {"data": {"vSwitchIds": "vsw-b,vsw-a",
                   "zones": "- {name: vsw-a, cpu: 4, memory: 8Gi, pods: 3, serverless: true, stock: {ecs.c6.large: 0}}\n"
                            "- {name: vsw-c, cpu: '500m', memory: 2}\n",
                   "instanceTypes": "ecs.x1.large: {cpu: 2, memory: 4, price: 1.0}",
                   "prices": "{vcpuSecond: 0.001, gibSecond: 0.0001}"}}
    fleet = fleet_from_profile(cm, "process")
    assert [(z.name, z.serverless, z.cpu, z.memory_gib, z.pods) for z in fleet.zones] == [
        ("vsw-b", True, None, None, None), ("vsw-a", True, 4, 8, 3), ("vsw-c", False, 0.5, 2, None)]
    assert fleet.zone("vsw-a").stock == {"ecs.c6.large": 0}  # type: ignore[union-attr]
    assert fleet.table.parse_token("ecs.x1.large").instance_type.price_per_hour == 1.0  # type: ignore[union-attr]
    with pytest.raises(InvalidError, match=r"data\.zones\[0\]\.pods"):
        fleet_from_profile({"data": {"zones": "- {name: a, pods: -1}"}}, "process")
    with pytest.raises(InvalidError, match=r"data\.zones\[0\]\.colour"):
        fleet_from_profile({"data": {"zones": "- {name: a, colour: red}"}}, "process")
