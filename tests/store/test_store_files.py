"""The store file: bad, foreign, newer, locked files give clear errors naming the path."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from podfleet.errors import StoreError, TransientError
from podfleet.store import StoreLockedError, open_store
from podfleet.store.schema import SCHEMA_VERSION, ensure_schema


def test_a_text_file_is_not_a_store(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 100)
    with pytest.raises(StoreError, match="not a readable podfleet store") as info:
        open_store(path)
    assert str(path) in str(info.value)
    assert path.read_text().startswith("shopping list")


def test_another_programs_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not a podfleet store") as info:
        open_store(path)
    assert str(path) in str(info.value)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


async def test_a_corrupt_store_gives_store_error_naming_the_path(store_path, make_workflow):
    async with open_store(store_path) as store:
        for i in range(200):
            await store.create(make_workflow(f"wf-{i}", nodes=5))
    data = bytearray(store_path.read_bytes())
    assert len(data) > 16 * 4096
    data[4096 * 2:] = b"\xa5" * (len(data) - 4096 * 2)
    store_path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        store = open_store(store_path)
        try:
            await store.list("Workflow", with_nodes=True)
        finally:
            await store.close()
    assert str(store_path) in str(info.value)
    assert "corrupt" in str(info.value)


def test_a_store_with_a_damaged_header_is_not_a_store(store_path):
    asyncio.run(open_store(store_path).close())
    data = bytearray(store_path.read_bytes())
    data[:16] = b"garbage garbage!"
    store_path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="not a readable podfleet store"):
        open_store(store_path)


async def test_a_store_from_a_newer_podfleet_is_refused(store_path):
    await open_store(store_path).close()
    with sqlite3.connect(store_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this podfleet") as info:
        open_store(store_path)
    assert str(store_path) in str(info.value)


async def test_an_existing_store_reopens_with_its_data(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("kept", nodes=2))
    async with open_store(store_path) as store:
        assert len((await store.get("Workflow", "default", "kept"))["status"]["nodes"]) == 2
        created = await store.create(make_workflow("next"))
        assert int(created["metadata"]["resourceVersion"]) > 1


def test_migrations_run_in_order_up_to_the_target(tmp_path):
    path = tmp_path / "s.db"
    asyncio.run(open_store(path).close())
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ensure_schema(conn, path, target=3, migrations={
            1: lambda c: c.execute("CREATE TABLE added_in_2 (x)"),
            2: lambda c: c.execute("ALTER TABLE added_in_2 ADD COLUMN y"),
        })
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [r[1] for r in conn.execute("PRAGMA table_info(added_in_2)")] == ["x", "y"]
        with pytest.raises(StoreError, match="no migration"):
            ensure_schema(conn, path, target=4, migrations={})
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    finally:
        conn.close()


def test_a_directory_is_not_a_store_file(tmp_path):
    with pytest.raises(StoreError, match="is a directory") as info:
        open_store(tmp_path)
    assert str(tmp_path) in str(info.value)


def hold_write_lock(path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_write_lock_held_too_long_is_a_transient_store_error(store_path, make_workflow):
    async with open_store(store_path, lock_timeout=0.3) as store:
        other = hold_write_lock(store_path)
        try:
            with pytest.raises(StoreLockedError) as info:
                await store.create(make_workflow("wf"))
            assert isinstance(info.value, TransientError) and isinstance(info.value, StoreError)
            assert str(store_path) in str(info.value)
            # Readers are not blocked by a writer (WAL).
            assert await store.list("Workflow") == []
        finally:
            other.close()
        await store.create(make_workflow("wf"))


async def test_a_briefly_held_lock_is_waited_for_without_blocking_the_loop(store_path, make_workflow):
    async with open_store(store_path, lock_timeout=5.0) as store:
        other = hold_write_lock(store_path)
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        asyncio.get_running_loop().call_later(0.3, other.rollback)
        try:
            created = await store.create(make_workflow("wf"))
        finally:
            ticking.cancel()
            other.close()
        assert created["metadata"]["name"] == "wf"
        assert ticks >= 10  # the loop kept running while the store waited for the lock


def test_opening_a_store_locked_by_another_process_is_a_store_error(store_path):
    asyncio.run(open_store(store_path).close())
    other = sqlite3.connect(store_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked") as info:
            open_store(store_path, lock_timeout=0.2)
        assert str(store_path) in str(info.value)
    finally:
        other.close()


async def test_a_damaged_stored_object_is_a_store_error(store_path, make_workflow):
    async with open_store(store_path) as store:
        await store.create(make_workflow("wf"))
        with sqlite3.connect(store_path) as other:
            other.execute("UPDATE objects SET body = X'7b6e6f74' WHERE name = 'wf'")
        other.close()
        with pytest.raises(StoreError, match="not valid JSON"):
            await store.get("Workflow", "default", "wf")
