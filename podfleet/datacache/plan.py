"""From stored objects to what serving a dataset needs: its mounts with their
credentials, its runtime, and where its cache tiers live on this machine.

`resolve_claim` is what the provider factory asks for each PVC of a pod; it reads
through a `Lookup` (kind, namespace, name) → object | None and raises InvalidError
with the reason a dataset cannot be served (no runtime, missing Secret …).

Tier locations: a level's `path` is a path inside Fluid's cache worker pods
(`/dev/shm`, `/local-storage` …). Here it is honoured when it is an existing writable
folder on this machine; otherwise MEM tiers go to tmpfs (`/dev/shm`) and SSD/HDD tiers
under `$PODFLEET_HOME/datacache/`. `location` in the runtime's status says which.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from podfleet.datacache.cache import CHUNK_SIZE, DEFAULT_HIGH, DEFAULT_LOW, ChunkCache, Tier
from podfleet.datacache.model import CACHE_RUNTIMES, RUNTIME_KINDS, Dataset, runtime_spec
from podfleet.datacache.ufs import Ufs, open_ufs
from podfleet.errors import InvalidError
from podfleet.resources.kinds import Secret

Lookup = Callable[[str, str, str], Awaitable[dict[str, Any] | None]]
WORKERS_PER_REPLICA = 4
MAX_WORKERS = 32


@dataclass
class MountPlan:
    mount_point: str
    subdir: str
    options: dict[str, str] = field(default_factory=dict)   # plain options and decrypted encryptOptions

    def source(self) -> str:
        return hashlib.sha1(f"{self.mount_point}\0{self.options.get('fs.oss.endpoint', '')}".encode()).hexdigest()[:16]

    def ufs(self) -> Ufs:
        return open_ufs(self.mount_point, self.options)


@dataclass
class DatasetPlan:
    namespace: str
    name: str
    runtime: str                          # kind
    mounts: list[MountPlan]
    root: str                             # $PODFLEET_HOME/datacache/<ns>/<name>
    tiers: list[dict[str, Any]] = field(default_factory=list)
    workers: int = 8
    chunk_size: int = CHUNK_SIZE

    @property
    def cached(self) -> bool:
        return self.runtime in CACHE_RUNTIMES

    def cache(self) -> ChunkCache:
        tiers = [Tier(t["medium"], Path(t["path"]), t.get("quota"), t["high"], t["low"]) for t in self.tiers]
        return ChunkCache(tiers if self.cached else [], chunk_size=self.chunk_size, workers=self.workers)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetPlan:
        mounts = [MountPlan(**m) for m in data.get("mounts") or ()]
        return cls(**{**data, "mounts": mounts})

    def redacted(self) -> dict[str, Any]:
        """The plan without credential values (they travel apart, see provider.py)."""
        data = self.to_json()
        for mount in data["mounts"]:
            mount["options"] = {}
        return data


def dataset_root(home: Path, namespace: str, name: str) -> Path:
    return Path(home) / "datacache" / namespace / name


def tier_layout(home: Path, namespace: str, name: str, levels: list[Any]) -> list[dict[str, Any]]:
    tiers = []
    shm = Path("/dev/shm")
    home_tag = hashlib.sha1(str(Path(home).resolve()).encode()).hexdigest()[:10]
    for index, level in enumerate(levels):
        wanted = [p for p in (level.path or "").split(",") if p]
        chosen = next((Path(p) for p in wanted if os.path.isdir(p) and os.access(p, os.W_OK)), None)
        if chosen is not None:
            path = chosen / f"podfleet-{home_tag}" / namespace / name / f"L{index}-{level.mediumtype}"
        elif level.mediumtype == "MEM" and shm.is_dir() and os.access(shm, os.W_OK):
            path = shm / f"podfleet-{home_tag}" / namespace / name / f"L{index}-MEM"
        else:
            path = dataset_root(home, namespace, name) / f"L{index}-{level.mediumtype}"
        tiers.append({"medium": level.mediumtype, "path": str(path), "quota": level.quota_bytes(),
                      "high": float(level.high) if level.high else DEFAULT_HIGH,
                      "low": float(level.low) if level.low else DEFAULT_LOW})
    # Fluid sorts levels MEM < SSD < HDD.
    order = {"MEM": 0, "SSD": 1, "HDD": 2}
    return sorted(tiers, key=lambda t: order.get(t["medium"], 3))


async def find_runtime(lookup: Lookup, namespace: str, name: str) -> dict[str, Any] | None:
    for kind in RUNTIME_KINDS:
        obj = await lookup(kind, namespace, name)
        if obj is not None:
            return obj
    return None


async def _secret_value(lookup: Lookup, namespace: str, dataset: str, option: Any, where: str) -> str:
    ref = option.value_from.secret_key_ref
    obj = await lookup("Secret", namespace, ref.name)
    if obj is None:
        raise InvalidError(f'Dataset "{dataset}": Secret "{ref.name}" not found in namespace "{namespace}" '
                           f"({where} {option.name})")
    value = Secret.model_validate(obj).value(ref.key)
    if value is None:
        raise InvalidError(f'Dataset "{dataset}": Secret "{ref.name}" has no key "{ref.key}" ({where} {option.name})')
    return value


async def plan_dataset(lookup: Lookup, home: Path, namespace: str, raw: dict[str, Any]) -> DatasetPlan:
    """The plan for a stored Dataset; InvalidError when it cannot be served yet."""
    dataset = Dataset.model_validate(raw)
    name = str(dataset.metadata.name)
    runtime = await find_runtime(lookup, namespace, name)
    if runtime is None:
        raise InvalidError(f'Dataset "{name}" is not bound: no runtime named "{name}" in namespace "{namespace}" '
                           f"({', '.join(RUNTIME_KINDS)})")
    if not dataset.spec.mounts:
        raise InvalidError(f'Dataset "{name}" has no mounts')
    shared = dict(dataset.spec.shared_options or {})
    for option in dataset.spec.shared_encrypt_options or ():
        shared[option.name] = await _secret_value(lookup, namespace, name, option, "sharedEncryptOptions")
    mounts = []
    for i, mount in enumerate(dataset.spec.mounts):
        options = {**shared, **(mount.options or {})}
        for option in mount.encrypt_options or ():
            options[option.name] = await _secret_value(lookup, namespace, name, option, f"mounts[{i}].encryptOptions")
        mounts.append(MountPlan(mount.mount_point, mount.subdir(), options))
    subdirs = [m.subdir for m in mounts]
    if "" in subdirs and len(mounts) > 1:
        raise InvalidError(f'Dataset "{name}": a mount at path "/" must be the only mount')
    spec = runtime_spec(runtime)
    replicas = spec.replicas or 1
    levels = spec.tieredstore.levels if spec.tieredstore else []
    if not levels:
        from podfleet.datacache.model import Level

        levels = [Level(mediumtype="SSD")]  # a cache runtime with no tiers: one unbounded disk tier
    return DatasetPlan(namespace=namespace, name=name, runtime=str(runtime["kind"]), mounts=mounts,
                       root=str(dataset_root(home, namespace, name)),
                       tiers=tier_layout(home, namespace, name, levels),
                       workers=min(MAX_WORKERS, max(4, replicas * WORKERS_PER_REPLICA)))


__all__ = ["DatasetPlan", "MountPlan", "Lookup", "plan_dataset", "dataset_root", "tier_layout", "find_runtime"]
