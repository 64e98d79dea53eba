"""The fleet: zones with a provider, a capacity and a stock, configured the ECI way.

ECI reads its zones from the `eci-profile` ConfigMap in `kube-system` (`vSwitchIds`, a
comma list, one vSwitch per zone, in order). podfleet keeps that key and adds its own:

    data:
      vSwitchIds: vsw-a,vsw-b
      zones: |                      # YAML list; a zone named in vSwitchIds gets these settings
        - {name: vsw-a, provider: process, cpu: 8, memory: 16Gi, pods: 20, serverless: true,
           stock: {ecs.c6.large: 0}}
      instanceTypes: |              # optional: extend/override the ECS type table
        ecs.c8i.large: {cpu: 2, memory: 4, price: 0.45}
      prices: |                     # optional: vCPU-mem price per second, spot discount
        {vcpuSecond: 0.000027, gibSecond: 0.00000613, currency: CNY, spotDiscount: 0.5}
      extraSpecs: 8-14Gi,6-12Gi     # optional: regional vCPU-mem sizes beyond the common grid
      eciNamespaces: batch          # optional: namespaces whose pods all go to ECI (namespace label)

A vSwitch with no `zones` entry is a serverless zone with no capacity limit (the cloud);
`zones` entries not in vSwitchIds come after the listed ones. Without the ConfigMap the
fleet is one zone holding this machine's cores and memory, admitting like a kubelet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from podfleet.errors import InvalidError
from podfleet.placement.specs import GIB, InstanceType, SpecTable, split_tokens
from podfleet.resources.quantity import parse_quantity
from podfleet.store.contract import Store

PROFILE_NAMESPACE = "kube-system"
PROFILE_NAME = "eci-profile"
LOCAL_ZONE = "local"
KUBELET_MAX_PODS = 110

# Economy-class sample unit prices from Alibaba's ECI billing page (eci.md §8), CNY.
DEFAULT_VCPU_SECOND = 0.000027
DEFAULT_GIB_SECOND = 0.00000613


class _ZoneModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    provider: str | None = None
    cpu: float | str | None = None
    memory: float | str | None = None
    pods: int | None = Field(None, ge=0)
    serverless: bool = False
    stock: dict[str, int] = Field(default_factory=dict)


class _TypeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpu: float = Field(gt=0)
    memory: float = Field(gt=0)
    price: float = Field(ge=0)


class _PricesModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    vcpu_second: float = Field(DEFAULT_VCPU_SECOND, alias="vcpuSecond", ge=0)
    gib_second: float = Field(DEFAULT_GIB_SECOND, alias="gibSecond", ge=0)
    currency: str = "CNY"
    spot_discount: float = Field(0.5, alias="spotDiscount", ge=0, le=1)


@dataclass(frozen=True)
class Prices:
    vcpu_second: float = DEFAULT_VCPU_SECOND
    gib_second: float = DEFAULT_GIB_SECOND
    currency: str = "CNY"
    spot_discount: float = 0.5


@dataclass
class Zone:
    name: str
    provider: str
    cpu: float | None  # None: no limit
    memory_gib: float | None
    pods: int | None
    serverless: bool
    stock: dict[str, int] = field(default_factory=dict)

    def holds(self, cpu: float, memory_gib: float) -> bool:
        """Could this zone ever hold something this size (when empty)?"""
        return (self.cpu is None or cpu <= self.cpu + 1e-9) and (
            self.memory_gib is None or memory_gib <= self.memory_gib + 1e-9)


@dataclass
class Fleet:
    zones: list[Zone]
    table: SpecTable = field(default_factory=SpecTable)
    prices: Prices = field(default_factory=Prices)
    eci_namespaces: frozenset[str] = frozenset()
    source: str = "embedded default"

    def zone(self, name: str) -> Zone | None:
        return next((z for z in self.zones if z.name == name), None)


def _cpu(value: float | str | None, where: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_quantity(value)
    except InvalidError as err:
        raise InvalidError(f"{where}: cpu {err}") from None


def _memory(value: float | str | None, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)  # a plain number is GiB
    try:
        return parse_quantity(value) / GIB
    except InvalidError as err:
        raise InvalidError(f"{where}: memory {err}") from None


def _yaml(data: dict[str, Any], key: str) -> Any:
    text = data.get(key)
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InvalidError(f"ConfigMap {PROFILE_NAMESPACE}/{PROFILE_NAME}: data.{key} is not valid YAML: {err}") from None


def _problem(key: str, err: ValidationError) -> InvalidError:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return InvalidError(f"ConfigMap {PROFILE_NAMESPACE}/{PROFILE_NAME}: data.{key}{'.' + loc if loc else ''}: "
                        f"{first['msg']}")


def fleet_from_profile(config_map: dict[str, Any], default_provider: str) -> Fleet:
    """The fleet an `eci-profile` ConfigMap describes; InvalidError naming the bad key."""
    data = config_map.get("data") or {}
    where = f"ConfigMap {PROFILE_NAMESPACE}/{PROFILE_NAME}"
    raw_zones = _yaml(data, "zones") or []
    if not isinstance(raw_zones, list):
        raise InvalidError(f"{where}: data.zones must be a YAML list of zones")
    models: list[_ZoneModel] = []
    for i, raw in enumerate(raw_zones):
        try:
            models.append(_ZoneModel.model_validate(raw))
        except ValidationError as err:
            raise _problem(f"zones[{i}]", err) from None
    by_name = {m.name: m for m in models}
    if len(by_name) != len(models):
        raise InvalidError(f"{where}: data.zones names a zone twice")
    order = split_tokens(data.get("vSwitchIds") or "")
    order += [m.name for m in models if m.name not in order]
    zones: list[Zone] = []
    for name in order:
        m = by_name.get(name)
        if m is None:
            zones.append(Zone(name, default_provider, None, None, None, True))
            continue
        here = f"{where}: zone {name}"
        zones.append(Zone(name, m.provider or default_provider, _cpu(m.cpu, here), _memory(m.memory, here),
                          m.pods, m.serverless, dict(m.stock)))
    if not zones:
        raise InvalidError(f"{where}: no zones: set data.vSwitchIds or data.zones")
    raw_types = _yaml(data, "instanceTypes") or {}
    if not isinstance(raw_types, dict):
        raise InvalidError(f"{where}: data.instanceTypes must be a mapping of type name to {{cpu, memory, price}}")
    types: dict[str, InstanceType] = {}
    for tname, spec in raw_types.items():
        try:
            t = _TypeModel.model_validate(spec)
        except ValidationError as err:
            raise _problem(f"instanceTypes.{tname}", err) from None
        types[str(tname)] = InstanceType(str(tname), t.cpu, t.memory, t.price)
    extra: list[tuple[float, float]] = []
    for token in split_tokens(data.get("extraSpecs") or ""):
        cpu, sep, mem = token.partition("-")
        try:
            extra.append((float(cpu), float(mem.removesuffix("Gi"))))
        except ValueError:
            raise InvalidError(f"{where}: data.extraSpecs: {token!r} is not <vCPU>-<memory>Gi") from None
    try:
        p = _PricesModel.model_validate(_yaml(data, "prices") or {})
    except ValidationError as err:
        raise _problem("prices", err) from None
    return Fleet(zones, SpecTable(types, extra), Prices(p.vcpu_second, p.gib_second, p.currency, p.spot_discount),
                 frozenset(split_tokens(data.get("eciNamespaces") or "")), source=where)


def machine_size() -> tuple[float, float]:
    """(cores, GiB) of this machine, as far as this process may use them."""
    try:
        cpus = float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cpus = float(os.cpu_count() or 1)
    mem = 0.0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024 / GIB
                    break
    except OSError:
        pass
    return cpus, round(mem, 2) or 1.0


def default_fleet(provider: str) -> Fleet:
    cpu, mem = machine_size()
    return Fleet([Zone(LOCAL_ZONE, provider, cpu, mem, KUBELET_MAX_PODS, False)])


async def load_fleet(store: Store, default_provider: str) -> Fleet:
    """The fleet from the store's `eci-profile` ConfigMap, else the embedded default."""
    from podfleet.errors import NotFoundError

    try:
        cm = await store.get("ConfigMap", PROFILE_NAMESPACE, PROFILE_NAME)
    except NotFoundError:
        return default_fleet(default_provider)
    return fleet_from_profile(cm, default_provider)


__all__ = ["Fleet", "Zone", "Prices", "fleet_from_profile", "default_fleet", "load_fleet", "machine_size",
           "PROFILE_NAMESPACE", "PROFILE_NAME", "LOCAL_ZONE"]
