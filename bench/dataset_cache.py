"""The seed's Fluid comparison, side by side in one run: N pods each md5sum a file read
from a bandwidth-capped store, once through a ThinRuntime (no cache: every pod pays the
store) and once through a JindoRuntime preloaded by a DataLoad.

The cap: a token-bucket TCP proxy on 127.0.0.1 in front of moto's S3 server; every
connection draws from one bucket, so the store's total bandwidth is `--mbps` MB/s, as a
bucket's shared bandwidth is. Pods run with `--provider process`; the cached side reads
over FUSE where /dev/fuse is usable (else materialised files; `PODFLEET_DATASET_MOUNT`
forces either), the ThinRuntime side reads the store directly.

    python3 bench/dataset_cache.py                   # 20 pods × 128 MiB at 200 MB/s
    python3 bench/dataset_cache.py --size-mib 1024   # the issue's 1 GiB (slow: ~2 min baseline)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from podfleet.datacache.fusemount import unmount_all  # noqa: E402
from tests.datacache.harness import Proxy, clear_shm, moto_server, payload, seed_fluid  # noqa: E402
from tests.e2e.cli import podfleet, write  # noqa: E402


def wait_phase(home: Path, kind: str, name: str, phases: tuple[str, ...], timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = podfleet("-n", "argo", "get", kind, name, "-o", "json", home=home)
        phase = (r.json().get("status") or {}).get("phase") if r.code == 0 else None
        if phase in phases:
            return str(phase)
        time.sleep(0.3)
    raise SystemExit(f"{kind}/{name} did not reach {phases}")


def run_pods(home: Path, tmp: Path, workflow: str, pods: int, expected_md5: str) -> float:
    text = workflow.replace('end: "100"', f'end: "{pods}"').replace("8-16Gi", "1-2Gi")
    started = time.monotonic()
    r = podfleet("-n", "argo", "submit", "--wait", "-o", "name", str(write(tmp, "wf.yaml", text)), home=home,
                 timeout=3600)
    elapsed = time.monotonic() - started
    name = r.out.split()[0]
    wf = podfleet("-n", "argo", "get", name, "-o", "json", home=home).json()
    if wf["status"]["phase"] != "Succeeded":
        raise SystemExit(f"workflow {name} {wf['status']['phase']}: {wf['status'].get('message')}")
    logs = podfleet("-n", "argo", "logs", name, home=home).out
    sums = re.findall(r"\b([0-9a-f]{32})\s+test\.dat", logs)
    assert sums == [expected_md5] * pods, f"wrong checksums: {sums}"
    return elapsed


def read_rate(path: Path) -> float:
    """MB/s reading `path` once through (best of 3, after a warm-up read)."""
    best = 0.0
    for _ in range(4):
        started = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            while f.read(4 << 20):
                pass
        best = max(best, path.stat().st_size / (time.perf_counter() - started) / 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=20)
    parser.add_argument("--size-mib", type=int, default=128)
    parser.add_argument("--mbps", type=float, default=200.0, help="store bandwidth cap, MB/s")
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    data = payload(size)
    md5 = hashlib.md5(data).hexdigest()
    os.environ.setdefault("PODFLEET_PROVIDER", "process")
    for s3 in moto_server():
        s3.put("bench", "test.dat", data)
        del data
        proxy = Proxy(s3.port, rate=args.mbps * 1e6)
        results: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            dataset, dataload, workflow = seed_fluid(proxy.endpoint, "bench")
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
                    results[label] = run_pods(home, tmp, workflow, args.pods, md5)
                    extra = f"  (DataLoad took {load_s:.1f} s, not counted)" if load_s is not None else ""
                    print(f"{label:26s} {args.pods} pods × {args.size_mib} MiB: {results[label]:7.1f} s{extra}",
                          flush=True)
                    if "Jindo" in label:
                        served = home / "datacache" / "argo" / "serverless-data"
                        # what the pods read: the FUSE mount, or the materialised view
                        view = next(p for pattern in ("fuse/*/test.dat", "views/*/test.dat")
                                    for p in served.glob(pattern))
                        local = tmp / "local-copy.dat"
                        local.write_bytes(view.read_bytes())
                        cached_rate, local_rate = read_rate(view), read_rate(local)
                        results["read ratio"] = cached_rate / local_rate
                        print(f"read through what pods mount ({view.parent.parent.name}) {cached_rate:8.0f} MB/s, "
                              f"same file on local disk "
                              f"{local_rate:8.0f} MB/s: {100 * cached_rate / local_rate:.0f}%")
                finally:
                    unmount_all(home)
                    clear_shm(home)
        proxy.stop()
        thin, cached = results["ThinRuntime (no cache)"], results["JindoRuntime, preloaded"]
        print(f"speed-up with the preloaded cache: {thin / cached:.1f}x (target >= 5x; the seed reports ~4-5x)")
        print(f"store: capped at {args.mbps:.0f} MB/s by a token-bucket proxy; ideal uncached time "
              f"{args.pods * size / (args.mbps * 1e6):.1f} s")


if __name__ == "__main__":
    main()
