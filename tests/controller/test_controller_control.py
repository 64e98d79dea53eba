from podfleet.controller import operations
from podfleet.providers.contract import PodPhase

from controller_sim import DictResolver, Mode, Outcome, Sim

PARALLEL = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  parallelism: 2
  templates:
  - name: main
    steps:
    - - name: work
        template: echo
        withSequence: {count: "5"}
  - name: echo
    container: {image: busybox}
"""


def _active(sim):
    return sum(1 for p in sim.pods.values() if not p.phase.completed)


def test_workflow_parallelism_never_exceeds_limit():
    sim = Sim(PARALLEL)
    peak = 0
    for _ in range(60):
        sim.reconcile()
        peak = max(peak, _active(sim))
        if sim.phase == "Succeeded":
            break
        sim.advance(1)
        sim.move_pods(lambda p, t: Outcome())
    assert sim.phase == "Succeeded"
    assert peak == 2
    assert len(sim.created) == 5


TMPL_PARALLEL = PARALLEL.replace("  parallelism: 2\n", "").replace("  - name: main\n    steps:", "  - name: main\n    parallelism: 1\n    steps:")


def test_template_parallelism_limits_children():
    sim = Sim(TMPL_PARALLEL)
    peak = 0
    for _ in range(60):
        sim.reconcile()
        peak = max(peak, _active(sim))
        if sim.phase == "Succeeded":
            break
        sim.advance(1)
        sim.move_pods(lambda p, t: Outcome())
    assert sim.phase == "Succeeded"
    assert peak == 1


DEADLINE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  activeDeadlineSeconds: 30
  templates:
  - name: main
    steps:
    - - {name: slow, template: sleep}
  - name: sleep
    container: {image: busybox, command: [sleep, "600"]}
"""


def test_workflow_deadline_kills_running_pod_and_fails():
    sim = Sim(DEADLINE)
    actions = sim.reconcile()
    assert actions.requeue_after == 30
    pod = actions.pods_to_create[0].dump()
    assert pod["spec"]["activeDeadlineSeconds"] == 30
    sim.advance(1)
    sim.move_pods(lambda p, t: Outcome(hold=True))
    sim.reconcile()
    sim.advance(40)
    actions = sim.reconcile()
    assert [d[1] for d in actions.pods_to_delete] == [sim.created[0]]
    slow = sim.node("wf[0].slow")
    assert slow["phase"] == "Failed" and slow["message"] == "Step exceeded its deadline"
    assert sim.phase == "Failed"


SUSPEND = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: approve, template: approve}
    - - name: after
        template: echo
        arguments: {parameters: [{name: m, value: "{{steps.approve.outputs.parameters.message}}"}]}
  - name: approve
    suspend: {}
    outputs:
      parameters:
      - name: message
        valueFrom: {supplied: {}, default: "yes"}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, args: ["{{inputs.parameters.m}}"]}
"""


def test_suspend_waits_until_resumed_then_outputs_flow():
    sim = Sim(SUSPEND)
    for _ in range(3):
        sim.reconcile()
    approve = sim.node("wf[0].approve")
    assert approve["type"] == "Suspend" and approve["phase"] == "Running"
    assert sim.created == []
    changes = operations.set_node(sim.wf, sim.nodes, node_field_selector="displayName=approve",
                                  output_parameters={"message": "ship it"})
    changes2 = operations.resume(sim.wf, {k: v for k, v in {**sim.nodes, **changes.changed_nodes}.items()},
                                 node_field_selector="displayName=approve")
    from podfleet.resources.status import NodeStatus
    for nid, node in changes2.changed_nodes.items():
        sim.nodes[nid] = node if Mode.dict_nodes else NodeStatus.model_validate(node)
    args = []
    assert sim.run(lambda p, t: args.append(t["container"]["args"][0]) or Outcome()) == "Succeeded"
    assert args == ["ship it"]


SUSPEND_DURATION = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    suspend: {duration: "20s"}
"""


def test_suspend_with_duration_requeues_and_resumes_itself():
    sim = Sim(SUSPEND_DURATION)
    actions = sim.reconcile()
    assert actions.requeue_after == 20
    sim.advance(20)
    sim.reconcile()
    assert sim.phase == "Succeeded"


