"""A controller killed with SIGKILL mid-workflow is restarted and finishes the workflow,
and no pod that succeeded runs a second time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.e2e.cli import REPO, podfleet, write

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: crash-safety
spec:
  entrypoint: fan-out
  parallelism: 5
  volumes:
  - name: record
    hostPath: {path: RECORD}
  templates:
  - name: fan-out
    steps:
    - - name: work
        template: work
        withSequence: {count: "50"}
  - name: work
    container:
      image: alpine:3.23
      command: [sh, -c, "echo {{pod.name}} >> /record/runs; sleep 0.3"]
      volumeMounts:
      - {name: record, mountPath: /record}
"""


def test_sigkilled_controller_restarts_and_runs_each_pod_once(tmp_path: Path, podfleet_home: Path) -> None:
    record = tmp_path / "record"
    record.mkdir()
    runs = record / "runs"
    path = write(tmp_path, "wf.yaml", WORKFLOW.replace("RECORD", str(record)))
    env = {**os.environ, "PODFLEET_HOME": str(podfleet_home), "PODFLEET_PROVIDER": "process"}
    first = subprocess.Popen([sys.executable, "-m", "podfleet", "submit", str(path), "--wait"], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if runs.exists() and len(runs.read_text().splitlines()) >= 12:
            break
        time.sleep(0.05)
    else:
        first.kill()
        raise AssertionError("the workflow did not get going")
    first.send_signal(signal.SIGKILL)
    first.wait()
    started_before_crash = len(runs.read_text().splitlines())
    assert started_before_crash < 50, "the controller was killed too late to test anything"

    resumed = podfleet("wait", "crash-safety", home=podfleet_home, timeout=180)
    assert resumed.code == 0, resumed.out + resumed.err
    assert "crash-safety Succeeded" in resumed.out

    got = podfleet("get", "crash-safety", "-o", "json", home=podfleet_home).json()
    pods = [n for n in got["status"]["nodes"].values() if n["type"] == "Pod"]
    assert len(pods) == 50 and all(n["phase"] == "Succeeded" for n in pods)
    counts = Counter(runs.read_text().split())
    assert len(counts) == 50
    assert max(counts.values()) == 1, {pod: n for pod, n in counts.items() if n > 1}
