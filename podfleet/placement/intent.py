"""What a pod asks of placement, read from its ECI annotations and labels.

ECI honours these only at pod creation (eci.md §2), which is exactly when placement sees
a pod, so they are read once here. Bad values raise InvalidError; lint reports the same
problems at submit time (podfleet.lint.eci) so a workflow rarely gets this far with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podfleet.errors import InvalidError
from podfleet.placement.specs import Spec, SpecTable, requests_of, split_tokens
from podfleet.resources.podlayout import COST_ANNOTATION

PREFIX = "k8s.aliyun.com/"
USE_SPECS = PREFIX + "eci-use-specs"
LEGACY_TYPE = PREFIX + "eci-instance-type"
SCHEDULE_STRATEGY = PREFIX + "eci-schedule-strategy"
FAIL_STRATEGY = PREFIX + "eci-fail-strategy"
MAX_PENDING = PREFIX + "eci-max-pending-minute"
VSWITCH = PREFIX + "eci-vswitch"
SPOT_STRATEGY = PREFIX + "eci-spot-strategy"
SPOT_PRICE_LIMIT = PREFIX + "eci-spot-price-limit"
INSTANCE_SPEC = PREFIX + "eci-instance-spec"  # written back: the spec the pod got
ZONE = "topology.kubernetes.io/zone"           # written back as an annotation: the zone it got
ECI_LABEL = "alibabacloud.com/eci"
LEGACY_ECI_LABEL = "eci"
SCHEDULER_NAME = "podfleet.io/scheduler-name"  # written back: a recorded (inert) schedulerName
COST = COST_ANNOTATION                        # written back on completion: what the pod cost
BILLED_SECONDS = "podfleet.io/billed-seconds"

STRATEGIES = ("VSwitchOrdered", "VSwitchRandom")
FAIL_STRATEGIES = ("fail-back", "fail-over", "fail-fast")
SPOT_STRATEGIES = ("SpotAsPriceGo", "SpotWithPriceLimit")
DEFAULT_MAX_PENDING_MINUTES = 240
MAX_PENDING_RANGE = (10, 1440)


@dataclass(frozen=True)
class Intent:
    specs: tuple[Spec, ...]
    requests: tuple[float, float]  # (vCPU, GiB) a kubelet would admit by
    ordered: bool
    fail_fast: bool
    max_pending_seconds: float
    eci: bool
    vswitches: tuple[str, ...]
    spot: bool


def max_pending_minutes(value: Any) -> int:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise InvalidError(f"{MAX_PENDING} {value!r} is not a whole number of minutes") from None
    low, high = MAX_PENDING_RANGE
    if not low <= minutes <= high:
        raise InvalidError(f"{MAX_PENDING} {minutes} is out of range: it must be between {low} and {high} minutes")
    return minutes


def wants_eci(labels: Mapping[str, str], namespace: str, spec: Mapping[str, Any],
              eci_namespaces: frozenset[str]) -> bool:
    """The seed's scheduling section: the ECI label (pod or namespace), or a virtual-kubelet selector."""
    if str(labels.get(ECI_LABEL, labels.get(LEGACY_ECI_LABEL, ""))).lower() == "true":
        return True
    if namespace in eci_namespaces:
        return True
    selector = spec.get("nodeSelector") or {}
    return selector.get("type") == "virtual-kubelet"


def read_intent(pod: Mapping[str, Any], table: SpecTable, eci_namespaces: frozenset[str] = frozenset()) -> Intent:
    """The placement request of a Pod manifest (a dict as `Pod.dump()` gives it)."""
    meta = pod.get("metadata") or {}
    ann: Mapping[str, str] = meta.get("annotations") or {}
    labels: Mapping[str, str] = meta.get("labels") or {}
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or ())
    if ann.get(USE_SPECS):
        specs = table.parse_list(ann[USE_SPECS])
    elif ann.get(LEGACY_TYPE):
        specs = [table.parse_token(ann[LEGACY_TYPE])]
    else:
        specs = [table.from_resources(containers)]
    strategy = ann.get(SCHEDULE_STRATEGY) or "VSwitchRandom"
    if strategy not in STRATEGIES:
        raise InvalidError(f"{SCHEDULE_STRATEGY} {strategy!r} is not one of {', '.join(STRATEGIES)}")
    fail = ann.get(FAIL_STRATEGY) or "fail-back"
    if fail not in FAIL_STRATEGIES:
        raise InvalidError(f"{FAIL_STRATEGY} {fail!r} is not one of {', '.join(FAIL_STRATEGIES)}")
    pending = max_pending_minutes(ann[MAX_PENDING]) if ann.get(MAX_PENDING) else DEFAULT_MAX_PENDING_MINUTES
    spot = ann.get(SPOT_STRATEGY)
    if spot and spot not in SPOT_STRATEGIES:
        raise InvalidError(f"{SPOT_STRATEGY} {spot!r} is not one of {', '.join(SPOT_STRATEGIES)}")
    namespace = meta.get("namespace") or "default"
    return Intent(
        specs=tuple(specs), requests=requests_of(containers), ordered=strategy == "VSwitchOrdered",
        fail_fast=fail == "fail-fast", max_pending_seconds=pending * 60.0,
        eci=wants_eci(labels, namespace, spec, eci_namespaces),
        vswitches=tuple(split_tokens(ann.get(VSWITCH) or "")), spot=bool(spot),
    )


__all__ = ["Intent", "read_intent", "wants_eci", "max_pending_minutes", "USE_SPECS", "SCHEDULE_STRATEGY",
           "FAIL_STRATEGY", "MAX_PENDING", "VSWITCH", "SPOT_STRATEGY", "INSTANCE_SPEC", "ZONE", "ECI_LABEL",
           "COST", "BILLED_SECONDS", "SCHEDULER_NAME", "STRATEGIES", "FAIL_STRATEGIES", "SPOT_STRATEGIES",
           "LEGACY_TYPE", "DEFAULT_MAX_PENDING_MINUTES"]
