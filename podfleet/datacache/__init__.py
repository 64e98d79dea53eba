"""The dataset cache, with Fluid's objects and semantics (`data.fluid.io/v1alpha1`).

model.py     the kinds: Dataset, Jindo/Alluxio/JuiceFS/ThinRuntime, DataLoad
ufs.py       the store behind a dataset (s3://, oss://, local://, https://)
cache.py     the read-through chunk cache: tiers, quotas, watermarks, single flight
plan.py      stored objects → what serving a dataset needs (mounts, secrets, tiers)
materialise.py / mount.py   pods get a dataset's files at their PVC's mountPath
provider.py  the provider factory's hook that resolves a pod's dataset claims
reconcile.py status like Fluid's; DataLoads run to the end
columns.py   `podfleet get dataset|dataload|jindoruntime …` tables
"""

from podfleet.datacache.model import ALL_KINDS, API_VERSION, RUNTIME_KINDS

__all__ = ["ALL_KINDS", "API_VERSION", "RUNTIME_KINDS"]
