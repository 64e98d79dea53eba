"""Per-second billing at the size a pod got.

ECI bills pay-as-you-go per second from when the instance leaves Scheduling until it
ends (eci.md §5, §8): an ECS type at that type's price, a vCPU-mem spec at vCPU-second
plus GiB-second prices; spot pods at a configurable discount. Here the billed window is
the provider's own record of the pod — created (= placed; a waiting pod is not billed)
to finished — rounded *up* to whole seconds, at least one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from podfleet.placement.fleet import Prices
from podfleet.placement.specs import Spec

COST_DIGITS = 8


def price_per_second(spec: Spec, prices: Prices, spot: bool = False) -> float:
    if spec.instance_type is not None:
        price = spec.instance_type.price_per_hour / 3600.0
    else:
        price = spec.cpu * prices.vcpu_second + spec.memory_gib * prices.gib_second
    return price * (1.0 - prices.spot_discount) if spot else price


@dataclass(frozen=True)
class Bill:
    seconds: int
    price_per_second: float
    cost: float


def bill(started_at: float | None, finished_at: float | None, price: float) -> Bill:
    """Whole seconds from start to end (rounded up, ≥ 1) times the price; nothing if it never started."""
    if started_at is None or finished_at is None:
        return Bill(0, price, 0.0)
    seconds = max(1, math.ceil(max(0.0, finished_at - started_at) - 1e-6))
    return Bill(seconds, price, round(seconds * price, COST_DIGITS))


def format_cost(value: float, currency: str = "CNY") -> str:
    return f"{value:.6f} {currency}"


__all__ = ["price_per_second", "bill", "Bill", "format_cost", "COST_DIGITS"]
