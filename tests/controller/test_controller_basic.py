from controller_sim import Outcome, Sim

HELLO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hello-}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [echo, hi]}
"""


def test_single_container_succeeds_with_pod_node():
    sim = Sim(HELLO)
    assert sim.run() == "Succeeded"
    root = sim.node("wf")
    assert root["id"] == "wf"
    assert root["type"] == "Pod"
    assert root["phase"] == "Succeeded"
    assert root["templateName"] == "main"
    assert root["progress"] == "1/1"
    assert sim.created == ["wf"]
    assert sim.wf.status.progress == "1/1"
