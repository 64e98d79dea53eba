"""What placement writes onto a pod: the chosen spec as real limits, and read-back annotations.

ECI writes the spec it chose back as `k8s.aliyun.com/eci-instance-spec`; podfleet adds
the zone and what the zone charged, so a restarted controller can rebuild the fleet's
use from the provider's pods alone. Each container gets the spec as its limit (a
container already limited below it keeps its own limit): the process provider turns
limits into cgroup limits, so a pod using more memory than its spec is OOM-killed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from podfleet.placement.billing import bill, price_per_second
from podfleet.placement.fleet import Fleet
from podfleet.placement.intent import BILLED_SECONDS, COST, INSTANCE_SPEC, SCHEDULER_NAME, SPOT_STRATEGY, ZONE
from podfleet.placement.scheduler import Placement
from podfleet.placement.specs import GIB
from podfleet.providers.contract import PodStatus
from podfleet.resources.quantity import parse_quantity

CHARGE = "podfleet.io/placement-charge"   # "<vCPU>,<GiB>" counted against the zone
PRICE = "podfleet.io/price-per-second"


def _cpu_text(cores: float) -> str:
    millis = round(cores * 1000)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def _memory_text(gib: float) -> str:
    mib = round(gib * 1024)
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def _capped(current: Any, ceiling: float, scale: float) -> bool:
    """True when the container's own limit is set and not above the spec."""
    if current is None:
        return False
    try:
        return parse_quantity(current) / scale <= ceiling + 1e-9
    except Exception:
        return False


def apply_placement(manifest: dict[str, Any], placement: Placement, price: float) -> dict[str, Any]:
    """A copy of the pod manifest with the spec as limits and the read-back annotations."""
    pod = copy.deepcopy(manifest)
    meta = pod.setdefault("metadata", {})
    ann = meta.setdefault("annotations", {})
    spec = placement.spec
    ann[INSTANCE_SPEC] = spec.name
    ann[ZONE] = placement.zone
    ann[CHARGE] = f"{placement.charged[0]:g},{placement.charged[1]:g}"
    ann[PRICE] = f"{price:.10g}"
    scheduler = (pod.get("spec") or {}).get("schedulerName")
    if scheduler:
        ann[SCHEDULER_NAME] = str(scheduler)  # accepted and recorded; it changes nothing here
    for ctr in (pod.get("spec") or {}).get("containers") or ():
        resources = ctr.setdefault("resources", {})
        limits = dict(resources.get("limits") or {})
        if not _capped(limits.get("cpu"), spec.cpu, 1.0):
            limits["cpu"] = _cpu_text(spec.cpu)
        if not _capped(limits.get("memory"), spec.memory_gib, GIB):
            limits["memory"] = _memory_text(spec.memory_gib)
        resources["limits"] = limits
    return pod


def charge_of(annotations: dict[str, str]) -> tuple[float, float] | None:
    raw = annotations.get(CHARGE)
    if not raw:
        return None
    try:
        cpu, mem = raw.split(",")
        return float(cpu), float(mem)
    except ValueError:
        return None


def price_of(annotations: dict[str, str], fleet: Fleet) -> float | None:
    """The per-second price recorded at placement, else recomputed from the spec annotation."""
    if annotations.get(PRICE):
        try:
            return float(annotations[PRICE])
        except ValueError:
            pass
    name = annotations.get(INSTANCE_SPEC)
    if not name:
        return None
    try:
        spec = fleet.table.parse_token(name)
    except Exception:
        return None
    return price_per_second(spec, fleet.prices, bool(annotations.get(SPOT_STRATEGY)))


def with_cost(status: PodStatus, fleet: Fleet) -> PodStatus:
    """The status with `podfleet.io/cost` and billed seconds once the pod completed."""
    if not status.phase.completed or COST in status.annotations:
        return status
    price = price_of(status.annotations, fleet)
    if price is None:
        return status
    b = bill(status.started_at, status.finished_at, price)
    status.annotations = {**status.annotations, COST: f"{b.cost:.8f}", BILLED_SECONDS: str(b.seconds)}
    return status


def template_name(annotations: dict[str, str]) -> str | None:
    raw = annotations.get("podfleet.io/template")
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value.get("name") if isinstance(value, dict) else None


__all__ = ["apply_placement", "charge_of", "price_of", "with_cost", "template_name", "CHARGE", "PRICE"]
