"""The official OpenAPI-generated `argo-workflows` Python client lists, gets and deletes workflows."""

from __future__ import annotations

import httpx
import pytest

from tests.server.conftest import Server, hello_workflow, wait_phase

argo_workflows = pytest.importorskip("argo_workflows")

from argo_workflows.api import workflow_service_api  # noqa: E402


def test_argo_client_list_get_delete(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        name = http.post("/api/v1/workflows/argo", json={"workflow": hello_workflow()}).json()["metadata"]["name"]
        wait_phase(http, "argo", name)
    api = workflow_service_api.WorkflowServiceApi(argo_workflows.ApiClient(argo_workflows.Configuration(
        host=server.url)))
    listed = api.list_workflows(namespace="argo")
    assert name in [wf.metadata.name for wf in listed.items]
    got = api.get_workflow(namespace="argo", name=name)
    assert got.status.phase == "Succeeded"
    assert all(node.id and node.name and node.type for node in got.status.nodes.values())
    api.delete_workflow(namespace="argo", name=name)
    with pytest.raises(argo_workflows.ApiException) as err:
        api.get_workflow(namespace="argo", name=name)
    assert err.value.status == 404
