import json

from controller_sim import DictResolver, Outcome, Sim

DAEMON = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - name: client
        template: client
        arguments: {parameters: [{name: ip, value: "{{steps.server.ip}}"}]}
  - name: server
    daemon: true
    container: {image: nginx}
  - name: client
    inputs: {parameters: [{name: ip}]}
    container: {image: busybox, args: ["curl {{inputs.parameters.ip}}"]}
"""


def test_daemon_step_exposes_ip_and_is_killed_when_scope_ends():
    sim = Sim(DAEMON)
    args = []

    def behave(pod, tmpl):
        if tmpl["name"] == "server":
            return Outcome(hold=True)
        args.append(tmpl["container"]["args"][0])
        return Outcome()

    assert sim.run(behave) == "Succeeded"
    assert args == ["curl 10.0.0.1"]
    server = sim.node("wf[0].server")
    assert server["phase"] == "Succeeded" and "daemoned" not in server
    server_pod = next(p for p in sim.created if "-server-" in p)
    assert server_pod in sim.deleted


MEMO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    memoize: {key: "k1", cache: {configMap: {name: my-cache}}}
    container: {image: busybox}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/o}}]}
"""


def test_memoize_miss_writes_cache_and_hit_skips_the_pod():
    sim = Sim(MEMO)
    written = []
    for _ in range(10):
        actions = sim.reconcile()
        written.extend(actions.configmaps_to_write)
        if sim.phase:
            if sim.phase == "Succeeded":
                break
        sim.advance(1)
        sim.move_pods(lambda p, t: Outcome(parameters={"out": "v"}))
    assert sim.phase == "Succeeded"
    assert sim.node("wf")["memoizationStatus"] == {"hit": False, "key": "k1", "cacheName": "my-cache"}
    assert written[0]["metadata"]["name"] == "my-cache"
    cache = {"my-cache": {"data": written[0]["data"]}}
    again = Sim(MEMO, resolver=DictResolver(config_maps=cache))
    assert again.run() == "Succeeded"
    assert again.created == []
    root = again.node("wf")
    assert root["memoizationStatus"]["hit"] is True
    assert root["outputs"]["parameters"][0]["value"] == "v"


PODGC = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  podGC: {strategy: OnPodSuccess}
  templates:
  - name: main
    steps:
    - - {name: a, template: echo}
      - {name: b, template: echo}
  - name: echo
    container: {image: busybox}
"""


def test_pod_gc_on_pod_success_deletes_only_succeeded_pods():
    sim = Sim(PODGC)
    first = []

    def behave(pod, tmpl):
        if not first:
            first.append(pod)
        return Outcome(exit_code=1) if pod == first[0] else Outcome()

    assert sim.run(behave) == "Failed"
    assert set(sim.deleted) == set(sim.created) - {first[0]}


DAG_LOOP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: fan
        template: echo
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
        withItems: [a, b]
      - name: join
        depends: fan
        template: echo
        arguments: {parameters: [{name: m, value: "{{tasks.fan.outputs.parameters.o}}"}]}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: busybox}
    outputs: {parameters: [{name: o, valueFrom: {path: /o}}]}
"""


def test_dag_loop_makes_a_task_group_and_aggregates_outputs():
    sim = Sim(DAG_LOOP)

    def behave(pod, tmpl):
        return Outcome(parameters={"o": tmpl["inputs"]["parameters"][0]["value"].upper()})

    assert sim.run(behave) == "Succeeded"
    group = sim.node("wf.fan")
    assert group["type"] == "TaskGroup" and group["phase"] == "Succeeded"
    kids = [sim.name_of(c) for c in group["children"]]
    assert kids == ["wf.fan(0:a)", "wf.fan(1:b)"]
    join = sim.node("wf.join")
    assert json.loads(join["inputs"]["parameters"][0]["value"]) == ["A", "B"]
    assert all(join["id"] in sim.node(k)["children"] for k in kids)


STEP_EXIT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: work
        template: echo
        hooks:
          exit:
            template: cleanup
            arguments: {parameters: [{name: s, value: "{{steps.work.status}}"}]}
  - name: echo
    container: {image: busybox}
  - name: cleanup
    inputs: {parameters: [{name: s}]}
    container: {image: busybox, args: ["{{inputs.parameters.s}}"]}
"""


def test_step_exit_hook_runs_after_the_step():
    sim = Sim(STEP_EXIT)
    args = []

    def behave(pod, tmpl):
        if tmpl["name"] == "cleanup":
            args.append(tmpl["container"]["args"][0])
        return Outcome()

    assert sim.run(behave) == "Succeeded"
    hook = sim.node("wf[0].work.onExit")
    assert hook["phase"] == "Succeeded"
    assert hook["id"] in sim.node("wf[0].work")["children"]
    assert args == ["Succeeded"]


ARGS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: color, valueFrom: {configMapKeyRef: {name: settings, key: color}}}
    - {name: size, value: big, enum: [small, big]}
  templates:
  - name: main
    inputs:
      parameters:
      - {name: mode, default: fast, enum: [fast, slow]}
    container: {image: busybox, args: ["{{workflow.parameters.color}} {{workflow.parameters.size}} {{inputs.parameters.mode}}"]}
"""


def test_workflow_arguments_from_config_map_and_input_defaults():
    sim = Sim(ARGS, resolver=DictResolver(config_maps={"settings": {"data": {"color": "blue"}}}))
    args = []
    assert sim.run(lambda p, t: args.append(t["container"]["args"][0]) or Outcome()) == "Succeeded"
    assert args == ["blue big fast"]


def test_input_outside_its_enum_errors_the_node():
    sim = Sim(ARGS.replace("default: fast", "default: medium"),
              resolver=DictResolver(config_maps={"settings": {"data": {"color": "blue"}}}))
    assert sim.run() == "Error"
    assert sim.node("wf")["message"] == "inputs.parameters.mode.value should be present in inputs.parameters.mode.enum list"


def test_workflow_level_suspend_creates_nothing_until_resumed():
    sim = Sim(ARGS.replace("spec:\n  entrypoint", "spec:\n  suspend: true\n  entrypoint"),
              resolver=DictResolver(config_maps={"settings": {"data": {"color": "blue"}}}))
    sim.reconcile()
    assert sim.created == [] and sim.phase == "Running"
    sim.wf.spec.suspend = None
    assert sim.run() == "Succeeded"


TIMEOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    activeDeadlineSeconds: 5
    container: {image: busybox}
"""


def test_template_active_deadline_reaches_the_pod_and_its_message_the_node():
    sim = Sim(TIMEOUT)
    actions = sim.reconcile()
    assert actions.pods_to_create[0].dump()["spec"]["activeDeadlineSeconds"] == 5
    msg = "Pod was active on the node longer than the specified deadline"
    assert sim.run(lambda p, t: Outcome(exit_code=137, pod_message=msg)) == "Failed"
    assert sim.node("wf")["message"] == msg


WF_HOOK = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  hooks:
    running:
      expression: workflow.status == "Running"
      template: note
  templates:
  - name: main
    container: {image: busybox}
  - name: note
    container: {image: busybox}
"""


def test_workflow_hook_fires_on_its_expression():
    sim = Sim(WF_HOOK)
    assert sim.run() == "Succeeded"
    hook = sim.node("wf.hooks.running")
    assert hook["phase"] == "Succeeded" and hook["nodeFlag"] == {"hooked": True}
    assert hook["id"] in sim.node("wf")["children"]
