"""The provider factory's share: tell a provider how to serve claims that name datasets.

`DatasetProvider` wraps any provider (process, container) and, before a pod is handed
on, resolves each `persistentVolumeClaim` against the store: a claim naming a Dataset
gets its plan in the pod's annotations (see mount.py). A claim naming no Dataset is an
ordinary PVC folder — unless the pod says it uses Fluid (`alibabacloud.com/fluid-sidecar-target`,
`serverless.fluid.io/inject`, `fuse.serverful.fluid.io/inject`), where Kubernetes would
keep it Pending on a missing claim: then the pod gets an error entry and fails before
any container starts, with a message naming the dataset.

Fluid's sidecar labels need nothing else here: on one machine there is no fuse sidecar
to inject or to wait for, so `terminationGracePeriodSeconds: 0` simply applies as given.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from podfleet.datacache.mount import DATASETS_ANNOTATION, SECRETS_ANNOTATION
from podfleet.datacache.plan import Lookup, plan_dataset
from podfleet.errors import PodfleetError
from podfleet.resources.pod import Pod

FLUID_LABELS = ("alibabacloud.com/fluid-sidecar-target", "serverless.fluid.io/inject", "fuse.serverful.fluid.io/inject")


def wants_fluid(pod: Pod) -> bool:
    labels = pod.metadata.labels or {}
    return any(labels.get(k) for k in FLUID_LABELS) or any(k.startswith("fluid.io/dataset.") for k in labels)


async def dataset_annotations(pod: Pod, lookup: Lookup, home: Path) -> dict[str, str]:
    plans: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    for volume in pod.spec.volumes or ():
        claim = volume.persistent_volume_claim
        if claim is None:
            continue
        name = str(claim.claim_name)
        raw = await lookup("Dataset", pod.namespace, name)
        if raw is None:
            if wants_fluid(pod):
                plans[name] = {"error": f'persistentvolumeclaim "{name}" not found: no Dataset "{name}" in '
                                        f'namespace "{pod.namespace}" (apply the Dataset and its runtime first)'}
            continue
        try:
            plan = await plan_dataset(lookup, home, pod.namespace, raw)
        except PodfleetError as err:
            plans[name] = {"error": f'persistentvolumeclaim "{name}": {err.message}'}
            continue
        plans[name] = plan.redacted()
        secrets[name] = [m.options for m in plan.mounts]
    if not plans:
        return {}
    out = {DATASETS_ANNOTATION: json.dumps(plans, separators=(",", ":"), sort_keys=True)}
    if secrets:
        out[SECRETS_ANNOTATION] = json.dumps(secrets, separators=(",", ":"), sort_keys=True)
    return out


class DatasetProvider:
    """A provider that annotates pods with their datasets, then delegates everything."""

    def __init__(self, inner: Any, lookup: Lookup, home: Path) -> None:
        self.inner = inner
        self.lookup = lookup
        self.home = Path(home)
        self.name = getattr(inner, "name", "provider")

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)

    async def create_pod(self, pod: Pod) -> None:
        if any(v.persistent_volume_claim is not None for v in pod.spec.volumes or ()):
            extra = await dataset_annotations(pod, self.lookup, self.home)
            if extra:
                data = pod.dump()
                data["metadata"]["annotations"] = {**(data["metadata"].get("annotations") or {}), **extra}
                pod = Pod.model_validate(data)
        await self.inner.create_pod(pod)

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: float | None = None) -> None:
        await self.inner.delete_pod(namespace, name, grace_period_seconds)

    async def get_pod_status(self, namespace: str, name: str) -> Any:
        return await self.inner.get_pod_status(namespace, name)

    async def list_pods(self) -> list[Any]:
        return await self.inner.list_pods()

    def logs(self, namespace: str, name: str, container: str = "main", follow: bool = False) -> AsyncIterator[str]:
        return self.inner.logs(namespace, name, container, follow)

    def events(self) -> AsyncIterator[Any]:
        return self.inner.events()

    async def close(self) -> None:
        await self.inner.close()
        closer = getattr(self.lookup, "aclose", None)
        if closer is not None:
            await closer()


def with_datasets(provider: Any, settings: Any, lookup: Any = None) -> DatasetProvider:
    """`provider` serving dataset claims; `lookup` defaults to the settings' store."""
    if lookup is None:
        from podfleet.providers.select import StoreLookup

        lookup = StoreLookup(settings)
    return DatasetProvider(provider, lookup, settings.home)


__all__ = ["DatasetProvider", "with_datasets", "dataset_annotations", "wants_fluid", "FLUID_LABELS"]
