"""The oracle's own arithmetic must match Argo's, or every expectation would be wrong."""

from __future__ import annotations

from tests.conformance.harness import _max_overlap, expand, fnv32a, load_cases, node_id


def test_node_ids_use_go_fnv32a_in_decimal() -> None:
    assert fnv32a("") == 0x811C9DC5
    assert fnv32a("a") == 0xE40C292C
    assert node_id("@", "wf-x") == "wf-x"
    assert node_id("@[0].a", "wf-x") == f"wf-x-{fnv32a('wf-x[0].a')}"
    assert expand("child '{id:@.b}' failed in {wf}", "w") == f"child 'w-{fnv32a('w.b')}' failed in w"


def test_touching_intervals_do_not_count_as_concurrent() -> None:
    assert _max_overlap([(0, 1), (1, 2), (2, 3)]) == 1
    assert _max_overlap([(0, 2), (1, 3), (1.5, 4)]) == 3


def test_every_case_has_an_expectation_with_a_citation() -> None:
    cases = load_cases()
    assert len(cases) >= 40
    for case in cases:
        assert case.expect.get("argo"), f"{case.name}: cite the Argo source the expectation comes from"
        assert case.expect.get("phase") in {"Succeeded", "Failed", "Error"}, case.name


def test_compare_reports_extra_nodes_wrong_messages_and_overlaps() -> None:
    from tests.conformance.harness import Case, Run, compare

    wf = "w"
    nodes = {
        "w": {"id": "w", "name": "w", "type": "Steps", "phase": "Failed", "message": "boom"},
        f"w-{fnv32a('w[0]')}": {"id": f"w-{fnv32a('w[0]')}", "name": "w[0]", "type": "StepGroup", "phase": "Failed",
                                "startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T00:00:02Z"},
        "x": {"id": "x", "name": "w[0].extra", "type": "Pod", "phase": "Succeeded",
              "startedAt": "2024-01-01T00:00:01Z", "finishedAt": "2024-01-01T00:00:03Z"},
    }
    run = Run({"metadata": {"name": wf}, "status": {"phase": "Failed", "message": "boom", "nodes": nodes}}, 1.0)
    case = Case("t", None, {  # type: ignore[arg-type]
        "phase": "Failed", "message": "child '{id:@[0].a}' failed",
        "nodes": {"@": {"type": "Steps"}, "@[0]": {"type": "StepGroup"}},
        "concurrency": [{"select": {}, "max": 1}],
    })
    diffs = "\n".join(compare(case, run))
    assert f"child 'w-{fnv32a('w[0].a')}' failed" in diffs
    assert "w[0].extra" in diffs and "node @.id" not in diffs
    assert "2 ran at once" in diffs
