"""The workflow endpoints of argo-server, as a client sees them over HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.server.conftest import Server, hello_workflow, wait_phase

NS = "default"


@pytest.fixture(scope="module")
def client(server: Server) -> httpx.Client:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def test_create_returns_generated_name_and_running_phase(client: httpx.Client) -> None:
    resp = client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow()})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Grpc-Metadata-Argo-Version"].startswith("v3.")
    wf = resp.json()
    name = wf["metadata"]["name"]
    assert name.startswith("hello-") and len(name) == len("hello-") + 5
    assert wf["metadata"]["uid"] and wf["metadata"]["creationTimestamp"].endswith("Z")
    # The very first poll must see Running (or later), never Pending or no phase.
    first = client.get(f"/api/v1/workflows/{NS}/{name}").json()
    assert first["status"]["phase"] in ("Running", "Succeeded")
    final = wait_phase(client, NS, name)
    assert final["status"]["phase"] == "Succeeded"
    assert final["status"]["startedAt"].endswith("Z") and final["status"]["finishedAt"].endswith("Z")
    for node_id, node in final["status"]["nodes"].items():
        assert node["id"] == node_id and node["name"] and node["type"]
        assert node["startedAt"].endswith("Z")


def test_name_clash_is_409_and_lint_failure_is_400(client: httpx.Client) -> None:
    first = client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow("clash")})
    assert first.status_code == 200
    again = client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow("clash")})
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == 6 and "already exists" in body["message"] and body["details"] == []
    bad = hello_workflow()
    bad["spec"]["entrypoint"] = "nope"
    resp = client.post(f"/api/v1/workflows/{NS}", json={"workflow": bad})
    assert resp.status_code == 400
    assert resp.json()["code"] == 3 and "nope" in resp.json()["message"]
    lint = client.post(f"/api/v1/workflows/{NS}/lint", json={"workflow": bad})
    assert lint.status_code == 400 and "nope" in lint.json()["message"]


def test_dry_run_stores_nothing(client: httpx.Client) -> None:
    resp = client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow("dry"), "serverDryRun": True})
    assert resp.status_code == 200 and "uid" not in resp.json()["metadata"]
    assert client.get(f"/api/v1/workflows/{NS}/dry").status_code == 404


def test_missing_workflow_is_404_with_argo_message(client: httpx.Client) -> None:
    resp = client.get(f"/api/v1/workflows/{NS}/ghost")
    assert resp.status_code == 404
    assert resp.json() == {"code": 5, "message": 'workflows.argoproj.io "ghost" not found', "details": []}
    assert client.delete(f"/api/v1/workflows/{NS}/ghost").status_code == 404


def test_list_selectors_paging_and_fields(client: httpx.Client) -> None:
    names = []
    for i in range(3):
        wf = hello_workflow(f"listed-{i}")
        wf["metadata"]["labels"] = {"batch": "b1", "index": str(i)}
        names.append(client.post(f"/api/v1/workflows/{NS}", json={"workflow": wf}).json()["metadata"]["name"])
    resp = client.get(f"/api/v1/workflows/{NS}", params={"listOptions.labelSelector": "batch=b1"})
    items = resp.json()["items"]
    assert sorted(i["metadata"]["name"] for i in items) == names
    assert all("nodes" not in (i.get("status") or {}) for i in items)  # lists leave nodes out
    resp = client.get(f"/api/v1/workflows/{NS}", params={"listOptions.labelSelector": "batch=b1,index notin (0,1)"})
    assert [i["metadata"]["name"] for i in resp.json()["items"]] == ["listed-2"]
    page1 = client.get(f"/api/v1/workflows/{NS}", params={"listOptions.labelSelector": "batch=b1",
                                                           "listOptions.limit": "2"}).json()
    assert len(page1["items"]) == 2 and page1["metadata"]["continue"]
    page2 = client.get(f"/api/v1/workflows/{NS}", params={
        "listOptions.labelSelector": "batch=b1", "listOptions.limit": "2",
        "listOptions.continue": page1["metadata"]["continue"]}).json()
    assert len(page2["items"]) == 1 and "continue" not in page2["metadata"]
    seen = {i["metadata"]["name"] for i in page1["items"] + page2["items"]}
    assert seen == set(names)
    only = client.get(f"/api/v1/workflows/{NS}", params={"listOptions.fieldSelector": "metadata.name=listed-1"})
    assert [i["metadata"]["name"] for i in only.json()["items"]] == ["listed-1"]
    prefix = client.get(f"/api/v1/workflows/{NS}", params={"listOptions.fieldSelector": "metadata.name=listed-",
                                                            "nameFilter": "Prefix"})
    assert len(prefix.json()["items"]) == 3
    slim = client.get(f"/api/v1/workflows/{NS}", params={"fields": "metadata,items.metadata.name,items.status.phase",
                                                          "listOptions.labelSelector": "batch=b1"}).json()
    assert "metadata" in slim
    for item in slim["items"]:
        assert set(item) <= {"metadata", "status"} and set(item["metadata"]) == {"name"}
    wait_phase(client, NS, "listed-0")
    with_nodes = client.get(f"/api/v1/workflows/{NS}", params={"fields": "items.metadata.name,items.status.nodes",
                                                                "listOptions.fieldSelector": "metadata.name=listed-0"})
    assert with_nodes.json()["items"][0]["status"]["nodes"]


def test_get_with_fields(client: httpx.Client) -> None:
    client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow("fielded")})
    wait_phase(client, NS, "fielded")
    slim = client.get(f"/api/v1/workflows/{NS}/fielded", params={"fields": "status.phase"}).json()
    assert slim == {"status": {"phase": "Succeeded"}}
    no_nodes = client.get(f"/api/v1/workflows/{NS}/fielded", params={"fields": "-status.nodes"}).json()
    assert "nodes" not in no_nodes["status"] and no_nodes["metadata"]["name"] == "fielded"


def test_delete(client: httpx.Client) -> None:
    client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow("doomed")})
    assert client.delete(f"/api/v1/workflows/{NS}/doomed").json() == {}
    assert client.get(f"/api/v1/workflows/{NS}/doomed").status_code == 404


SUSPENDING = {
    "metadata": {"name": "approval"},
    "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": "wait", "template": "gate"}], [{"name": "after", "template": "echo"}]]},
        {"name": "gate", "suspend": {}},
        {"name": "echo", "container": {"image": "alpine", "command": ["echo", "approved"]}}]},
}


def test_resume_a_suspended_step_then_logs(client: httpx.Client) -> None:
    assert client.post(f"/api/v1/workflows/{NS}", json={"workflow": SUSPENDING}).status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        nodes = client.get(f"/api/v1/workflows/{NS}/approval").json()["status"].get("nodes") or {}
        if any(n["type"] == "Suspend" and n["phase"] == "Running" for n in nodes.values()):
            break
        time.sleep(0.2)
    resp = client.put(f"/api/v1/workflows/{NS}/approval/resume", json={})
    assert resp.status_code == 200, resp.text
    final = wait_phase(client, NS, "approval")
    assert final["status"]["phase"] == "Succeeded"
    lines = client.get(f"/api/v1/workflows/{NS}/approval/log", params={"logOptions.container": "main"})
    entries = [json.loads(line)["result"] for line in lines.text.splitlines()]
    assert [e["content"] for e in entries] == ["approved"]
    assert entries[0]["podName"].startswith("approval-")
    sse = client.get(f"/api/v1/workflows/{NS}/approval/log", headers={"Accept": "text/event-stream"})
    assert sse.headers["content-type"].startswith("text/event-stream")
    assert 'data: {"result":{"podName":' in sse.text and '"content":"approved"' in sse.text
    grep = client.get(f"/api/v1/workflows/{NS}/approval/log", params={"grep": "nothing-like-this"})
    assert grep.text == ""


def test_terminate_then_retry_runs_again(client: httpx.Client) -> None:
    wf = {"metadata": {"name": "long"}, "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": "nap", "template": "nap"}]]},
        {"name": "nap", "container": {"image": "alpine", "command": ["sleep", "30"]}}]}}
    client.post(f"/api/v1/workflows/{NS}", json={"workflow": wf})
    resp = client.put(f"/api/v1/workflows/{NS}/long/terminate", json={})
    assert resp.status_code == 200
    final = wait_phase(client, NS, "long")
    assert final["status"]["phase"] == "Failed"
    assert final["status"]["message"] == "Stopped with strategy 'Terminate'"
    again = client.put(f"/api/v1/workflows/{NS}/long/terminate", json={})
    assert again.status_code == 409
    not_failed = client.put(f"/api/v1/workflows/{NS}/fielded/retry", json={})
    assert not_failed.status_code == 400 and "restartSuccessful" in not_failed.json()["message"]
    retried = client.put(f"/api/v1/workflows/{NS}/long/retry", json={})
    assert retried.status_code == 200 and retried.json()["status"]["phase"] == "Running"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the controller starts the step's pod again
        nodes = client.get(f"/api/v1/workflows/{NS}/long").json()["status"].get("nodes") or {}
        if any(n["type"] == "Pod" and n["phase"] == "Running" for n in nodes.values()):
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the retried step did not run again")
    client.put(f"/api/v1/workflows/{NS}/long/stop", json={})
    assert wait_phase(client, NS, "long")["status"]["phase"] == "Failed"


def test_watch_stream_sends_existing_then_changes(client: httpx.Client) -> None:
    events = []
    with client.stream("GET", f"/api/v1/workflow-events/{NS}",
                       params={"listOptions.fieldSelector": "metadata.name=watched", "fields": "-object.status.nodes"},
                       timeout=30) as stream:
        client.post(f"/api/v1/workflows/{NS}", json={"workflow": hello_workflow("watched")})
        for line in stream.iter_lines():
            event = json.loads(line)["result"]
            events.append((event["type"], (event["object"].get("status") or {}).get("phase")))
            if events[-1][1] == "Succeeded":
                break
    assert events[0] == ("ADDED", "Running") and events[-1] == ("MODIFIED", "Succeeded")


def test_submit_from_workflow_template(client: httpx.Client) -> None:
    tmpl = {"metadata": {"name": "greeter"}, "spec": {
        "entrypoint": "main", "arguments": {"parameters": [{"name": "msg", "value": "hi"}]},
        "templates": [{"name": "main", "inputs": {"parameters": [{"name": "msg"}]},
                       "container": {"image": "alpine", "command": ["echo", "{{inputs.parameters.msg}}"]}}]}}
    assert client.post(f"/api/v1/workflow-templates/{NS}", json={"template": tmpl}).status_code == 200
    resp = client.post(f"/api/v1/workflows/{NS}/submit", json={
        "resourceKind": "WorkflowTemplate", "resourceName": "greeter",
        "submitOptions": {"parameters": ["msg=from-template"], "labels": "via=submit"}})
    assert resp.status_code == 200, resp.text
    wf = resp.json()
    assert wf["spec"]["workflowTemplateRef"] == {"name": "greeter"}
    assert wf["metadata"]["labels"]["via"] == "submit"
    final = wait_phase(client, NS, wf["metadata"]["name"])
    assert final["status"]["phase"] == "Succeeded"
    log = client.get(f"/api/v1/workflows/{NS}/{wf['metadata']['name']}/log")
    assert '"content":"from-template"' in log.text
    missing = client.post(f"/api/v1/workflows/{NS}/submit", json={"resourceKind": "WorkflowTemplate",
                                                                  "resourceName": "nope"})
    assert missing.status_code == 404


def test_info_version_userinfo_and_root(client: httpx.Client) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/version").json()["version"].startswith("v3.")
    assert "managedNamespace" in client.get("/api/v1/info").json()
    assert "subject" in client.get("/api/v1/userinfo").json()


def test_metrics_use_argo_names(client: httpx.Client) -> None:
    text = client.get("/metrics").text
    for needle in ('argo_workflows_gauge{phase="Succeeded"}', 'argo_workflows_count{status="Running"}',
                   'argo_workflows_pods_gauge{phase="Succeeded"}',
                   'argo_workflows_queue_depth_gauge{queue_name="workflow_queue"}',
                   "argo_workflows_operation_duration_seconds_bucket", "podfleet_pods_started_total",
                   'argo_workflows_total_count_total{namespace="default",phase="Succeeded"}'):
        assert needle in text, needle
    succeeded = next(line for line in text.splitlines() if line.startswith('argo_workflows_gauge{phase="Succeeded"}'))
    assert float(succeeded.split()[-1]) >= 1
