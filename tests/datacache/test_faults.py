"""Faults and bad input, as a user sees them through `podfleet`: the store stopping
mid-DataLoad, a pod reading an uncached file while the store is down, an unknown
scheme, a missing Secret, a runtime with no Dataset, a pod naming a missing dataset."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from tests.datacache.harness import ACCESS, SECRET, S3, Proxy, payload

from cli import podfleet, write
from podfleet.datacache.fusemount import MODE_ENV


def dataset_yaml(endpoint: str, bucket: str, *, name: str = "data", runtime: str = "JindoRuntime",
                 secret: str = "access-key", scheme: str = "oss") -> str:
    return f"""apiVersion: v1
kind: Secret
metadata: {{name: access-key}}
stringData: {{fs.oss.accessKeyId: {ACCESS}, fs.oss.accessKeySecret: {SECRET}}}
---
apiVersion: data.fluid.io/v1alpha1
kind: Dataset
metadata: {{name: {name}}}
spec:
  mounts:
  - mountPoint: {scheme}://{bucket}/
    name: demo
    path: /
    options: {{fs.oss.endpoint: "{endpoint}"}}
    encryptOptions:
    - name: fs.oss.accessKeyId
      valueFrom: {{secretKeyRef: {{name: {secret}, key: fs.oss.accessKeyId}}}}
    - name: fs.oss.accessKeySecret
      valueFrom: {{secretKeyRef: {{name: {secret}, key: fs.oss.accessKeySecret}}}}
---
apiVersion: data.fluid.io/v1alpha1
kind: {runtime}
metadata: {{name: {name}}}
spec:
  replicas: 1
  tieredstore:
    levels:
    - {{mediumtype: SSD, quota: 1Gi, high: "0.9", low: "0.7"}}
"""


def dataload_yaml(name: str, dataset: str = "data", target: str | None = None) -> str:
    targets = f"\n  target:\n  - path: {target}" if target else ""
    return f"""apiVersion: data.fluid.io/v1alpha1
kind: DataLoad
metadata: {{name: {name}}}
spec:
  dataset: {{name: {dataset}, namespace: argo}}
  loadMetadata: true{targets}
"""


def reader_workflow(claim: str, file: str) -> str:
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{generateName: reader-}}
spec:
  entrypoint: read
  podMetadata:
    labels: {{alibabacloud.com/fluid-sidecar-target: eci}}
  templates:
  - name: read
    container:
      image: alpine:latest
      command: [sh, -c, "md5sum /data/{file}"]
      volumeMounts: [{{name: data-vol, mountPath: /data}}]
    volumes:
    - name: data-vol
      persistentVolumeClaim: {{claimName: {claim}}}
"""


def apply(home: Path, tmp: Path, name: str, text: str) -> tuple[int, str, str]:
    r = podfleet("-n", "argo", "apply", "-f", str(write(tmp, name, text)), home=home)
    return r.code, r.out, r.err


def status_of(home: Path, kind: str, name: str) -> dict:
    r = podfleet("-n", "argo", "get", kind, name, "-o", "json", home=home)
    assert r.code == 0, r.err
    return r.json().get("status") or {}


