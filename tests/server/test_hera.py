"""Unmodified hera (pip `hera`) drives podfleet server: steps, a DAG, @script, parameters."""

# No `from __future__ import annotations`: hera reads the @script functions' real annotations.

import pytest

from tests.server.conftest import Server

hera = pytest.importorskip("hera")

from hera.workflows import (DAG, CronWorkflow, Container, Parameter, Step, Steps, Workflow,  # noqa: E402
                            WorkflowsService, WorkflowTemplate, script)
from hera.workflows.models import WorkflowTemplateRef  # noqa: E402


@script()
def add(a: int, b: int) -> None:
    print(a + b)


@script()
def greet(name: str) -> None:
    print(f"hello {name}")


def test_hera_creates_and_waits_for_steps_dag_and_scripts(server: Server) -> None:
    service = WorkflowsService(host=server.url, namespace="argo")
    with Workflow(generate_name="hera-", entrypoint="main", namespace="argo", workflows_service=service,
                  arguments=[Parameter(name="who", value="podfleet")]) as wf:
        with DAG(name="sums"):
            first = add(name="first", arguments={"a": 1, "b": 2})
            second = add(name="second", arguments={"a": first.result, "b": 10})
            first >> second
        with Steps(name="main"):
            greet(arguments={"name": "{{workflow.parameters.who}}"})
            Step(name="dag", template="sums")
    created = wf.create()
    assert created.metadata.name.startswith("hera-") and wf.name == created.metadata.name
    final = wf.wait(poll_interval=0.5)
    assert final.status.phase == "Succeeded"
    results = {n.display_name: n.outputs.result for n in final.status.nodes.values()
               if n.type == "Pod" and n.outputs is not None}
    assert results == {"greet": "hello podfleet", "first": "3", "second": "13"}
    assert final.status.started_at.root.tzinfo is not None  # hera insists on aware times
    listed = service.list_workflows(namespace="argo")
    assert created.metadata.name in [w.metadata.name for w in listed.items]


def test_hera_workflow_template_create_get_update_and_submit(server: Server) -> None:
    service = WorkflowsService(host=server.url, namespace="argo")
    with WorkflowTemplate(name="hera-tmpl", entrypoint="main", namespace="argo", workflows_service=service,
                          arguments=[Parameter(name="msg", value="one")]) as tmpl:
        Container(name="main", image="alpine", command=["echo", "{{workflow.parameters.msg}}"])
    tmpl.create()
    got = service.get_workflow_template("hera-tmpl", namespace="argo")
    assert got.spec.arguments.parameters[0].value == "one"
    tmpl.arguments = [Parameter(name="msg", value="two")]
    tmpl.update()
    got = service.get_workflow_template("hera-tmpl", namespace="argo")
    assert got.spec.arguments.parameters[0].value == "two"
    with Workflow(generate_name="from-tmpl-", namespace="argo", workflows_service=service,
                  workflow_template_ref=WorkflowTemplateRef(name="hera-tmpl")) as wf:
        pass
    wf.create()
    assert wf.wait(poll_interval=0.5).status.phase == "Succeeded"


def test_hera_cron_workflow_create(server: Server) -> None:
    service = WorkflowsService(host=server.url, namespace="argo")
    with CronWorkflow(name="hera-cron", schedule="0 3 * * *", timezone="Europe/Paris", entrypoint="main",
                      namespace="argo", workflows_service=service, concurrency_policy="Forbid") as cron:
        Container(name="main", image="alpine", command=["true"])
    created = cron.create()
    assert created.metadata.name == "hera-cron"
    got = service.get_cron_workflow("hera-cron", namespace="argo")
    assert got.spec.timezone == "Europe/Paris" and got.spec.concurrency_policy == "Forbid"
