"""Workflow nodes: kept apart from the object, written per node, put back on get."""

from __future__ import annotations

import pytest

from podfleet.errors import InvalidError
from podfleet.store import open_store


def node(node_id: str, phase: str) -> dict:
    return {"id": node_id, "name": node_id, "type": "Pod", "phase": phase}


async def test_create_keeps_nodes_and_get_reassembles_them(store_path, make_workflow):
    async with open_store(store_path) as store:
        created = await store.create(make_workflow("wf", nodes=3))
        assert "nodes" not in created["status"]
        full = await store.get("Workflow", "default", "wf")
        assert full["status"]["phase"] == "Running"
        assert full["status"]["nodes"] == {f"wf-{i}": {"id": f"wf-{i}", "phase": "Succeeded"} for i in range(3)}
        bare = await store.get("Workflow", "default", "wf", with_nodes=False)
        assert "nodes" not in bare["status"]


async def test_update_upserts_and_deletes_only_given_nodes(store_path, make_workflow):
    async with open_store(store_path) as store:
        obj = await store.create(make_workflow("wf", nodes=3))
        updated = await store.update(obj, nodes={"wf-1": node("wf-1", "Failed"), "new": node("new", "Pending")},
                                     deleted_nodes=["wf-2", "never-existed"])
        assert (store.last_write.nodes_upserted, store.last_write.nodes_deleted) == (2, 1)
        assert "nodes" not in updated.get("status", {})
        nodes = (await store.get("Workflow", "default", "wf"))["status"]["nodes"]
        assert sorted(nodes) == ["new", "wf-0", "wf-1"]
        assert nodes["wf-1"]["phase"] == "Failed"
        assert nodes["wf-0"]["phase"] == "Succeeded"


async def test_status_nodes_inside_the_updated_object_are_ignored(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("wf", nodes=2))
        full = await store.get("Workflow", "default", "wf")
        full["status"]["nodes"]["wf-0"]["phase"] = "Error"
        full["status"]["nodes"]["ignored"] = node("ignored", "Pending")
        await store.update(full)
        nodes = (await store.get("Workflow", "default", "wf"))["status"]["nodes"]
        assert sorted(nodes) == ["wf-0", "wf-1"] and nodes["wf-0"]["phase"] == "Succeeded"


@pytest.mark.parametrize("size", [100, 10_000])
async def test_one_node_update_writes_the_same_rows_whatever_the_workflow_size(store_path, make_workflow, size):
    async with open_store(store_path) as store:
        obj = await store.create(make_workflow("wf", nodes=size))
        assert store.last_write.nodes_upserted == size
        obj["status"] = {"phase": "Running", "progress": "1/2"}
        await store.update(obj, nodes={"wf-5": node("wf-5", "Running")})
        stats = store.last_write
        assert stats.nodes_upserted == 1 and stats.nodes_deleted == 0
        # counter + object row + one node + one event: nothing proportional to `size`.
        assert stats.rows_changed == 4
        nodes = (await store.get("Workflow", "default", "wf"))["status"]["nodes"]
        assert len(nodes) == size and nodes["wf-5"]["phase"] == "Running"


async def test_list_skips_nodes_unless_asked(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("wf", nodes=2))
        [listed] = await store.list("Workflow")
        assert "nodes" not in listed.get("status", {})
        [full] = await store.list("Workflow", with_nodes=True)
        assert len(full["status"]["nodes"]) == 2


async def test_delete_removes_nodes_so_a_recreated_workflow_starts_empty(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("wf", nodes=5))
        await store.delete("Workflow", "default", "wf")
        assert store.last_write.nodes_deleted == 5
        await store.create(make_workflow("wf"))
        again = await store.get("Workflow", "default", "wf")
        assert "nodes" not in again.get("status", {})


async def test_nodes_for_other_kinds_are_refused(store_path):
    async with open_store(store_path) as store:
        cm = await store.create({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cm"},
                                 "status": {"nodes": {"kept": "as data"}}})
        assert cm["status"]["nodes"] == {"kept": "as data"}  # only Workflows have a node table
        with pytest.raises(InvalidError, match="only Workflows"):
            await store.update(cm, nodes={"a": node("a", "Pending")})


async def test_malformed_nodes_are_invalid(store_path, make_workflow):
    async with open_store(store_path) as store:
        obj = await store.create(make_workflow("wf"))
        with pytest.raises(InvalidError, match="mapping"):
            await store.update(obj, nodes={"a": "not a node"})
        # Nothing was written by the failed update.
        assert (await store.get("Workflow", "default", "wf"))["metadata"]["resourceVersion"] == \
            obj["metadata"]["resourceVersion"]
