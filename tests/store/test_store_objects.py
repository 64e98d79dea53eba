"""Objects: create/get/list/update/delete as a caller sees them."""

from __future__ import annotations

import re

import pytest

from podfleet.errors import ConflictError, InvalidError, NotFoundError
from podfleet.store import Store, open_store
from podfleet.store.codec import NAME_ALPHABET


async def test_open_store_creates_folder_and_file_and_satisfies_contract(store_path):
    store = open_store(store_path)
    try:
        assert store_path.is_file()
        assert isinstance(store, Store)
    finally:
        await store.close()


async def test_create_fills_metadata_like_kubernetes(store_path, make_workflow):
    async with open_store(store_path) as store:
        created = await store.create(make_workflow("hello"))
        meta = created["metadata"]
        assert meta["name"] == "hello" and meta["namespace"] == "default"
        assert re.fullmatch(r"[0-9a-f-]{36}", meta["uid"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
        assert meta["resourceVersion"].isdigit()
        assert created["spec"]["entrypoint"] == "main"
        assert await store.get("Workflow", "default", "hello") == created


async def test_missing_namespace_means_default(store_path, make_workflow):
    async with open_store(store_path) as store:
        created = await store.create(make_workflow("hello", namespace=None))
        assert created["metadata"]["namespace"] == "default"
        await store.get("Workflow", "default", "hello")


async def test_resource_versions_increase_across_kinds(store_path, make_workflow):
    async with open_store(store_path) as store:
        a = await store.create(make_workflow("a"))
        b = await store.create({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"}})
        a2 = await store.update(a)
        versions = [int(o["metadata"]["resourceVersion"]) for o in (a, b, a2)]
        assert versions == sorted(versions) and len(set(versions)) == 3


async def test_generate_name_appends_five_kubernetes_characters(store_path, make_workflow):
    async with open_store(store_path) as store:
        names = set()
        for _ in range(20):
            created = await store.create(make_workflow(None, generate_name="hello-world-"))
            name = created["metadata"]["name"]
            assert name.startswith("hello-world-")
            suffix = name[len("hello-world-"):]
            assert len(suffix) == 5 and set(suffix) <= set(NAME_ALPHABET)
            assert created["metadata"]["generateName"] == "hello-world-"
            names.add(name)
        assert len(names) == 20
        assert len(await store.list("Workflow")) == 20


async def test_generate_name_prefix_is_truncated_to_fit_63_characters(store_path, make_workflow):
    async with open_store(store_path) as store:
        created = await store.create(make_workflow(None, generate_name="x" * 100))
        assert len(created["metadata"]["name"]) == 63


async def test_create_existing_name_is_a_conflict(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("dup"))
        with pytest.raises(ConflictError, match="already exists"):
            await store.create(make_workflow("dup"))
        # Same name in another namespace is another object.
        await store.create(make_workflow("dup", namespace="other"))


async def test_update_with_stale_resource_version_is_a_conflict(store_path, make_workflow):
    async with open_store(store_path) as store:
        first = await store.create(make_workflow("wf"))
        stale = dict(first)
        fresh = await store.update(first)
        assert int(fresh["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
        with pytest.raises(ConflictError, match="modified"):
            await store.update(stale)
        # The loser re-reads and succeeds.
        latest = await store.get("Workflow", "default", "wf")
        latest["spec"]["entrypoint"] = "other"
        await store.update(latest)
        assert (await store.get("Workflow", "default", "wf"))["spec"]["entrypoint"] == "other"


async def test_update_without_resource_version_is_refused(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("wf"))
        with pytest.raises(InvalidError, match="resourceVersion"):
            await store.update(make_workflow("wf"))


async def test_store_owned_metadata_cannot_be_changed(store_path, make_workflow):
    async with open_store(store_path) as store:
        created = await store.create(make_workflow("wf"))
        edited = await store.get("Workflow", "default", "wf")
        edited["metadata"]["creationTimestamp"] = "1999-01-01T00:00:00Z"
        updated = await store.update(edited)
        assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
        assert updated["metadata"]["uid"] == created["metadata"]["uid"]
        forged = dict(updated, metadata=dict(updated["metadata"], uid="not-the-uid"))
        with pytest.raises(ConflictError, match="uid"):
            await store.update(forged)


async def test_update_of_missing_object_is_not_found(store_path, make_workflow):
    async with open_store(store_path) as store:
        obj = make_workflow("ghost")
        obj["metadata"]["resourceVersion"] = "1"
        with pytest.raises(NotFoundError, match="ghost"):
            await store.update(obj)


async def test_returned_objects_are_copies(store_path, make_workflow):
    async with open_store(store_path) as store:
        given = make_workflow("wf")
        created = await store.create(given)
        created["spec"]["entrypoint"] = "mutated"
        given["spec"]["templates"].clear()
        stored = await store.get("Workflow", "default", "wf")
        assert stored["spec"]["entrypoint"] == "main"
        assert stored["spec"]["templates"]
        assert "uid" not in given["metadata"]


async def test_get_and_delete_of_missing_objects_are_not_found(store_path):
    async with open_store(store_path) as store:
        with pytest.raises(NotFoundError, match='Workflow "default/nope" not found'):
            await store.get("Workflow", "default", "nope")
        with pytest.raises(NotFoundError):
            await store.delete("Workflow", "default", "nope")


async def test_delete_removes_object(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("wf"))
        await store.delete("Workflow", "default", "wf")
        with pytest.raises(NotFoundError):
            await store.get("Workflow", "default", "wf")
        assert await store.list("Workflow") == []


async def test_cluster_scoped_kinds_live_outside_namespaces(store_path):
    async with open_store(store_path) as store:
        cwt = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ClusterWorkflowTemplate",
               "metadata": {"name": "shared", "namespace": "argo"}, "spec": {"templates": []}}
        created = await store.create(cwt)
        assert "namespace" not in created["metadata"]
        assert (await store.get("ClusterWorkflowTemplate", "", "shared"))["metadata"]["name"] == "shared"
        # A namespace given by mistake is ignored for cluster-scoped kinds, as Kubernetes does.
        assert (await store.get("ClusterWorkflowTemplate", "default", "shared"))["metadata"]["name"] == "shared"
        assert len(await store.list("ClusterWorkflowTemplate")) == 1


async def test_list_filters_by_namespace_and_sorts_by_creation(store_path, make_workflow):
    async with open_store(store_path) as store:
        for name, ns in [("c", "a"), ("a", "b"), ("b", "a")]:
            await store.create(make_workflow(name, namespace=ns))
        await store.create({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cm", "namespace": "a"}})
        assert [o["metadata"]["name"] for o in await store.list("Workflow")] == ["c", "a", "b"]
        assert [o["metadata"]["name"] for o in await store.list("Workflow", "a")] == ["c", "b"]
        assert await store.list("Workflow", "missing") == []


async def test_label_selector_matches_all_pairs(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("one", labels={"app": "x", "tier": "web"}))
        await store.create(make_workflow("two", labels={"app": "x", "tier": "db"}))
        await store.create(make_workflow("three", labels={"app": "y"}))
        await store.create(make_workflow("four"))

        async def names(selector):
            return [o["metadata"]["name"] for o in await store.list("Workflow", label_selector=selector)]

        assert await names({"app": "x"}) == ["one", "two"]
        assert await names({"app": "x", "tier": "db"}) == ["two"]
        assert await names({"app": "z"}) == []
        assert await names({}) == ["one", "two", "three", "four"]


async def test_label_changes_are_seen_by_selectors(store_path, make_workflow):
    async with open_store(store_path) as store:
        obj = await store.create(make_workflow("wf", labels={"phase": "Running"}))
        obj["metadata"]["labels"] = {"phase": "Succeeded"}
        await store.update(obj)
        assert await store.list("Workflow", label_selector={"phase": "Running"}) == []
        assert len(await store.list("Workflow", label_selector={"phase": "Succeeded"})) == 1


@pytest.mark.parametrize("bad, message", [
    ({"metadata": {"name": "x"}}, "kind"),
    ({"kind": "Workflow"}, "metadata"),
    ({"kind": "Workflow", "metadata": {}}, "name"),
    ({"kind": "Workflow", "metadata": {"name": "x", "labels": {"a": 1}}}, "labels"),
    ({"kind": "Workflow", "metadata": {"name": "x"}, "spec": {"when": object()}}, "JSON"),
])
async def test_malformed_objects_are_invalid(store_path, bad, message):
    async with open_store(store_path) as store:
        with pytest.raises(InvalidError, match=message):
            await store.create(bad)
        assert await store.list("Workflow") == []


async def test_calls_after_close_say_the_store_is_closed(store_path):
    store = open_store(store_path)
    await store.close()
    from podfleet.errors import StoreError
    with pytest.raises(StoreError, match="closed"):
        await store.list("Workflow")


async def test_two_stores_on_one_file_see_each_others_updates_and_conflicts(store_path, make_workflow):
    first, second = open_store(store_path), open_store(store_path)
    try:
        await first.create(make_workflow("wf"))
        mine = await first.get("Workflow", "default", "wf")
        theirs = await second.get("Workflow", "default", "wf")
        theirs["spec"]["entrypoint"] = "theirs"
        await second.update(theirs)
        with pytest.raises(ConflictError):
            await first.update(mine)
        assert (await first.get("Workflow", "default", "wf"))["spec"]["entrypoint"] == "theirs"
    finally:
        await first.close()
        await second.close()


async def test_stores_written_without_orjson_are_read_back_the_same(store_path, make_workflow, monkeypatch):
    from podfleet.store import codec

    obj = make_workflow("wf", nodes=3, labels={"app": "ünïcode"})
    obj["spec"]["arguments"] = {"parameters": [{"name": "msg", "value": "héllo ✓"}]}
    async with open_store(store_path) as store:
        with_fast = await store.create(obj)
    monkeypatch.setattr(codec, "_orjson", None)
    async with open_store(store_path) as store:
        assert (await store.get("Workflow", "default", "wf", with_nodes=False)) == with_fast
        full = await store.get("Workflow", "default", "wf")
        updated = await store.update(full, nodes={"wf-9": {"id": "wf-9", "phase": "Pending"}})
        assert updated["spec"]["arguments"]["parameters"][0]["value"] == "héllo ✓"
        assert len((await store.get("Workflow", "default", "wf"))["status"]["nodes"]) == 4
        assert len(await store.list("Workflow", label_selector={"app": "ünïcode"})) == 1