WFTMPL = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "lib"},
    "spec": {"templates": [
        {"name": "hello", "inputs": {"parameters": [{"name": "who", "default": "world"}]},
         "steps": [[{"name": "say", "template": "say", "arguments": {"parameters": [{"name": "w", "value": "{{inputs.parameters.who}}"}]}}]]},
        {"name": "say", "inputs": {"parameters": [{"name": "w"}]},
         "container": {"image": "busybox", "args": ["hello {{inputs.parameters.w}}"]}},
    ]},
}

REF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: call
        templateRef: {name: lib, template: hello}
"""


def test_template_ref_runs_templates_from_a_workflow_template():
    sim = Sim(REF, resolver=DictResolver({"lib": WFTMPL}))
    args = []
    assert sim.run(lambda p, t: args.append(t["container"]["args"][0]) or Outcome()) == "Succeeded"
    assert args == ["hello world"]
    call = sim.node("wf[0].call")
    assert call["templateRef"] == {"name": "lib", "template": "hello"}
    assert call["templateScope"] == "local/wf"
    say = sim.node("wf[0].call[0].say")
    assert say["templateScope"] == "namespaced/lib"
    assert say["templateName"] == "say"
    stored = sim.wf.status.dump()["storedTemplates"]
    assert set(stored) == {"namespaced/lib/hello", "namespaced/lib/say"}


def test_missing_workflow_template_errors_the_node():
    sim = Sim(REF, resolver=DictResolver({}))
    assert sim.run() == "Failed"
    assert 'WorkflowTemplate.argoproj.io "lib" not found' in sim.node("wf[0].call")["message"]


TERMINATE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    container: {image: busybox}
  - name: bye
    container: {image: busybox}
"""


def test_terminate_kills_pods_and_skips_exit_handler():
    sim = Sim(TERMINATE)
    sim.reconcile()
    sim.advance(1)
    sim.move_pods(lambda p, t: Outcome(hold=True))
    sim.reconcile()
    sim.wf.spec.shutdown = "Terminate"
    actions = sim.reconcile()
    assert actions.pods_to_delete[0][1] == "wf"
    assert sim.phase == "Failed"
    assert sim.wf.status.message == "Stopped with strategy 'Terminate'"
    assert "wf.onExit" not in sim.names()


def test_stop_still_runs_exit_handler():
    sim = Sim(TERMINATE)
    sim.reconcile()
    sim.advance(1)
    sim.move_pods(lambda p, t: Outcome(hold=True))
    sim.reconcile()
    sim.wf.spec.shutdown = "Stop"
    assert sim.run() == "Failed"
    assert sim.node("wf.onExit")["phase"] == "Succeeded"
    assert sim.wf.status.message == "Stopped with strategy 'Stop'"


def test_retry_operation_resets_failed_nodes_and_reruns():
    sim = Sim("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: echo}
    - - {name: b, template: echo}
  - name: echo
    container: {image: busybox}
""")
    fail_b = {"on": True}
    assert sim.run(lambda p, t: Outcome(exit_code=1) if fail_b["on"] and len(sim.created) == 2 else Outcome()) == "Failed"
    b_id = sim.node("wf[1].b")["id"]
    changes = operations.retry(sim.wf, sim.nodes)
    assert b_id in changes.deleted_node_ids
    assert changes.pods_to_delete == [sim.created[1]]
    assert sim.node("wf[0].a")["id"] not in changes.deleted_node_ids
    from podfleet.resources.status import NodeStatus, WorkflowPhase
    for nid in changes.deleted_node_ids:
        sim.nodes.pop(nid)
        sim.pods.pop(changes.pods_to_delete[0], None)
    for nid, node in changes.changed_nodes.items():
        sim.nodes[nid] = node if Mode.dict_nodes else NodeStatus.model_validate(node)
    sim.wf.status.phase = WorkflowPhase.RUNNING
    sim.wf.status.finished_at = None
    fail_b["on"] = False
    assert sim.run() == "Succeeded"
    assert len(sim.created) == 3
