"""The `Name:` … header of `argo get`, and the humanized times inside it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from podfleet.cli.render import workflow_status, workflow_summary
from podfleet.cli.render.humanize import (
    duration_long,
    go_duration,
    kube_age,
    relative_duration_short,
    time_ago,
)

T0 = datetime(2024, 11, 28, 10, 25, 50, tzinfo=timezone.utc)
UTC = timezone.utc


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def finished_wf() -> dict[str, Any]:
    return {
        "metadata": {"name": "report-7xk2p", "namespace": "ml", "creationTimestamp": stamp(0)},
        "spec": {"entrypoint": "main", "serviceAccountName": "runner",
                 "arguments": {"parameters": [{"name": "dataset", "value": "imagenet"},
                                              {"name": "epochs", "value": 3},
                                              {"name": "unset", "valueFrom": {"configMapKeyRef": {}}}]}},
        "status": {
            "phase": "Failed", "message": "child 'report-7xk2p-1234' failed",
            "startedAt": stamp(1), "finishedAt": stamp(93), "progress": "1/2",
            "resourcesDuration": {"memory": 40, "cpu": 92},
            "conditions": [{"type": "PodRunning", "status": "False"},
                           {"type": "SpecWarning", "status": "True", "message": "deprecated field"}],
            "outputs": {"parameters": [{"name": "score", "value": "0.91"},
                                       {"name": "fallback", "default": "none"}]},
        },
    }


def test_finished_workflow_summary_matches_argo_layout() -> None:
    out = workflow_summary(finished_wf(), now=T0 + timedelta(minutes=5), tz=UTC)
    assert out.splitlines() == [
        "Name:                report-7xk2p",
        "Namespace:           ml",
        "ServiceAccount:      runner",
        "Status:              Failed",
        "Message:             child 'report-7xk2p-1234' failed",
        "Conditions:",
        " PodRunning          False",
        "⚠ SpecWarning        deprecated field",
        "Created:             Thu Nov 28 10:25:50 +0000 (5 minutes ago)",
        "Started:             Thu Nov 28 10:25:51 +0000 (4 minutes ago)",
        "Finished:            Thu Nov 28 10:27:23 +0000 (3 minutes ago)",
        "Duration:            1 minute 32 seconds",
        "Progress:            1/2",
        "ResourcesDuration:   1m32s*(1 cpu),40s*(100Mi memory)",
        "Parameters:",
        "  dataset:           imagenet",
        "  epochs:            3",
        "Output Parameters:",
        "  score:             0.91",
        "  fallback:          none",
    ]


def test_running_workflow_measures_duration_to_now_and_shows_estimate() -> None:
    wf = {"metadata": {"name": "w", "namespace": "argo", "creationTimestamp": stamp(0)},
          "spec": {},
          "status": {"phase": "Running", "startedAt": stamp(0), "estimatedDuration": 4000,
                     "progress": "0/1"}}
    lines = workflow_summary(wf, now=T0 + timedelta(hours=1, minutes=12, seconds=5),
                             tz=UTC).splitlines()
    assert "Duration:            1 hour 12 minutes" in lines
    assert "EstimatedDuration:   1 hour 6 minutes" in lines
    assert "ServiceAccount:      unset (will run with the default ServiceAccount)" in lines
    assert not any(line.startswith("Finished:") for line in lines)


def test_times_are_shown_in_the_requested_zone() -> None:
    wf = finished_wf()
    tokyo = timezone(timedelta(hours=9))
    lines = workflow_summary(wf, now=T0 + timedelta(seconds=30), tz=tokyo).splitlines()
    assert "Created:             Thu Nov 28 19:25:50 +0900 (30 seconds ago)" in lines


def test_workflow_from_template_without_account_reads_unset() -> None:
    wf = {"metadata": {"name": "w", "namespace": "argo"},
          "spec": {"workflowTemplateRef": {"name": "tmpl"}}, "status": {}}
    assert "ServiceAccount:      unset" in workflow_summary(wf, now=T0).splitlines()


def test_parameters_come_from_the_stored_template_spec_when_present() -> None:
    wf = {"metadata": {"name": "w", "namespace": "argo"},
          "spec": {"workflowTemplateRef": {"name": "tmpl"}},
          "status": {"storedWorkflowTemplateSpec": {
              "serviceAccountName": "sa", "arguments": {"parameters": [{"name": "p", "value": "v"}]}}}}
    lines = workflow_summary(wf, now=T0).splitlines()
    assert "ServiceAccount:      sa" in lines and "  p:                 v" in lines


def test_status_word_is_refined_for_suspended_and_terminated_workflows() -> None:
    running = {"metadata": {"creationTimestamp": stamp(0)}, "spec": {},
               "status": {"phase": "Running", "nodes": {
                   "a": {"type": "Suspend", "phase": "Running"}}}}
    assert workflow_status(running) == "Running (Suspended)"
    assert workflow_status({"spec": {"shutdown": "Terminate"}, "status": {"phase": "Failed"}}) \
        == "Failed (Terminated)"
    assert workflow_status({"metadata": {"creationTimestamp": stamp(0)}, "status": {}}) == "Pending"
    assert workflow_status({"metadata": {}, "status": {}}) == "Unknown"


def test_short_durations_truncate_to_a_single_unit() -> None:
    cases = {0.4: "0s", 1: "1s", 59: "59s", 60: "1m", 119: "1m", 3599: "59m", 3600: "1h",
             7300: "2h", 86400 * 3: "3d", 86400 * 30: "30d"}
    for seconds, text in cases.items():
        assert relative_duration_short(T0, T0 + timedelta(seconds=seconds)) == text
    assert relative_duration_short(None, None, T0) == "0s"
    assert relative_duration_short(T0, None, T0 + timedelta(seconds=5)) == "5s"


def test_long_durations_and_relative_times_read_like_argo() -> None:
    assert duration_long(0.2) == "0 seconds"
    assert duration_long(1) == "1 second"
    assert duration_long(45) == "45 seconds"
    assert duration_long(125) == "2 minutes 5 seconds"
    assert duration_long(26 * 3600 + 60) == "1 day 2 hours"
    assert time_ago(T0, T0) == "now"
    assert time_ago(T0, T0 + timedelta(days=3)) == "3 days ago"
    assert time_ago(T0 + timedelta(hours=2), T0) == "2 hours from now"


def test_kubectl_ages_and_go_durations() -> None:
    assert [kube_age(s) for s in (5, 119, 200, 900, 4320, 15120, 8 * 3600 + 5, 3 * 86400 + 7200)] == \
        ["5s", "119s", "3m20s", "15m", "72m", "4h12m", "8h", "3d2h"]
    assert [go_duration(s) for s in (0, 45, 65, 7203)] == ["0s", "45s", "1m5s", "2h0m3s"]
