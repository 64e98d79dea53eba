"""Instance specs: ECI's `eci-use-specs` tokens, the ECS type table, and rounding up.

ECI sizes a pod as a whole instance: either an ECS instance type (`ecs.c6.large`) or a
`<vCPU>-<mem>Gi` pair from a fixed grid. Without the annotation the size comes from the
containers (limits win over requests, nothing → 2 vCPU / 4 GiB) and is rounded *up* to
the grid, and the pod is billed at the rounded size. One module owns these rules so the
provider, lint and `--estimate` agree (reference: shared/reference/eci.md §3).

Instance-type prices are indicative pay-as-you-go list prices (CNY per hour); an
`eci-profile` ConfigMap can override or extend the table (`instanceTypes` key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from podfleet.errors import InvalidError
from podfleet.resources.quantity import parse_quantity

MAX_SPECS = 5
MIN_CPU = 0.25
MIN_MEMORY_GIB = 0.5
DEFAULT_SIZE = (2.0, 4.0)
GIB = float(2**30)

_TOKEN = re.compile(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)Gi")
TYPE_NAME = re.compile(r"ecs\.[a-z0-9-]+\.[a-z0-9-]+")


@dataclass(frozen=True)
class InstanceType:
    name: str
    cpu: float
    memory_gib: float
    price_per_hour: float


@dataclass(frozen=True)
class Spec:
    """One size a pod may get. `name` is how ECI writes it back (`ecs.c5.large`, `2-4Gi`)."""

    name: str
    cpu: float
    memory_gib: float
    instance_type: InstanceType | None = None


# vCPU → supported memory sizes (GiB) offered in every region (eci.md §3).
GRID: dict[float, tuple[float, ...]] = {
    0.25: (0.5, 1), 0.5: (1, 2), 1: (2, 4, 8), 2: (1, 2, 4, 8, 16), 4: (2, 4, 8, 16, 32),
    8: (4, 8, 16, 32, 64), 12: (12, 24, 48, 96), 16: (16, 32, 64, 128), 24: (24, 48, 96, 192),
    32: (32, 64, 128, 256), 52: (96, 192, 384), 64: (128, 256, 512),
}

# Common ECS types: (vCPU, GiB, CNY/hour, indicative list price).
_TYPES: dict[str, tuple[float, float, float]] = {
    "ecs.c5.large": (2, 4, 0.39), "ecs.c5.xlarge": (4, 8, 0.78), "ecs.c5.2xlarge": (8, 16, 1.56),
    "ecs.g5.large": (2, 8, 0.50), "ecs.g5.xlarge": (4, 16, 1.00), "ecs.g5.2xlarge": (8, 32, 2.00),
    "ecs.r5.large": (2, 16, 0.66), "ecs.r5.xlarge": (4, 32, 1.32),
    "ecs.c6.large": (2, 4, 0.41), "ecs.c6.xlarge": (4, 8, 0.82), "ecs.c6.2xlarge": (8, 16, 1.64),
    "ecs.c6.4xlarge": (16, 32, 3.28), "ecs.g6.large": (2, 8, 0.52), "ecs.g6.xlarge": (4, 16, 1.04),
    "ecs.g6.2xlarge": (8, 32, 2.08), "ecs.r6.large": (2, 16, 0.68), "ecs.r6.xlarge": (4, 32, 1.36),
    "ecs.c7.large": (2, 4, 0.43), "ecs.c7.xlarge": (4, 8, 0.86), "ecs.g7.large": (2, 8, 0.55),
    "ecs.g7.xlarge": (4, 16, 1.10), "ecs.r7.large": (2, 16, 0.71),
    "ecs.t6-c1m2.large": (2, 4, 0.19), "ecs.u1-c1m2.large": (2, 4, 0.33),
}
BUILTIN_TYPES: dict[str, InstanceType] = {n: InstanceType(n, c, m, p) for n, (c, m, p) in _TYPES.items()}


def _num(value: float) -> str:
    return f"{value:g}"


def spec_name(cpu: float, memory_gib: float) -> str:
    return f"{_num(cpu)}-{_num(memory_gib)}Gi"


def grid_specs(extra: Iterable[tuple[float, float]] = ()) -> list[tuple[float, float]]:
    """Every supported (vCPU, GiB) pair, smallest first."""
    pairs = {(c, float(m)) for c, mems in GRID.items() for m in mems} | {(float(c), float(m)) for c, m in extra}
    return sorted(pairs)


def round_up(cpu: float, memory_gib: float, grid: list[tuple[float, float]] | None = None) -> Spec | None:
    """The smallest supported spec holding (cpu, memory): fewest vCPU, then least memory; None above 64 vCPU."""
    cpu, memory_gib = max(cpu, MIN_CPU), max(memory_gib, MIN_MEMORY_GIB)
    for c, m in grid or grid_specs():
        if c + 1e-9 >= cpu and m + 1e-9 >= memory_gib:
            return Spec(spec_name(c, m), c, m)
    return None


class SpecTable:
    """The instance types and grid one fleet knows (built-ins plus the fleet's additions)."""

    def __init__(self, types: Mapping[str, InstanceType] | None = None,
                 extra_grid: Iterable[tuple[float, float]] = ()) -> None:
        self.types = {**BUILTIN_TYPES, **(types or {})}
        self.grid = grid_specs(extra_grid)

    def parse_token(self, token: str) -> Spec:
        """One `eci-use-specs` token as a Spec; raises InvalidError saying what is wrong."""
        text = token.strip()
        match = _TOKEN.fullmatch(text)
        if match:
            cpu, mem = float(match.group(1)), float(match.group(2))
            if cpu < MIN_CPU or mem < MIN_MEMORY_GIB:
                raise InvalidError(f"spec {text!r} is below the minimum of {_num(MIN_CPU)} vCPU / "
                                   f"{_num(MIN_MEMORY_GIB)} GiB")
            rounded = round_up(cpu, mem, self.grid)
            if rounded is None:
                raise InvalidError(f"spec {text!r} is larger than the largest instance (64 vCPU)")
            return rounded
        if text in self.types:
            t = self.types[text]
            return Spec(t.name, t.cpu, t.memory_gib, t)
        if TYPE_NAME.fullmatch(text):
            raise InvalidError(f"unknown instance type {text!r}: not in the instance type table "
                               "(add it to the eci-profile ConfigMap's instanceTypes)")
        raise InvalidError(f"malformed spec {text!r}: expected <vCPU>-<memory>Gi (like 2-4Gi) or an "
                           "instance type (like ecs.c6.large)")

    def parse_list(self, value: str) -> list[Spec]:
        tokens = split_tokens(value)
        if not tokens:
            raise InvalidError("eci-use-specs is empty")
        if len(tokens) > MAX_SPECS:
            raise InvalidError(f"eci-use-specs lists {len(tokens)} specs; at most {MAX_SPECS} are allowed")
        return [self.parse_token(t) for t in tokens]

    def from_resources(self, containers: Iterable[Mapping[str, object]]) -> Spec:
        """ECI's sizing without the annotation: Σ limits, else Σ requests, else 2-4Gi, rounded up."""
        size = pod_size(containers)
        cpu, mem = size if size is not None else DEFAULT_SIZE
        found = round_up(cpu, mem, self.grid)
        if found is None:
            raise InvalidError(f"the pod asks for {_num(cpu)} vCPU / {_num(mem)} GiB: more than the largest "
                               "instance (64 vCPU)")
        return found


def split_tokens(value: str) -> list[str]:
    return [t.strip() for t in str(value).split(",") if t.strip()]


def _sum(containers: Iterable[Mapping[str, object]], kind: str) -> tuple[float | None, float | None]:
    cpu = mem = None
    for ctr in containers:
        res = ctr.get("resources") if isinstance(ctr.get("resources"), Mapping) else {}
        values = res.get(kind) if isinstance(res, Mapping) and isinstance(res.get(kind), Mapping) else {}
        if "cpu" in values:
            cpu = (cpu or 0.0) + parse_quantity(values["cpu"])
        if "memory" in values:
            mem = (mem or 0.0) + parse_quantity(values["memory"]) / GIB
    return cpu, mem


def pod_size(containers: Iterable[Mapping[str, object]]) -> tuple[float, float] | None:
    """(vCPU, GiB) the containers declare — limits win, then requests — or None if they declare nothing.

    A dimension declared nowhere counts as 0, so rounding picks the smallest size for it.
    """
    items = list(containers)
    cpu_l, mem_l = _sum(items, "limits")
    cpu_r, mem_r = _sum(items, "requests")
    if cpu_l is None and mem_l is None and cpu_r is None and mem_r is None:
        return None
    if cpu_l is not None or mem_l is not None:
        return cpu_l or 0.0, mem_l or 0.0
    return cpu_r or 0.0, mem_r or 0.0


def requests_of(containers: Iterable[Mapping[str, object]]) -> tuple[float, float]:
    """What a kubelet admits a pod by: Σ requests, a missing request defaulting to its limit."""
    cpu = mem = 0.0
    for ctr in containers:
        res = ctr.get("resources") if isinstance(ctr.get("resources"), Mapping) else {}
        limits = res.get("limits") if isinstance(res, Mapping) and isinstance(res.get("limits"), Mapping) else {}
        reqs = res.get("requests") if isinstance(res, Mapping) and isinstance(res.get("requests"), Mapping) else {}
        merged = {**limits, **reqs}
        if "cpu" in merged:
            cpu += parse_quantity(merged["cpu"])
        if "memory" in merged:
            mem += parse_quantity(merged["memory"]) / GIB
    return cpu, mem


__all__ = ["Spec", "InstanceType", "SpecTable", "BUILTIN_TYPES", "GRID", "MAX_SPECS", "round_up", "spec_name",
           "split_tokens", "pod_size", "requests_of", "grid_specs", "GIB"]
