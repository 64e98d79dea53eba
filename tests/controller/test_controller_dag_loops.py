import json

from controller_sim import Outcome, Sim

DIAMOND = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: echo}
      - {name: B, template: echo, depends: A}
      - {name: C, template: echo, depends: A}
      - {name: D, template: echo, depends: "B && C"}
  - name: echo
    container: {image: busybox}
"""


def test_dag_diamond_runs_in_dependency_order():
    sim = Sim(DIAMOND)
    sim.reconcile()
    assert len(sim.created) == 1
    assert sim.run() == "Succeeded"
    root = sim.node("wf")
    a, b, c, d = (sim.node(f"wf.{x}") for x in "ABCD")
    assert root["type"] == "DAG"
    assert root["children"] == [a["id"]]
    assert sorted(a["children"]) == sorted([b["id"], c["id"]])
    assert b["children"] == [d["id"]] and c["children"] == [d["id"]]
    assert root["outboundNodes"] == [d["id"]]
    assert d["displayName"] == "D"


DEPENDS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      failFast: false
      tasks:
      - {name: A, template: echo}
      - {name: on-fail, template: echo, depends: A.Failed}
      - {name: on-ok, template: echo, depends: A.Succeeded}
      - {name: after-omit, template: echo, depends: on-ok.Omitted}
      - {name: skipped, template: echo, when: "1 == 2"}
      - {name: after-skip, template: echo, depends: skipped.Skipped}
  - name: echo
    container: {image: busybox}
"""


def test_dag_depends_failed_omitted_and_skipped():
    sim = Sim(DEPENDS)
    first_pod: list[str] = []

    def behave(pod, tmpl):
        if not first_pod:
            first_pod.append(sim.created[0])
        return Outcome(exit_code=1) if pod == first_pod[0] else Outcome()

    phase = sim.run(behave)
    assert sim.node("wf.A")["phase"] == "Failed"
    assert sim.node("wf.on-fail")["phase"] == "Succeeded"
    on_ok = sim.node("wf.on-ok")
    assert on_ok["phase"] == "Omitted" and on_ok["type"] == "Skipped"
    assert on_ok["message"] == "omitted: depends condition not met"
    assert sim.node("wf.after-omit")["phase"] == "Succeeded"
    skipped = sim.node("wf.skipped")
    assert skipped["phase"] == "Skipped" and skipped["message"] == "when '1 == 2' evaluated false"
    assert sim.node("wf.after-skip")["phase"] == "Succeeded"
    assert phase == "Succeeded"


FAILFAST = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: bad, template: echo}
      - {name: next, template: echo, depends: bad}
  - name: echo
    container: {image: busybox}
"""


def test_dag_fails_when_a_dependency_fails_and_dependents_are_omitted():
    sim = Sim(FAILFAST)
    assert sim.run(lambda pod, t: Outcome(exit_code=2)) == "Failed"
    assert sim.node("wf.bad")["message"] == "main: Error (exit code 2)"
    assert sim.node("wf.next")["phase"] == "Omitted"
    assert sim.node("wf")["phase"] == "Failed"


LOOPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: items
        template: echo
        arguments: {parameters: [{name: msg, value: "{{item}}"}]}
        withItems: [hello, 3, {os: debian, v: "9.1"}]
      - name: seq
        template: echo
        arguments: {parameters: [{name: msg, value: "{{item}}"}]}
        withSequence: {start: "1", end: "3", format: "n%02d"}
    - - name: gen
        template: gen
    - - name: fan
        template: echo
        arguments: {parameters: [{name: msg, value: "{{item.a}}"}]}
        withParam: "{{steps.gen.outputs.result}}"
  - name: echo
    inputs: {parameters: [{name: msg}]}
    container: {image: busybox, args: ["{{inputs.parameters.msg}}"]}
    outputs:
      parameters: [{name: out, valueFrom: {path: /tmp/out}}]
  - name: gen
    script: {image: python, command: [python], source: "print(1)"}
"""


def test_loop_node_names_and_aggregated_outputs():
    sim = Sim(LOOPS)

    def behave(pod, tmpl):
        if tmpl["name"] == "gen":
            return Outcome(result='[{"a": "x"}, {"a": "y"}]')
        return Outcome(parameters={"out": "o-" + tmpl["inputs"]["parameters"][0]["value"]})

    assert sim.run(behave) == "Succeeded"
    names = sim.names()
    assert {"wf[0].items(0:hello)", "wf[0].items(1:3)", "wf[0].items(2:os:debian,v:9.1)"} <= names
    assert {"wf[0].seq(0:n01)", "wf[0].seq(1:n02)", "wf[0].seq(2:n03)"} <= names
    assert {"wf[2].fan(0:a:x)", "wf[2].fan(1:a:y)"} <= names
    item_map = sim.node("wf[0].items(2:os:debian,v:9.1)")
    assert item_map["inputs"]["parameters"][0]["value"] == '{"os":"debian","v":"9.1"}'
    assert sim.node("wf[2].fan(1:a:y)")["inputs"]["parameters"][0]["value"] == "y"
    assert sim.node("wf[0].items(1:3)")["displayName"] == "items(1:3)"


AGG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: sq
        template: sq
        arguments: {parameters: [{name: n, value: "{{item}}"}]}
        withItems: [1, 2, 3]
    - - name: total
        template: show
        arguments: {parameters: [{name: all, value: "{{steps.sq.outputs.parameters.v}}"}, {name: res, value: "{{steps.sq.outputs.result}}"}]}
  - name: sq
    inputs: {parameters: [{name: n}]}
    script: {image: python, command: [python], source: "print({{inputs.parameters.n}}**2)"}
    outputs: {parameters: [{name: v, valueFrom: {path: /tmp/v}}]}
  - name: show
    inputs: {parameters: [{name: all}, {name: res}]}
    container: {image: busybox}
"""


def test_aggregated_loop_outputs_are_json_lists_in_index_order():
    sim = Sim(AGG)

    def behave(pod, tmpl):
        if tmpl["name"] == "sq":
            n = int(tmpl["inputs"]["parameters"][0]["value"])
            return Outcome(result=str(n * n), parameters={"v": str(n * 10)})
        return Outcome()

    assert sim.run(behave) == "Succeeded"
    params = {p["name"]: p["value"] for p in sim.node("wf[1].total")["inputs"]["parameters"]}
    assert json.loads(params["all"]) == ["10", "20", "30"]
    assert json.loads(params["res"]) == [1, 4, 9]
