"""A large workflow (10,000 status nodes, 1,000 templates) loads, validates and dumps."""

from __future__ import annotations

import json

from podfleet.resources import NodePhase, Workflow, load_text, parse_resource, to_json


def _big_workflow(nodes: int = 10_000, templates: int = 1_000) -> dict:
    status_nodes = {}
    for i in range(nodes):
        nid = f"big-{i}"
        status_nodes[nid] = {
            "id": nid, "name": f"big[0].step({i})", "displayName": f"step({i})", "type": "Pod",
            "templateName": f"t{i % templates}", "templateScope": "local/big", "phase": "Succeeded",
            "boundaryID": "big", "startedAt": "2026-11-28T10:00:00Z", "finishedAt": "2026-11-28T10:00:05Z",
            "progress": "1/1", "resourcesDuration": {"cpu": 5, "memory": 5}, "podIP": "10.0.0.1",
            "outputs": {"parameters": [{"name": "out", "value": str(i)}], "exitCode": "0"},
            "children": [f"big-{i + 1}"] if i + 1 < nodes else [],
        }
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "big"},
        "spec": {"entrypoint": "t0", "templates": [
            {"name": f"t{i}", "container": {"image": "alpine", "args": ["echo", str(i)]}} for i in range(templates)]},
        "status": {"phase": "Succeeded", "nodes": status_nodes},
    }


def test_ten_thousand_node_workflow_loads_and_round_trips() -> None:
    raw = _big_workflow()
    [doc] = load_text(json.dumps(raw), "big.json")
    wf = parse_resource(doc)
    assert isinstance(wf, Workflow)
    assert len(wf.status.nodes) == 10_000
    assert all(n.phase is NodePhase.SUCCEEDED for n in wf.status.nodes.values())
    assert wf.dump() == raw
    assert json.loads(to_json(wf, indent=None)) == raw
