"""Artifact upload/download throughput: podfleet's S3 repository vs. the client library alone.

Runs a moto S3 server on loopback (in a child process, so the server's CPU is not billed
to the client), writes one random file, then times — side by side, same server, same
file — boto3's `upload_file`/`download_file` with its default transfer settings, podfleet's
`S3ArtifactRepository.put(archive="none")`/`get`, and obstore when installed. Prints MiB/s
and podfleet/boto3 ratios (target ≥ 0.9). The file and its downloads are deleted at the end.

    python3 bench/artifact_throughput.py            # 256 MiB (moto keeps objects in RAM)
    python3 bench/artifact_throughput.py --size-mib 1024
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ACCESS, SECRET = "bench-access", "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start")


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import boto3
    from botocore.config import Config

    from podfleet.artifacts.config import S3Settings
    from podfleet.artifacts.s3 import S3ArtifactRepository

    port = free_port()
    server = start_moto(port)
    endpoint = f"http://127.0.0.1:{port}"
    size = args.size_mib * 1024 * 1024
    try:
        with tempfile.TemporaryDirectory(prefix="podfleet-bench-") as tmp:
            src = Path(tmp) / "artifact.bin"
            with open(src, "wb") as f:
                for _ in range(args.size_mib):
                    f.write(os.urandom(1024 * 1024))
            client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS,
                                  aws_secret_access_key=SECRET, region_name="us-east-1",
                                  config=Config(s3={"addressing_style": "path"},
                                                request_checksum_calculation="when_required",
                                                response_checksum_validation="when_required"))
            client.create_bucket(Bucket="bench")
            repo = S3ArtifactRepository(S3Settings(bucket="bench", endpoint_url=endpoint, region="us-east-1",
                                                   addressing="path", access_key=ACCESS, secret_key=SECRET))
            dest = Path(tmp) / "download.bin"
            results: dict[str, list[float]] = {}

            def record(name: str, seconds: float) -> None:
                results.setdefault(name, []).append(seconds)
                dest.unlink(missing_ok=True)

            obstore_store = None
            try:
                import obstore
                from obstore.store import S3Store

                obstore_store = S3Store("bench", endpoint=endpoint, access_key_id=ACCESS,
                                        secret_access_key=SECRET, region="us-east-1",
                                        virtual_hosted_style_request=False, client_options={"allow_http": True})
            except ImportError:
                pass

            for _ in range(args.rounds):
                record("boto3 upload", timed(lambda: client.upload_file(str(src), "bench", "boto3.bin")))
                record("podfleet upload", timed(lambda: repo.put("podfleet.bin", src, archive="none")))
                record("boto3 download", timed(lambda: client.download_file("bench", "boto3.bin", str(dest))))
                record("podfleet download", timed(lambda: repo.get("podfleet.bin", dest)))
                if obstore_store is not None:
                    def ob_put() -> None:
                        with open(src, "rb") as f:
                            obstore.put(obstore_store, "obstore.bin", f)

                    def ob_get() -> None:
                        with open(dest, "wb") as out:
                            for chunk in obstore.get(obstore_store, "obstore.bin").stream(min_chunk_size=8 << 20):
                                out.write(chunk)

                    record("obstore upload", timed(ob_put))
                    record("obstore download", timed(ob_get))
                for key in ("boto3.bin", "podfleet.bin", "obstore.bin"):
                    client.delete_object(Bucket="bench", Key=key)

            mib = size / (1024 * 1024)
            best = {name: min(times) for name, times in results.items()}
            print(f"artifact of {args.size_mib} MiB, best of {args.rounds}, moto S3 server on loopback")
            for name, seconds in best.items():
                print(f"  {name:<18} {mib / seconds:8.1f} MiB/s")
            for what in ("upload", "download"):
                ratio = best[f"boto3 {what}"] / best[f"podfleet {what}"]
                print(f"  podfleet/boto3 {what} ratio: {ratio:.2f} (target >= 0.9)")
                if f"obstore {what}" in best:
                    print(f"  obstore/boto3 {what} ratio: {best[f'boto3 {what}'] / best[f'obstore {what}']:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
