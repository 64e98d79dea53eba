"""The seed's Fluid comparison, side by side in one run: N pods each md5sum a file read
from a bandwidth-capped store, once through a ThinRuntime (no cache: every pod pays the
store) and once through a JindoRuntime preloaded by a DataLoad.

The store: s3rver (a file-backed S3 server for node, installed from npm on first use
into ~/.cache/podfleet-bench) — it serves ranges in O(range) at ~500 MB/s here. moto is
the fallback (`--store moto`, or when node/npm are missing), but it reads the whole
object to serve each range, so above ~64 MiB moto, not the cap, sets the baseline.
The cap: a token-bucket TCP proxy on 127.0.0.1 in front of the store; every connection
draws from one bucket, so the store's total bandwidth is `--mbps` MB/s, as a bucket's
shared bandwidth is. Pods run with `--provider process`; the cached side reads over
FUSE where /dev/fuse is usable (else materialised files; `PODFLEET_DATASET_MOUNT`
forces either), the ThinRuntime side reads the store directly.

Reads through the mount vs the same file on local disk are measured twice: first reads
(both files' pages dropped from the page cache with posix_fadvise — the cache's tier
stays, it is the cache) and repeat reads (both in the page cache).

    python3 bench/dataset_cache.py                   # 20 pods × 128 MiB at 200 MB/s
    python3 bench/dataset_cache.py --size-mib 1024   # the issue's 1 GiB (~2 min baseline)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from podfleet.datacache.fusemount import unmount_all  # noqa: E402
from tests.datacache.harness import S3, Proxy, clear_shm, moto_server, payload, seed_fluid  # noqa: E402
from tests.e2e.cli import podfleet, write  # noqa: E402
from tests.loopback import free_port  # noqa: E402

S3RVER = "s3rver@3.7.1"


@contextlib.contextmanager
def s3rver(workdir: Path) -> Iterator[S3]:
    prefix = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "podfleet-bench" / "s3rver"
    binary = prefix / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    if not binary.exists():
        print(f"installing {S3RVER} from npm into {prefix} …", flush=True)
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", S3RVER],
                       check=True, capture_output=True)
    port = free_port()
    (workdir / "s3rver").mkdir()
    proc = subprocess.Popen(["node", str(binary), "-d", str(workdir / "s3rver"), "-a", "127.0.0.1",
                             "-p", str(port), "--silent"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("s3rver did not start")
            time.sleep(0.1)
        yield S3(f"http://127.0.0.1:{port}", port, access="S3RVER", secret="S3RVER")  # its fixed credentials
    finally:
        proc.terminate()
        proc.wait()


@contextlib.contextmanager
def store(kind: str, workdir: Path) -> Iterator[S3]:
    if kind == "auto":
        kind = "s3rver" if shutil.which("node") and shutil.which("npm") else "moto"
    print(f"store: {kind}", flush=True)
    if kind == "s3rver":
        with s3rver(workdir) as s3:
            yield s3
    else:
        for s3 in moto_server():
            yield s3


def wait_phase(home: Path, kind: str, name: str, phases: tuple[str, ...], timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = podfleet("-n", "argo", "get", kind, name, "-o", "json", home=home)
        phase = (r.json().get("status") or {}).get("phase") if r.code == 0 else None
        if phase in phases:
            return str(phase)
        time.sleep(0.3)
    raise SystemExit(f"{kind}/{name} did not reach {phases}")


SCRIPTS = {
    # the seed's pod: copy the file to the pod's own disk, then sum the copy
    "seed": "cp /data/test.dat /test.dat && md5sum test.dat",
    # data access alone: sum the file where the dataset is mounted
    "read": "md5sum /data/test.dat",
}


def run_pods(home: Path, tmp: Path, workflow: str, pods: int, expected_md5: str, script: str) -> float:
    text = workflow.replace('end: "100"', f'end: "{pods}"').replace("8-16Gi", "1-2Gi")
    text = text.replace(SCRIPTS["seed"], SCRIPTS[script])
    started = time.monotonic()
    r = podfleet("-n", "argo", "submit", "--wait", "-o", "name", str(write(tmp, "wf.yaml", text)), home=home,
                 timeout=3600)
    elapsed = time.monotonic() - started
    name = r.out.split()[0]
    wf = podfleet("-n", "argo", "get", name, "-o", "json", home=home).json()
    if wf["status"]["phase"] != "Succeeded":
        raise SystemExit(f"workflow {name} {wf['status']['phase']}: {wf['status'].get('message')}")
    logs = podfleet("-n", "argo", "logs", name, home=home).out
    sums = re.findall(r"\b([0-9a-f]{32})\s+(?:/data/)?test\.dat", logs)
    assert sums == [expected_md5] * pods, f"wrong checksums: {sums}"
    podfleet("-n", "argo", "delete", name, home=home)  # its pods' copies of the file: free the disk
    return elapsed


def read_rate(path: Path, *, cold: bool) -> float:
    """MB/s reading `path` through with 1 MiB reads (best of 3); cold: its cached pages dropped first."""
    best = 0.0
    for _ in range(3):
        fd = os.open(path, os.O_RDONLY)
        try:
            if cold:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            started = time.perf_counter()
            while os.read(fd, 1 << 20):
                pass
            best = max(best, path.stat().st_size / (time.perf_counter() - started) / 1e6)
        finally:
            os.close(fd)
    return best


def compare_reads(view: Path, local: Path) -> float:
    """Print first and repeat read rates of `view` vs a fresh local-disk copy of the same
    bytes (`local`); the first-read ratio."""
    # Freshly written, as the comparison was first measured: a file that sat through the
    # pods' 20 GiB of writes reads at half the speed (cold on the host too), which would
    # flatter the cache.
    fresh = local.with_name("fresh-copy.dat")
    with open(local, "rb") as src, open(fresh, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())  # written pages are clean, so posix_fadvise can drop them
    local = fresh
    ratio = 0.0
    for cold, label in ((True, "first read (page cache dropped)"), (False, "repeat read (page cache warm)")):
        mounted, disk = read_rate(view, cold=cold), read_rate(local, cold=cold)
        print(f"{label:32s} through the pods' mount ({view.parent.parent.name}) {mounted:6.0f} MB/s, "
              f"local disk {disk:6.0f} MB/s: {100 * mounted / disk:.0f}%", flush=True)
        if cold:
            ratio = mounted / disk
    fresh.unlink()
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=20)
    parser.add_argument("--size-mib", type=int, default=128)
    parser.add_argument("--mbps", type=float, default=200.0, help="store bandwidth cap, MB/s")
    parser.add_argument("--store", choices=("auto", "s3rver", "moto"), default="auto")
    parser.add_argument("--script", choices=("both", *SCRIPTS), default="both",
                        help="what each pod runs: the seed's cp + md5sum, or md5sum of the mounted file")
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    data = payload(size)
    md5 = hashlib.md5(data).hexdigest()
    os.environ.setdefault("PODFLEET_PROVIDER", "process")
    with tempfile.TemporaryDirectory() as tmpdir, store(args.store, Path(tmpdir)) as s3:
        tmp = Path(tmpdir)
        s3.put("bench", "test.dat", data)
        # The same bytes on this machine's disk: the floor the pods are measured against,
        # and the source of the copy reads through the cache are compared with.
        local_dir = tmp / "local-data"
        local_dir.mkdir()
        local = local_dir / "test.dat"
        local.write_bytes(data)
        del data
        proxy = Proxy(s3.port, rate=args.mbps * 1e6)
        results: dict[tuple[str, str], float] = {}
        read_ratio = 0.0
        scripts = list(SCRIPTS) if args.script == "both" else [args.script]
        dataset, dataload, workflow = seed_fluid(proxy.endpoint, "bench", access=s3.access, secret=s3.secret)
        for label, text in (("ThinRuntime (no cache)", dataset.replace("kind: JindoRuntime", "kind: ThinRuntime")),
                            ("JindoRuntime, preloaded", dataset)):
            home = tmp / label.split()[0]
            try:
                podfleet("-n", "argo", "apply", "-f", str(write(tmp, "ds.yaml", text)), home=home)
                wait_phase(home, "dataset", "serverless-data", ("Bound",))
                load_s = None
                if "Jindo" in label:
                    started = time.monotonic()
                    podfleet("-n", "argo", "apply", "-f", str(write(tmp, "dl.yaml", dataload)), home=home)
                    wait_phase(home, "dataload", "serverless-data-warmup", ("Complete",))
                    load_s = time.monotonic() - started
                for script in scripts:
                    results[(label, script)] = run_pods(home, tmp, workflow, args.pods, md5, script)
                    extra = f"  (DataLoad took {load_s:.1f} s, not counted)" if load_s is not None else ""
                    print(f"{label:24s} {script:5s} {args.pods} pods × {args.size_mib} MiB: "
                          f"{results[(label, script)]:7.1f} s{extra}", flush=True)
                if "Jindo" in label:
                    served = home / "datacache" / "argo" / "serverless-data"
                    # what the pods read: the FUSE mount, or the materialised view
                    view = next(p for pattern in ("fuse/*/test.dat", "views/*/test.dat")
                                for p in served.glob(pattern))
                    read_ratio = compare_reads(view, local)
            finally:
                unmount_all(home)
                clear_shm(home)
                shutil.rmtree(home, ignore_errors=True)
        proxy.stop()
        # The floor: the same pods reading the file from this machine's disk (a hostPath).
        # With the seed's script, most of the cached side is the pods' own work — 20 copies
        # written to one disk and summed on two cores, where the seed had a disk and CPUs per pod.
        floor_text = re.sub(r"persistentVolumeClaim:\s*\n\s*claimName: serverless-data",
                            f'hostPath: {{path: "{local_dir}", type: Directory}}', workflow)
        home = tmp / "Local"
        try:
            for script in scripts:
                results[("local disk", script)] = run_pods(home, tmp, floor_text, args.pods, md5, script)
                print(f"{'local disk (the floor)':24s} {script:5s} {args.pods} pods × {args.size_mib} MiB: "
                      f"{results[('local disk', script)]:7.1f} s", flush=True)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    for script in scripts:
        thin, cached = results[("ThinRuntime (no cache)", script)], results[("JindoRuntime, preloaded", script)]
        floor = results[("local disk", script)]
        print(f"speed-up with the preloaded cache, {script:5s} ({SCRIPTS[script]}): {thin / cached:.1f}x "
              f"(target >= 5x; the seed reports ~4-5x); local disk would give {thin / floor:.1f}x")
    print(f"reads through the cache with the page cache dropped: {100 * read_ratio:.0f}% of local disk "
          f"(target >= 80%)")
    print(f"store: capped at {args.mbps:.0f} MB/s by a token-bucket proxy; ideal uncached time "
          f"{args.pods * size / (args.mbps * 1e6):.1f} s")


if __name__ == "__main__":
    main()
