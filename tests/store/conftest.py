"""Shared helpers for the store tests: run `async def` tests, a temp store path, a fake clock."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

ASYNC_TEST_TIMEOUT = 30.0


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (no pytest-asyncio dependency)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**args), ASYNC_TEST_TIMEOUT))
    return True


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / "store.db"


class FakeClock:
    """Wall-clock stand-in for lease and event-age tests."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def workflow(name: str | None = "wf", *, namespace: str | None = "default", nodes: int = 0,
             labels: dict[str, str] | None = None, generate_name: str | None = None) -> dict:
    meta: dict = {}
    if name:
        meta["name"] = name
    if generate_name:
        meta["generateName"] = generate_name
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    obj: dict = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
                 "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}}
    if nodes:
        obj["status"] = {"phase": "Running",
                         "nodes": {f"{name}-{i}": {"id": f"{name}-{i}", "phase": "Succeeded"} for i in range(nodes)}}
    return obj


@pytest.fixture
def make_workflow():
    return workflow
