from controller_sim import Outcome, Sim

RETRY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: "2"}
    container: {image: busybox, args: ["attempt {{retries}}"]}
"""


def test_retry_creates_attempt_nodes_until_success():
    sim = Sim(RETRY)
    seen: list[str] = []

    def behave(pod, tmpl):
        seen.append(tmpl["container"]["args"][0])
        return Outcome(exit_code=1) if len(sim.created) < 2 else Outcome()

    assert sim.run(behave) == "Succeeded"
    root = sim.node("wf")
    assert root["type"] == "Retry" and root["phase"] == "Succeeded"
    assert [sim.name_of(c) for c in root["children"]] == ["wf(0)", "wf(1)"]
    first = sim.node("wf(0)")
    assert first["phase"] == "Failed" and first["nodeFlag"] == {"retried": True}
    assert first["displayName"] == "wf(0)"
    assert sim.created[0].startswith("wf-main-")
    assert "attempt 0" in seen and "attempt 1" in seen


def test_retry_limit_exhausted_fails():
    sim = Sim(RETRY)
    assert sim.run(lambda p, t: Outcome(exit_code=1)) == "Failed"
    root = sim.node("wf")
    assert len(root["children"]) == 3
    assert root["message"] == "No more retries left"


POLICY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: 3, retryPolicy: OnError}
    container: {image: busybox}
"""


def test_on_error_policy_does_not_retry_failures():
    sim = Sim(POLICY)
    assert sim.run(lambda p, t: Outcome(exit_code=1)) == "Failed"
    root = sim.node("wf")
    assert len(root["children"]) == 1
    assert root["message"] == "main: Error (exit code 1)"


BACKOFF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: 2, backoff: {duration: "10s", factor: 2}}
    container: {image: busybox}
"""


def test_backoff_waits_and_asks_to_be_called_again():
    sim = Sim(BACKOFF)
    sim.reconcile()
    sim.move_pods(lambda p, t: Outcome())  # Pending -> Running
    sim.reconcile()
    sim.move_pods(lambda p, t: Outcome(exit_code=1))  # attempt 0 fails
    actions = sim.reconcile()
    assert actions.requeue_after == 10.0
    assert actions.pods_to_create == []
    assert sim.node("wf")["message"] == "Backoff for 10 seconds"
    sim.advance(10)
    actions = sim.reconcile()
    assert len(actions.pods_to_create) == 1
    assert "wf(1)" in sim.names()


OUTPUTS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen}
    - - name: use
        template: use
        arguments: {parameters: [{name: p, value: "{{steps.gen.outputs.parameters.hello}}"}]}
    outputs:
      parameters:
      - name: final
        valueFrom: {parameter: "{{steps.gen.outputs.parameters.hello}}"}
  - name: gen
    container: {image: busybox}
    outputs:
      parameters:
      - name: hello
        globalName: greeting
        valueFrom: {path: /tmp/hello.txt}
  - name: use
    inputs: {parameters: [{name: p}]}
    container: {image: busybox, args: ["{{inputs.parameters.p}} {{workflow.outputs.parameters.greeting}}"]}
"""


def test_output_parameters_flow_to_steps_and_global_outputs():
    sim = Sim(OUTPUTS)
    args: list[str] = []

    def behave(pod, tmpl):
        if tmpl["name"] == "gen":
            return Outcome(parameters={"hello": "hi there"})
        args.append(tmpl["container"]["args"][0])
        return Outcome()

    assert sim.run(behave) == "Succeeded"
    gen = sim.node("wf[0].gen")
    assert gen["outputs"]["parameters"] == [
        {"name": "hello", "value": "hi there", "globalName": "greeting", "valueFrom": {"path": "/tmp/hello.txt"}}]
    assert args == ["hi there hi there"]
    assert sim.node("wf")["outputs"]["parameters"] == [{"name": "final", "value": "hi there"}]
    assert sim.wf.status.outputs.parameters[0].name == "greeting"
    assert sim.wf.status.outputs.parameters[0].value == "hi there"


EXIT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  onExit: exit-handler
  templates:
  - name: main
    container: {image: busybox}
  - name: exit-handler
    container: {image: busybox, args: ["status={{workflow.status}}"]}
"""


def test_exit_handler_runs_after_failure_and_sees_workflow_status():
    sim = Sim(EXIT)
    args: list[str] = []

    def behave(pod, tmpl):
        if tmpl["name"] == "exit-handler":
            args.append(tmpl["container"]["args"][0])
            return Outcome()
        return Outcome(exit_code=1)

    assert sim.run(behave) == "Failed"
    assert args == ["status=Failed"]
    exit_node = sim.node("wf.onExit")
    assert exit_node["phase"] == "Succeeded"
    assert exit_node["nodeFlag"] == {"hooked": True}
    assert sim.wf.status.message == "main: Error (exit code 1)"


EXPRESSION = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy:
      limit: 5
      expression: 'asInt(lastRetry.exitCode) == 2'
    container: {image: busybox}
"""


def test_retry_expression_stops_when_it_evaluates_false():
    sim = Sim(EXPRESSION)
    codes = iter([2, 2, 3, 2])
    assert sim.run(lambda p, t: Outcome(exit_code=next(codes))) == "Failed"
    root = sim.node("wf")
    assert len(root["children"]) == 3
    assert root["message"] == "retryStrategy.expression evaluated to false"


DAG_EXPR_OUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: gen}
    outputs:
      parameters:
      - name: doubled
        valueFrom: {expression: "asInt(tasks.a.outputs.result) * 2"}
  - name: gen
    script: {image: python, command: [python], source: "print(21)"}
"""


def test_dag_output_from_expression():
    sim = Sim(DAG_EXPR_OUT)
    assert sim.run(lambda p, t: Outcome(result="21")) == "Succeeded"
    assert sim.node("wf")["outputs"]["parameters"] == [{"name": "doubled", "value": "42"}]
