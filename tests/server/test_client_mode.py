"""The CLI with PODFLEET_SERVER/ARGO_SERVER set talks to the server; nothing runs locally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.server.conftest import Server

WF = """apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: remote-
spec:
  entrypoint: main
  arguments:
    parameters: [{name: msg, value: default}]
  templates:
  - name: main
    inputs: {parameters: [{name: msg}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.msg}}"]}
"""

CRON = """apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: nightly}
spec:
  schedules: ["0 2 * * *"]
  timezone: Europe/Berlin
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container: {image: alpine, command: ["true"]}
"""


@pytest.fixture
def client_env(server: Server, tmp_path: Path) -> dict[str, str]:
    # A separate, empty home: anything run or stored locally would show up there.
    return server.env(PODFLEET_HOME=str(tmp_path / "client-home"), ARGO_SERVER=server.url.removeprefix("http://"),
                      ARGO_SECURE="false", ARGO_TOKEN="ignored-in-server-mode")


def test_submit_wait_list_get_logs_through_the_server(server: Server, client_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(WF)
    submitted = server.podfleet("submit", str(wf), "--wait", "-p", "msg=over-http", "-o", "name", env=client_env)
    assert submitted.returncode == 0, submitted.stderr
    name = submitted.stdout.split()[0]
    assert name.startswith("remote-")
    assert not (tmp_path / "client-home" / "store.db").exists()  # no local store, no local runner
    got = server.podfleet("get", name, "-o", "json", env=client_env)
    assert json.loads(got.stdout)["status"]["phase"] == "Succeeded"
    listed = server.podfleet("list", "-o", "name", env=client_env)
    assert name in listed.stdout.split()
    logs = server.podfleet("logs", name, "--no-prefix", env=client_env)
    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.strip() == "over-http"
    missing = server.podfleet("get", "no-such-workflow", env=client_env)
    assert missing.returncode == 1 and "not found" in missing.stderr and "Traceback" not in missing.stderr


def test_cron_verbs_and_operations_through_the_server(server: Server, client_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    cron = tmp_path / "cron.yaml"
    cron.write_text(CRON)
    assert server.podfleet("cron", "create", str(cron), env=client_env).returncode == 0
    assert "nightly" in server.podfleet("cron", "list", env=client_env).stdout
    assert server.podfleet("cron", "suspend", "nightly", env=client_env).returncode == 0
    got = json.loads(server.podfleet("cron", "get", "nightly", "-o", "json", env=client_env).stdout)
    assert got["spec"]["suspend"] is True and got["spec"]["timezone"] == "Europe/Berlin"
    assert server.podfleet("cron", "delete", "nightly", env=client_env).returncode == 0
    sleeper = tmp_path / "sleep.yaml"
    sleeper.write_text(WF.replace("generateName: remote-", "name: sleepy").replace(
        "command: [echo, \"{{inputs.parameters.msg}}\"]", "command: [sleep, \"30\"]"))
    assert server.podfleet("submit", str(sleeper), env=client_env).returncode == 0
    stopped = server.podfleet("terminate", "sleepy", env=client_env)
    assert stopped.returncode == 0, stopped.stderr
    waited = server.podfleet("wait", "sleepy", env=client_env)
    assert waited.returncode == 1 and "sleepy Failed" in waited.stdout
