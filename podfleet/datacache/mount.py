"""The providers' side of dataset volumes: `persistentVolumeClaim: {claimName: <dataset>}`.

The provider never reads the store. The provider factory (see provider.py) resolves
each claim of a pod and writes two annotations: `podfleet.io/datasets` (claim → the
dataset's plan without credential values, or `{"error": …}` when the claim names a
dataset that cannot be served) and `podfleet.io/dataset-secrets` (claim → the option
values of each mount, credentials included; kept like `podfleet.io/artifact-secrets`,
in owner-only pod manifests, never printed). `dataset_volume` turns that into the
read-only folder to bind — a FUSE mountpoint or a materialised folder, see fusemount.py
— and claims not named there are ordinary PVC folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from podfleet.datacache.fusemount import fuse_view, mount_mode
from podfleet.datacache.materialise import private_copy, shared_view
from podfleet.datacache.plan import DatasetPlan
from podfleet.errors import InvalidError, PodfleetError

DATASETS_ANNOTATION = "podfleet.io/datasets"
SECRETS_ANNOTATION = "podfleet.io/dataset-secrets"


def _json(annotations: dict[str, str], key: str) -> dict[str, Any]:
    raw = annotations.get(key)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InvalidError(f"annotation {key} is not valid JSON: {err}") from None
    return value if isinstance(value, dict) else {}


def claimed_dataset(annotations: dict[str, str] | None, claim: str) -> DatasetPlan | None:
    """The plan for `claim`, None for a plain claim; InvalidError when the claim names a dataset
    that cannot be served (the pod must not start)."""
    annotations = annotations or {}
    entry = _json(annotations, DATASETS_ANNOTATION).get(claim)
    if entry is None:
        return None
    if "error" in entry:
        raise InvalidError(str(entry["error"]))
    options = _json(annotations, SECRETS_ANNOTATION).get(claim) or []
    plan = DatasetPlan.from_json(entry)
    for mount, values in zip(plan.mounts, options):
        mount.options = {**mount.options, **values}
    return plan


def dataset_volume(annotations: dict[str, str] | None, claim: str, volume: str,
                   private_dir: Path) -> tuple[Path, bool] | None:
    """(folder holding the dataset's files, read-only) for a dataset claim; None otherwise."""
    plan = claimed_dataset(annotations, claim)
    if plan is None:
        return None
    try:
        # ThinRuntime has no cache to serve from: its pods keep their own copy read from the store.
        if not plan.cached:
            path = private_copy(plan, private_dir)
        elif mount_mode() == "fuse":
            path = fuse_view(plan)
        else:
            path = shared_view(plan)
    except PodfleetError as err:
        raise InvalidError(f'volume {volume!r}: dataset "{plan.name}": {err.message}') from None
    except OSError as err:
        raise InvalidError(f'volume {volume!r}: dataset "{plan.name}": I/O error: {err}') from None
    return path, True


def dataset_read_failures(annotations: dict[str, str] | None, since: float | None, until: float) -> str | None:
    """Why a pod's reads of its FUSE-served datasets failed between `since` and `until`, if they did.

    A reader only sees EIO; the daemon recorded the cause (fusefs.read_errors). Providers
    put this on a failed container's state, as Kubernetes shows a termination message.
    """
    from podfleet.datacache.fusefs import read_errors

    messages = []
    for entry in _json(annotations or {}, DATASETS_ANNOTATION).values():
        if "error" in entry:
            continue
        try:
            plan = DatasetPlan.from_json(entry)
        except (TypeError, ValueError):
            continue
        failures = read_errors(plan, (since or until) - 1.0, until + 1.0)
        if failures:
            more = f" (and {len(failures) - 1} more failed reads)" if len(failures) > 1 else ""
            messages.append(f'dataset "{plan.name}": {failures[-1]}{more}')
    return "; ".join(messages) or None


__all__ = ["dataset_volume", "dataset_read_failures", "claimed_dataset", "DATASETS_ANNOTATION", "SECRETS_ANNOTATION", "mount_mode"]
