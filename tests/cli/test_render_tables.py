"""`argo list` and `podfleet get <kind>` tables."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from podfleet.cli.render import resource_table, workflow_list_table
from podfleet.errors import InvalidError

NOW = datetime(2024, 11, 28, 12, 0, 0, tzinfo=timezone.utc)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def wf(name: str, phase: str, *, created: float, started: float | None = None,
       finished: float | None = None, **extra: Any) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if started is not None:
        status["startedAt"] = ago(started)
    if finished is not None:
        status["finishedAt"] = ago(finished)
    status.update(extra.pop("status", {}))
    return {"metadata": {"name": name, "namespace": extra.pop("namespace", "argo"),
                         "creationTimestamp": ago(created)},
            "spec": extra.pop("spec", {}), "status": status}


def sample() -> list[dict[str, Any]]:
    return [
        wf("old-done", "Succeeded", created=7200, started=7199, finished=7000),
        wf("recent-fail", "Failed", created=600, started=600, finished=60,
           status={"message": "child failed"}),
        wf("running-now", "Running", created=30, started=30, spec={"priority": 5}),
        wf("queued", "Pending", created=5),
    ]


def test_list_shows_running_first_then_most_recently_finished() -> None:
    assert workflow_list_table(sample(), now=NOW).splitlines() == [
        "NAME          STATUS      AGE   DURATION   PRIORITY   MESSAGE",
        "queued        Pending     5s    0s         0",
        "running-now   Running     30s   30s        5",
        "recent-fail   Failed      10m   9m         0          child failed",
        "old-done      Succeeded   2h    3m         0",
    ]


def test_wide_list_adds_pod_counts_and_parameters() -> None:
    nodes = {
        "a": {"type": "Pod", "phase": "Succeeded"},
        "b": {"type": "Pod", "phase": "Running"},
        "c": {"type": "Pod", "phase": "Pending"},
        "d": {"type": "Pod", "phase": "Failed", "taskResultSynced": False},
        "e": {"type": "Steps", "phase": "Running"},
    }
    long_value = "x" * 40 + "0123456789abcdefghij"
    item = wf("w", "Running", created=10, started=10, status={"nodes": nodes},
              spec={"arguments": {"parameters": [{"name": "msg", "value": "hi"},
                                                 {"name": "long", "value": long_value},
                                                 {"name": "none"}]}})
    lines = workflow_list_table([item], now=NOW, wide=True).splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE",
                                "P/R/C", "PARAMETERS"]
    assert lines[1].split() == ["w", "Running", "10s", "10s", "0", "2/1/1",
                                f"msg=hi,long={'x' * 32}...56789abcdefghij"]


def test_list_can_show_namespaces_and_hide_headers() -> None:
    lines = workflow_list_table(sample()[:1], now=NOW, all_namespaces=True,
                                no_headers=True).splitlines()
    assert lines == ["argo   old-done   Succeeded   2h   3m   0"]


def test_empty_list_says_so() -> None:
    assert workflow_list_table([], now=NOW) == "No workflows found\n"


def test_configmaps_and_secrets_list_like_kubectl() -> None:
    cms = [{"metadata": {"name": "eci-profile", "creationTimestamp": ago(4320)},
            "data": {"vSwitchIds": "a", "zones": "b"}},
           {"metadata": {"name": "artifact-repositories", "creationTimestamp": ago(50)},
            "data": {"default": "x"}}]
    assert resource_table("configmap", cms, now=NOW).splitlines() == [
        "NAME                    DATA   AGE",
        "artifact-repositories   1      50s",
        "eci-profile             2      72m",
    ]
    secrets = [{"metadata": {"name": "minio", "creationTimestamp": ago(90000)},
                "type": "Opaque", "data": {"accesskey": "YQ==", "secretkey": "Yg=="}}]
    assert resource_table("secrets", secrets, now=NOW).splitlines() == [
        "NAME    TYPE     DATA   AGE",
        "minio   Opaque   2      25h",
    ]


def test_templates_list_name_and_age() -> None:
    tmpls = [{"metadata": {"name": "build-and-test", "creationTimestamp": ago(200)}}]
    assert resource_table("WorkflowTemplate", tmpls, now=NOW).splitlines() == [
        "NAME             AGE",
        "build-and-test   3m20s",
    ]
    assert resource_table("cwftmpl", tmpls, now=NOW).splitlines()[0] == "NAME             AGE"


def test_cron_workflows_list_schedule_runs_and_suspension() -> None:
    crons = [{"metadata": {"name": "nightly", "creationTimestamp": ago(86400 * 3)},
              "spec": {"schedules": ["0 2 * * *", "0 14 * * *"], "timezone": "Asia/Shanghai",
                       "suspend": True},
              "status": {"lastScheduledTime": ago(3600 * 10)}},
             {"metadata": {"name": "hourly", "creationTimestamp": ago(120)},
              "spec": {"schedule": "@hourly"}}]

    def next_run(obj: dict[str, Any], now: datetime) -> datetime | None:
        return now + timedelta(minutes=20) if obj["metadata"]["name"] == "hourly" else None

    assert resource_table("cronworkflow", crons, now=NOW, next_run=next_run).splitlines() == [
        "NAME      AGE   LAST RUN   NEXT RUN   SCHEDULES              TIMEZONE        SUSPENDED",
        "hourly    2m    N/A        20m        @hourly                                false",
        "nightly   3d    10h        N/A        0 2 * * *,0 14 * * *   Asia/Shanghai   true",
    ]


def test_unknown_kind_is_an_invalid_error() -> None:
    with pytest.raises(InvalidError, match="pods"):
        resource_table("pods", [], now=NOW)
