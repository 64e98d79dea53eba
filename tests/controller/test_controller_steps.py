from controller_sim import Outcome, Sim

STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: echo}
    - - {name: b, template: echo}
      - {name: c, template: echo}
  - name: echo
    container: {image: busybox}
"""


def test_steps_run_groups_in_order_and_steps_in_parallel():
    sim = Sim(STEPS)
    sim.reconcile()
    assert sim.created == [sim.node("wf[0].a")["id"].replace("wf-", "wf-echo-")]
    assert sim.run() == "Succeeded"
    assert {"wf", "wf[0]", "wf[0].a", "wf[1]", "wf[1].b", "wf[1].c"} == sim.names()
    root = sim.node("wf")
    assert root["type"] == "Steps"
    assert root["children"] == [sim.node("wf[0]")["id"]]
    g0, a = sim.node("wf[0]"), sim.node("wf[0].a")
    assert g0["type"] == "StepGroup" and g0["displayName"] == "[0]"
    assert a["displayName"] == "a" and a["boundaryID"] == "wf" and a["type"] == "Pod"
    # the next group hangs from the previous group's outbound node
    assert a["children"] == [sim.node("wf[1]")["id"]]
    assert sorted(root["outboundNodes"]) == sorted([sim.node("wf[1].b")["id"], sim.node("wf[1].c")["id"]])
    assert sim.wf.status.progress == "3/3"
    assert len(sim.created) == 3


def test_step_failure_fails_group_and_workflow_with_child_message():
    sim = Sim(STEPS)
    phase = sim.run(lambda pod, t: Outcome(exit_code=1) if pod == sim.node("wf[0].a")["id"].replace("wf-", "wf-echo-") else Outcome())
    assert phase == "Failed"
    a = sim.node("wf[0].a")
    assert a["phase"] == "Failed"
    assert a["message"] == "main: Error (exit code 1)"
    assert a["outputs"]["exitCode"] == "1"
    g0 = sim.node("wf[0]")
    assert g0["message"] == f"child '{a['id']}' failed"
    assert sim.wf.status.message == f"child '{a['id']}' failed"
    assert "wf[1]" not in sim.names()


COINFLIP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: coinflip
  templates:
  - name: coinflip
    steps:
    - - {name: flip-coin, template: flip-coin}
    - - {name: heads, template: heads, when: "{{steps.flip-coin.outputs.result}} == heads"}
      - {name: tails, template: tails, when: "{{steps.flip-coin.outputs.result}} == tails"}
  - name: flip-coin
    script: {image: python:alpine3.6, command: [python], source: "print('heads')"}
  - name: heads
    container: {image: alpine:3.6, command: [sh, -c], args: ["echo \\"it was heads\\""]}
  - name: tails
    container: {image: alpine:3.6, command: [sh, -c], args: ["echo \\"it was tails\\""]}
"""


def test_coinflip_when_skips_the_other_branch():
    sim = Sim(COINFLIP)
    assert sim.run(lambda pod, t: Outcome(result="heads") if "flip-coin" in pod else Outcome()) == "Succeeded"
    tails = sim.node("wf[1].tails")
    assert tails["type"] == "Skipped" and tails["phase"] == "Skipped"
    assert tails["message"] == "when 'heads == tails' evaluated false"
    assert sim.node("wf[1].heads")["phase"] == "Succeeded"
    assert sim.node("wf[0].flip-coin")["outputs"]["result"] == "heads"


def test_script_pod_has_main_container_and_script_path():
    sim = Sim(COINFLIP)
    actions = sim.reconcile()
    pod = actions.pods_to_create[0].dump()
    main = pod["spec"]["containers"][0]
    assert main["name"] == "main"
    assert main["command"] == ["python"]
    assert main["args"] == ["/argo/staging/script"]
    assert pod["metadata"]["annotations"]["workflows.argoproj.io/node-name"] == "wf[0].flip-coin"
    assert pod["metadata"]["labels"]["workflows.argoproj.io/workflow"] == "wf"
    assert pod["metadata"]["name"].startswith("wf-flip-coin-")


def test_reconcile_twice_with_same_inputs_creates_nothing_new():
    sim = Sim(STEPS)
    first = sim.reconcile()
    assert len(first.pods_to_create) == 1
    nodes_before = set(sim.nodes)
    sim.pods.clear()  # the provider has not reported the pod yet: asking again is idempotent by name
    second = sim.reconcile()
    assert [p.metadata.name for p in second.pods_to_create] == [p.metadata.name for p in first.pods_to_create]
    assert set(sim.nodes) == nodes_before
    assert second.changed_nodes == {}
    third = sim.reconcile()  # the pod is now known: nothing to create
    assert third.pods_to_create == [] and third.changed_nodes == {}


CONTINUE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: bad, template: echo, continueOn: {failed: true}}
    - - {name: after, template: echo}
  - name: echo
    container: {image: busybox}
"""


def test_continue_on_failed_lets_the_workflow_succeed():
    sim = Sim(CONTINUE)
    phase = sim.run(lambda pod, t: Outcome(exit_code=3) if "echo" in pod and sim.created.index(pod) == 0 else Outcome())
    assert phase == "Succeeded"
    assert sim.node("wf[0].bad")["phase"] == "Failed"
    assert sim.node("wf[1].after")["phase"] == "Succeeded"