def wait(home: Path, kind: str, name: str, test, timeout: float = 40) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(home, kind, name)
        if test(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def run_workflow(home: Path, tmp: Path, text: str) -> dict:
    r = podfleet("-n", "argo", "submit", "--wait", "-o", "name", str(write(tmp, "wf.yaml", text)), home=home,
                 timeout=60)
    name = r.out.split()[0]
    return podfleet("-n", "argo", "get", name, "-o", "json", home=home).json()


def pod_message(wf: dict) -> str:
    return " ".join(n.get("message") or "" for n in wf["status"]["nodes"].values() if n["type"] == "Pod")


def test_store_stops_mid_dataload_then_a_rerun_completes(s3: S3, home: Path, tmp_path: Path) -> None:
    s3.put("midload", "big.dat", payload(24 * 1024 * 1024))
    proxy = Proxy(s3.port, rate=1.5e6)  # ~16 s to load: time to pull the plug
    try:
        assert apply(home, tmp_path, "ds.yaml", dataset_yaml(proxy.endpoint, "midload"))[0] == 0
        wait(home, "dataset", "data", lambda s: s.get("phase") == "Bound")
        assert apply(home, tmp_path, "dl.yaml", dataload_yaml("warm"))[0] == 0
        deadline = time.monotonic() + 30
        while not re.search(r"warm\s+data\s+Executing\s+(?!0\.0%)\d+\.\d%\s+\d+s",
                            table := podfleet("-n", "argo", "get", "dataload", home=home).out):
            assert time.monotonic() < deadline and "Complete" not in table, table
            time.sleep(0.2)
        proxy.stop()
        failed = wait(home, "dataload", "warm", lambda s: s.get("phase") in ("Failed", "Complete"))
        assert failed["phase"] == "Failed"
        [cond] = failed["conditions"]
        assert cond["type"] == "Failed" and cond["reason"] == "DataLoadFailed"
        assert "big.dat" in cond["message"], cond["message"]
        assert re.search("unreachable|stopped answering", cond["message"]), cond["message"]

        proxy.bucket.rate = None
        proxy.start()
        assert podfleet("-n", "argo", "delete", "dataload", "warm", home=home).code == 0
        assert apply(home, tmp_path, "dl.yaml", dataload_yaml("warm"))[0] == 0
        done = wait(home, "dataload", "warm", lambda s: s.get("phase") in ("Failed", "Complete"))
        assert done["phase"] == "Complete", done
        bound = wait(home, "dataset", "data", lambda s: (s.get("cacheStates") or {}).get("cachedPercentage") == "100.0%")
        assert bound["cacheStates"]["cached"] == "24.00MiB"
    finally:
        proxy.stop()


def test_pod_reading_an_uncached_file_while_the_store_is_down_fails_with_io_error(
        s3: S3, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The materialise mode names the file and the cause in the pod's message (test_fuse.py covers FUSE).
    monkeypatch.setenv(MODE_ENV, "materialise")
    s3.put("outage", "warm.dat", payload(1024 * 1024, seed=1))
    s3.put("outage", "cold.dat", payload(1024 * 1024, seed=2))
    proxy = Proxy(s3.port)
    try:
        assert apply(home, tmp_path, "ds.yaml", dataset_yaml(proxy.endpoint, "outage"))[0] == 0
        wait(home, "dataset", "data", lambda s: s.get("phase") == "Bound")
        assert apply(home, tmp_path, "dl.yaml", dataload_yaml("warm-one", target="/warm.dat"))[0] == 0
        assert wait(home, "dataload", "warm-one", lambda s: s.get("phase") == "Complete")["phase"] == "Complete"
        proxy.stop()
        started = time.monotonic()
        wf = run_workflow(home, tmp_path, reader_workflow("data", "cold.dat"))
        assert time.monotonic() - started < 45  # generous: the point is it ends, not how fast
        assert wf["status"]["phase"] in ("Failed", "Error")
        message = pod_message(wf)
        assert "I/O error" in message and "cold.dat" in message and "unreachable" in message, message
    finally:
        proxy.stop()


def test_unknown_scheme_is_rejected_at_apply(s3: S3, home: Path, tmp_path: Path) -> None:
    code, out, err = apply(home, tmp_path, "ds.yaml", dataset_yaml(s3.endpoint, "b", scheme="hdfs"))
    assert code != 0
    assert "unsupported mountPoint scheme 'hdfs'" in err and "spec.mounts[0].mountPoint" in err
    assert podfleet("-n", "argo", "get", "dataset", home=home).out.startswith("No resources found")


def test_missing_secret_keeps_the_dataset_unbound_and_its_pods_from_starting(
        s3: S3, home: Path, tmp_path: Path) -> None:
    s3.put("nosecret", "x.dat", b"x")
    code, _, err = apply(home, tmp_path, "ds.yaml", dataset_yaml(s3.endpoint, "nosecret", secret="missing-key"))
    assert code == 0
    assert 'Secret "missing-key" not found in namespace "argo"' in err and "stays NotBound" in err
    status = wait(home, "dataset", "data", lambda s: bool(s.get("conditions")))
    assert status["phase"] == "NotBound"
    assert 'Secret "missing-key" not found' in status["conditions"][0]["message"]
    wf = run_workflow(home, tmp_path, reader_workflow("data", "x.dat"))
    assert wf["status"]["phase"] in ("Failed", "Error")
    assert 'Secret "missing-key" not found' in pod_message(wf)
    assert not list((home / "logs").rglob("main*")) or "x.dat" not in "".join(
        p.read_text() for p in (home / "logs").rglob("main*"))


def test_runtime_without_dataset_says_so(s3: S3, home: Path, tmp_path: Path) -> None:
    runtime = dataset_yaml(s3.endpoint, "b", name="lonely").split("---\n")[2]
    code, _, err = apply(home, tmp_path, "rt.yaml", runtime)
    assert code == 0
    assert 'JindoRuntime "lonely" has no Dataset "lonely" in namespace "argo"' in err
    status = wait(home, "jindoruntime", "lonely", lambda s: bool(s.get("conditions")))
    assert status["masterPhase"] == "NotReady" and status["conditions"][0]["reason"] == "DatasetNotFound"
    table = podfleet("-n", "argo", "get", "jindoruntime", home=home).out
    assert re.search(r"lonely\s+NotReady\s+NotReady\s+NotReady\s+0/1", table), table


def test_pod_naming_a_missing_dataset_does_not_start(home: Path, tmp_path: Path) -> None:
    wf = run_workflow(home, tmp_path, reader_workflow("no-such-data", "x.dat"))
    assert wf["status"]["phase"] in ("Failed", "Error")
    message = pod_message(wf)
    assert 'persistentvolumeclaim "no-such-data" not found: no Dataset "no-such-data" in namespace "argo"' in message
    assert not (home / "volumes" / "argo" / "no-such-data").exists()


def test_cron_dataload_with_a_bad_or_missing_schedule_is_rejected_at_apply(home: Path, tmp_path: Path) -> None:
    cron = dataload_yaml("nightly") + "  policy: Cron\n"
    code, _, err = apply(home, tmp_path, "bad.yaml", cron + '  schedule: "every night"\n')
    assert code != 0
    assert "spec.schedule" in err and "invalid cron schedule 'every night'" in err, err
    code, _, err = apply(home, tmp_path, "none.yaml", cron)
    assert code != 0 and "policy Cron needs a schedule" in err, err
    assert podfleet("-n", "argo", "get", "dataload", home=home).out.startswith("No resources found")
