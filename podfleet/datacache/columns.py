"""Table columns for `podfleet get`, as `kubectl get` prints Fluid's kinds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from podfleet.datacache.model import RUNTIME_KINDS

Obj = Mapping[str, Any]

WORDS: dict[str, tuple[str, ...]] = {
    "Dataset": ("dataset", "datasets"),
    "DataLoad": ("dataload", "dataloads"),
    "JindoRuntime": ("jindoruntime", "jindoruntimes", "jindo"),
    "AlluxioRuntime": ("alluxioruntime", "alluxioruntimes", "alluxio"),
    "JuiceFSRuntime": ("juicefsruntime", "juicefsruntimes", "juicefs"),
    "ThinRuntime": ("thinruntime", "thinruntimes", "thin"),
}


def _dataset(obj: Obj) -> list[str]:
    status = obj.get("status") or {}
    cache = status.get("cacheStates") or {}
    return [str(status.get("ufsTotal") or ""), str(cache.get("cached") or ""), str(cache.get("cacheCapacity") or ""),
            str(cache.get("cachedPercentage") or ""), str(status.get("phase") or "NotBound")]


def _dataload(obj: Obj) -> list[str]:
    status = obj.get("status") or {}
    phase = str(status.get("phase") or "Pending")
    progress = str(status.get("progress") or "") if phase in ("Executing", "Complete") else ""
    return [str(((obj.get("spec") or {}).get("dataset") or {}).get("name") or ""), phase, progress,
            str(status.get("duration") or "")]


def _runtime(obj: Obj) -> list[str]:
    status = obj.get("status") or {}
    ready = status.get("workerNumberReady") or 0
    desired = status.get("desiredWorkerNumberScheduled") or ((obj.get("spec") or {}).get("replicas") or 1)
    return [str(status.get("masterPhase") or "NotReady"), str(status.get("workerPhase") or "NotReady"),
            str(status.get("fusePhase") or "NotReady"), f"{ready}/{desired}"]


# kind → (headers between NAME and AGE, row cells)
COLUMNS: dict[str, tuple[list[str], Callable[[Obj], list[str]]]] = {
    "Dataset": (["UFS TOTAL SIZE", "CACHED", "CACHE CAPACITY", "CACHED PERCENTAGE", "PHASE"], _dataset),
    "DataLoad": (["DATASET", "PHASE", "PROGRESS", "DURATION"], _dataload),
    **{kind: (["MASTER PHASE", "WORKER PHASE", "FUSE PHASE", "WORKERS"], _runtime) for kind in RUNTIME_KINDS},
}

__all__ = ["COLUMNS", "WORDS"]
