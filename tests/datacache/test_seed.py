"""The seed's Fluid section end to end, scaled to this machine: a Secret, a Dataset on
an S3-protocol server on loopback (`oss://` + `fs.oss.endpoint`), a JindoRuntime with a
MEM tier, a DataLoad that completes, and the seed's `argo-test.yaml` (5 pods instead of
100, an 8 MiB file instead of 10 GB) succeeding with the right md5 in every pod."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pytest
from tests.datacache.harness import S3, payload, seed_fluid

from cli import podfleet, write

SIZE = 8 * 1024 * 1024
PODS = 5


def wait_for(home: Path, kind: str, name: str, phases: tuple[str, ...], timeout: float = 40) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        result = podfleet("-n", "argo", "get", kind, name, "-o", "json", home=home)
        assert result.code == 0, result.err
        obj = result.json()
        if (obj.get("status") or {}).get("phase") in phases or time.monotonic() > deadline:
            return obj
        time.sleep(0.3)


def test_seed_fluid_section(s3: S3, home: Path, tmp_path: Path) -> None:
    data = payload(SIZE)
    s3.put("fluid-seed", "test.dat", data)
    dataset, dataload, workflow = seed_fluid(s3.endpoint, "fluid-seed")

    # As written in the seed, `-mediumtype: MEM` is not a list item: YAML (and kubectl) reject the file.
    raw_dataset, _, _ = seed_fluid(s3.endpoint, "fluid-seed", fix_dash=False)
    bad = podfleet("-n", "argo", "apply", "-f", str(write(tmp_path, "seed-dataset.yaml", raw_dataset)), home=home)
    assert bad.code != 0
    assert "'-mediumtype' is a key, not a list item" in bad.err and "- mediumtype:" in bad.err

    applied = podfleet("-n", "argo", "apply", "-f", str(write(tmp_path, "dataset.yaml", dataset)), home=home)
    assert applied.code == 0, applied.err
    assert "dataset/serverless-data created" in applied.out and "jindoruntime/serverless-data created" in applied.out

    bound = wait_for(home, "dataset", "serverless-data", ("Bound",))
    assert bound["status"]["phase"] == "Bound"
    table = podfleet("-n", "argo", "get", "dataset", home=home).out
    assert table.split("\n")[0].split() == ["NAME", "UFS", "TOTAL", "SIZE", "CACHED", "CACHE", "CAPACITY",
                                            "CACHED", "PERCENTAGE", "PHASE", "AGE"]
    assert re.search(r"serverless-data\s+8\.00MiB\s+0\.00B\s+12\.00GiB\s+0\.0%\s+Bound", table), table
    runtime = podfleet("-n", "argo", "get", "jindoruntime", home=home).out
    assert re.search(r"serverless-data\s+Ready\s+Ready\s+Ready\s+10/10", runtime), runtime

    loaded = podfleet("-n", "argo", "apply", "-f", str(write(tmp_path, "dataload.yaml", dataload)), home=home)
    assert loaded.code == 0, loaded.err
    done = wait_for(home, "dataload", "serverless-data-warmup", ("Complete", "Failed"))
    assert done["status"]["phase"] == "Complete", done["status"]
    loads = podfleet("-n", "argo", "get", "dataload", home=home).out
    assert re.search(r"serverless-data-warmup\s+serverless-data\s+Complete\s+100\.0%\s+\d+s", loads), loads
    deadline = time.monotonic() + 20
    while "100.0%" not in (table := podfleet("-n", "argo", "get", "dataset", home=home).out):
        assert time.monotonic() < deadline, table
        time.sleep(0.3)
    assert re.search(r"serverless-data\s+8\.00MiB\s+8\.00MiB\s+12\.00GiB\s+100\.0%\s+Bound", table), table

    # Scaled: 5 pods, and an ECI spec this machine's one zone can hold (8-16Gi is bigger than 2 cores).
    scaled = workflow.replace('end: "100"', f'end: "{PODS}"').replace("8-16Gi", "1-2Gi")
    submitted = podfleet("-n", "argo", "submit", "--wait", "-o", "name", str(write(tmp_path, "argo-test.yaml", scaled)),
                         home=home, timeout=90)
    assert submitted.code == 0, submitted.err + submitted.out
    wf = podfleet("-n", "argo", "get", submitted.out.split()[0], "-o", "json", home=home).json()
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert len(pods) == PODS
    logs = podfleet("-n", "argo", "logs", wf["metadata"]["name"], home=home).out
    sums = re.findall(r"\b([0-9a-f]{32})\s+test\.dat", logs)
    assert sums == [hashlib.md5(data).hexdigest()] * PODS, logs

    # The seed's labels and podSpecPatch reached the pods as given.
    manifests = list((home / "pods" / "argo").glob("*/pod.json"))
    assert len(manifests) == PODS
    for path in manifests:
        pod = json.loads(path.read_text())
        assert pod["metadata"]["labels"]["alibabacloud.com/fluid-sidecar-target"] == "eci"
        assert pod["spec"]["terminationGracePeriodSeconds"] == 0
        assert pod["spec"]["schedulerName"] == "eci-scheduler"
        assert "serverless-data" in json.loads(pod["metadata"]["annotations"]["podfleet.io/datasets"])


@pytest.mark.parametrize("mode", ["fuse", "materialise"])
def test_seed_workflow_in_real_containers(s3: S3, home: Path, tmp_path: Path, mode: str) -> None:
    # The same pods as real containers (podman): the dataset's folder — a FUSE mount or a
    # materialised view — is bound read-only into each container at /data.
    if mode == "fuse" and not Path("/dev/fuse").exists():
        pytest.skip("no /dev/fuse here")
    data = payload(3 * 1024 * 1024 + 17, seed=21)
    s3.put("fluid-containers", "test.dat", data)
    dataset, _, workflow = seed_fluid(s3.endpoint, "fluid-containers")
    env = {"PODFLEET_PROVIDER": "container", "PODFLEET_DATASET_MOUNT": mode}
    applied = podfleet("-n", "argo", "apply", "-f", str(write(tmp_path, "dataset.yaml", dataset)), home=home, env=env)
    assert applied.code == 0, applied.err
    bound = wait_for(home, "dataset", "serverless-data", ("Bound",))
    assert bound["status"]["mountMode"] == mode

    scaled = workflow.replace('end: "100"', 'end: "3"').replace("8-16Gi", "1-2Gi").replace(
        "md5sum test.dat", "md5sum test.dat && (test -e /etc/debian_version || echo in-the-image) && "
                           "(touch /data/x 2>/dev/null || echo data-is-read-only)")
    submitted = podfleet("-n", "argo", "submit", "--wait", "-o", "name", str(write(tmp_path, "argo-test.yaml", scaled)),
                         home=home, env=env, timeout=120)
    assert submitted.code == 0, submitted.err + submitted.out
    name = submitted.out.split()[0]
    wf = podfleet("-n", "argo", "get", name, "-o", "json", home=home, env=env).json()
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    logs = podfleet("-n", "argo", "logs", name, home=home, env=env).out
    assert re.findall(r"\b([0-9a-f]{32})\s+test\.dat", logs) == [hashlib.md5(data).hexdigest()] * 3, logs
    assert logs.count("data-is-read-only") == 3, logs
    assert logs.count("in-the-image") == 3, logs  # ran in the test image's root, not this (Debian) host's
