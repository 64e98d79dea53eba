"""(c) The seed's image-cache scenario: 100 pods, parallelism 100, IfNotPresent, 1-second task.

Submits the seed's `parallelism-limit1` workflow (its `sleep 30` shortened to `sleep 1`)
through the embedded engine with `--provider container` and prints the wall time, pods
per minute, and how far above the ideal (1 s of work per pod, all in parallel) it was.
Needs scripts/test-images/setup.sh.

    python bench/container_fanout.py [-n 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: parallelism-limit1-
spec:
  entrypoint: parallelism-limit1
  parallelism: 100
  podSpecPatch: '{{"schedulerName": "eci-scheduler"}}'
  podMetadata:
    labels:
      alibabacloud.com/eci: "true"
  templates:
  - name: parallelism-limit1
    steps:
    - - name: sleep
        template: sleep
        withSequence:
          start: "1"
          end: "{n}"
  - name: sleep
    retryStrategy:
      limit: "3"
      retryPolicy: "Always"
    container:
      imagePullPolicy: IfNotPresent
      image: alpine:latest
      command: [sh, -c, "sleep 1"]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wf = Path(tmp) / "wf.yaml"
        wf.write_text(WORKFLOW.format(n=args.n))
        env = {**os.environ, "PODFLEET_HOME": str(Path(tmp) / "home"), "PODFLEET_PROVIDER": "container"}
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "podfleet", "submit", str(wf), "--wait"],
                              env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        status = subprocess.run([sys.executable, "-m", "podfleet", "get", "@latest"], env=env,
                                capture_output=True, text=True, check=False).stdout
    phase = "Succeeded" if "Succeeded" in status and done.returncode == 0 else f"FAILED (exit {done.returncode})"
    print(f"{args.n} pods, parallelism 100, IfNotPresent, 1-second task, container provider: {phase}")
    print(f"  wall time: {wall:.1f} s   ({args.n / wall * 60:.0f} pods/min; ideal ~1 s + start-up)")
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])


if __name__ == "__main__":
    main()
