"""The FUSE mount mode, as a user sees it: a pod reads a dataset file through the mount
and gets the right bytes, only the chunks it read were fetched from the store, and a
read of an uncached chunk while the store is down fails the pod with an I/O error."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cli import podfleet

from podfleet.datacache.cache import CHUNK_SIZE
from podfleet.datacache.fusemount import MODE_ENV
from tests.datacache.harness import S3, Proxy, payload
from tests.datacache.test_faults import apply, dataload_yaml, dataset_yaml, pod_message, run_workflow, wait

pytestmark = pytest.mark.skipif(
    not os.path.exists("/dev/fuse") or os.geteuid() != 0, reason="needs /dev/fuse and root for allow_other")


@pytest.fixture(autouse=True)
def _fuse_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODE_ENV, "fuse")


def reader(script: str) -> str:
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{generateName: fuse-reader-}}
spec:
  entrypoint: read
  templates:
  - name: read
    container:
      image: alpine:latest
      command: [sh, -c, "{script}"]
      volumeMounts: [{{name: data-vol, mountPath: /data}}]
    volumes:
    - name: data-vol
      persistentVolumeClaim: {{claimName: data}}
"""


def cached_chunks(home: Path) -> list[int]:
    """Indices of the chunks in the dataset's cache tier (what was fetched from the store)."""
    return sorted(int(p.name.split(".")[0]) for p in (home / "datacache" / "argo" / "data").rglob("*")
                  if p.is_file() and p.parent.parent.parent.name.startswith("L0")
                  and not p.name.startswith(".") and not p.name.endswith(".lock"))


def logs_of(home: Path, wf: dict) -> str:
    return podfleet("-n", "argo", "logs", wf["metadata"]["name"], home=home).out


def test_pod_reads_only_what_it_needs_through_fuse(s3: S3, home: Path, tmp_path: Path) -> None:
    data = payload(4 * CHUNK_SIZE, seed=3)
    s3.put("fuse-lazy", "big.dat", data)
    assert apply(home, tmp_path, "ds.yaml", dataset_yaml(s3.endpoint, "fuse-lazy"))[0] == 0
    status = wait(home, "dataset", "data", lambda s: s.get("phase") == "Bound")
    assert status["mountMode"] == "fuse"

    # The head of chunk 0 and one MiB inside chunk 2; chunks 1 and 3 are never touched.
    script = ("head -c 1000000 /data/big.dat | md5sum; "
              f"dd if=/data/big.dat bs=1048576 skip={2 * CHUNK_SIZE // 1048576 + 1} count=1 2>/dev/null | md5sum; "
              "ls -l /data; touch /data/x 2>&1 || echo read-only")
    wf = run_workflow(home, tmp_path, reader(script))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    out = logs_of(home, wf)
    start = 2 * CHUNK_SIZE + 1048576
    assert hashlib.md5(data[:1000000]).hexdigest() in out, out
    assert hashlib.md5(data[start:start + 1048576]).hexdigest() in out, out
    assert str(len(data)) in out and "big.dat" in out and "read-only" in out, out
    assert cached_chunks(home) == [0, 2]

    # A whole-file read by a second pod fetches only the two missing chunks and sums right.
    wf = run_workflow(home, tmp_path, reader("md5sum /data/big.dat"))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert f"{hashlib.md5(data).hexdigest()}  /data/big.dat" in logs_of(home, wf)
    assert cached_chunks(home) == [0, 1, 2, 3]

    # The dataset's mount lives as long as the Dataset does.
    [mountpoint] = (home / "datacache" / "argo" / "data" / "fuse").glob("[0-9a-f]*[0-9a-f]")
    assert os.path.ismount(mountpoint)
    assert podfleet("-n", "argo", "delete", "dataset", "data", home=home).code == 0
    # `delete` starts no worker (yet): the next pass of the dataset worker takes the mount down.
    assert podfleet("datacache", "run", "--until-idle", home=home, timeout=60).code == 0
    assert not os.path.ismount(mountpoint)


def test_uncached_read_through_fuse_while_the_store_is_down_is_an_io_error(
        s3: S3, home: Path, tmp_path: Path) -> None:
    data = payload(2 * CHUNK_SIZE, seed=4)
    s3.put("fuse-outage", "file.dat", data)
    proxy = Proxy(s3.port)
    try:
        assert apply(home, tmp_path, "ds.yaml", dataset_yaml(proxy.endpoint, "fuse-outage"))[0] == 0
        wait(home, "dataset", "data", lambda s: s.get("phase") == "Bound")
        wf = run_workflow(home, tmp_path, reader("head -c 4096 /data/file.dat | md5sum"))
        assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
        assert cached_chunks(home) == [0]

        proxy.stop()
        script = (f"dd if=/data/file.dat bs=4096 count=1 2>&1 | md5sum; "
                  f"dd if=/data/file.dat bs=4096 skip={CHUNK_SIZE // 4096} count=1 of=/dev/null")
        wf = run_workflow(home, tmp_path, reader(script))
        assert wf["status"]["phase"] in ("Failed", "Error"), wf["status"]
        out = logs_of(home, wf)
        assert "Input/output error" in out, out
        # The reader only saw EIO; the node says which file, where, and why.
        message = pod_message(wf)
        assert message.startswith("main: Error (exit code 1): dataset \"data\": I/O error reading file.dat"), message
        assert f"at offset {CHUNK_SIZE}" in message and "unreachable" in message, message
    finally:
        proxy.stop()


def test_corrupt_cached_chunk_is_refetched_before_a_pod_reads_it(s3: S3, home: Path, tmp_path: Path) -> None:
    data = payload(3 * CHUNK_SIZE, seed=5)
    s3.put("fuse-corrupt", "c.dat", data)
    assert apply(home, tmp_path, "ds.yaml", dataset_yaml(s3.endpoint, "fuse-corrupt"))[0] == 0
    wait(home, "dataset", "data", lambda s: s.get("phase") == "Bound")
    assert apply(home, tmp_path, "dl.yaml", dataload_yaml("warm"))[0] == 0
    assert wait(home, "dataload", "warm", lambda s: s.get("phase") in ("Complete", "Failed"),
                timeout=60).get("phase") == "Complete"
    [chunk] = [p for p in (home / "datacache" / "argo" / "data").rglob("1.*")
               if p.parent.parent.parent.name.startswith("L0") and not p.name.endswith(".lock")]
    damaged = bytearray(chunk.read_bytes())
    damaged[12345] ^= 0xFF
    chunk.write_bytes(bytes(damaged))

    wf = run_workflow(home, tmp_path, reader("md5sum /data/c.dat"))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert f"{hashlib.md5(data).hexdigest()}  /data/c.dat" in logs_of(home, wf)
    [again] = [p for p in chunk.parent.glob("1.*") if not p.name.endswith(".lock")]
    assert again.read_bytes() == data[CHUNK_SIZE:2 * CHUNK_SIZE]  # fetched again, not served damaged
