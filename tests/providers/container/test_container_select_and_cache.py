"""Choosing the provider, ImageCache pre-pull and matching, and adoption after a restart."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from helpers import make_pod, run_to_end

from podfleet.config import Settings
from podfleet.errors import ProviderError
from podfleet.imagecache import StoreCacheHooks
from podfleet.providers.container import ContainerProvider
from podfleet.providers.container.runner import MATCHED_CACHE_ANNOTATION
from podfleet.providers.contract import PodPhase
from podfleet.providers.select import open_provider
from podfleet.store import open_store


def test_container_provider_without_an_engine_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(ProviderError) as err:
        open_provider("container", Settings(home=tmp_path))
    assert "no container engine is reachable (DOCKER_HOST=unix:///nonexistent/docker.sock does not answer)" \
        in err.value.message


def test_auto_falls_back_to_processes_with_a_note(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with caplog.at_level(logging.WARNING, logger="podfleet.providers"):
        provider = open_provider("auto", Settings(home=tmp_path))
    assert provider.name == "process"
    assert any("no container engine is reachable" in r.message for r in caplog.records)


def test_auto_picks_containers_when_an_engine_answers(engine, tmp_path: Path) -> None:
    provider = open_provider("auto", Settings(home=tmp_path))
    assert provider.name == "container"
    asyncio.run(provider.close())


def test_image_cache_is_built_then_matched_by_pods_and_pulls_leave_auto_caches(engine, home: Path) -> None:
    async def main() -> tuple[Any, Any, list[Any]]:
        store = open_store(home / "store.db")
        hooks = StoreCacheHooks(lambda: store)
        provider = ContainerProvider(home, engine=engine, caches=hooks)
        try:
            await store.create({"apiVersion": "eci.alibabacloud.com/v1", "kind": "ImageCache",
                                "metadata": {"name": "argo-images"},
                                "spec": {"images": ["alpine:3.23", "argoproj/argosay:v2"], "retentionDays": 7}})
            await hooks.reconcile(provider.puller)
            [cache] = await store.list("ImageCache", None)
            pod = make_pod("usecache", containers=[{"name": "main", "image": "alpine:3.23", "command": ["true"],
                                                    "imagePullPolicy": "IfNotPresent"}], template={"container": {}})
            matched = await run_to_end(provider, pod)
            # busybox (no tag → Always) is pulled and not in any cache: an auto cache appears.
            await run_to_end(provider, make_pod("autocache", ["true"], image="busybox", template={"container": {}}))
            return cache, matched, await store.list("ImageCache", None)
        finally:
            await provider.close()
            await store.close()

    cache, matched, caches = asyncio.run(main())
    status = cache["status"]
    assert (status["phase"], status["progress"], status["images"]) == ("Ready", "100%", ["alpine:3.23", "argoproj/argosay:v2"])
    assert status["imageCacheSize"] > 0 and status["imageCacheId"].startswith("imc-")
    assert matched.phase is PodPhase.SUCCEEDED
    assert matched.annotations[MATCHED_CACHE_ANNOTATION] == status["imageCacheId"]
    auto = [c for c in caches if c["metadata"]["name"].startswith("auto-create-for-")]
    assert [c["spec"]["images"] for c in auto] == [["busybox"]]
    assert auto[0]["status"]["phase"] == "Ready" and auto[0]["spec"]["retentionDays"] == 7


def test_a_cache_whose_image_cannot_be_pulled_fails(engine, home: Path) -> None:
    async def main() -> Any:
        store = open_store(home / "store.db")
        hooks = StoreCacheHooks(lambda: store)
        provider = ContainerProvider(home, engine=engine, caches=hooks)
        try:
            await store.create({"apiVersion": "eci.alibabacloud.com/v1", "kind": "ImageCache",
                                "metadata": {"name": "broken"}, "spec": {"images": ["podfleet-test/absent:1"]}})
            await hooks.reconcile(provider.puller)
            return (await store.list("ImageCache", None))[0]["status"]
        finally:
            await provider.close()
            await store.close()

    status = asyncio.run(main())
    assert (status["phase"], status["reason"]) == ("Failed", "ErrImagePull")
    assert status["events"][0]["message"].startswith('failed to pull image "podfleet-test/absent:1"')


def test_a_restarted_provider_adopts_a_running_pod(engine, home: Path) -> None:
    pod = make_pod("adopt", ["sh", "-c", "sleep 1; echo survived"], template={"container": {}})

    async def first() -> None:
        provider = ContainerProvider(home, engine=engine)
        events = provider.events()
        await provider.create_pod(pod)
        async for status in events:
            if status.phase is PodPhase.RUNNING:
                break
        await provider.close()

    async def second() -> Any:
        provider = ContainerProvider(home, engine=engine)
        try:
            events = provider.events()
            listed = await provider.list_pods()
            assert [s.name for s in listed] == ["adopt"]
            async for status in events:
                if status.phase.completed:
                    return status
        finally:
            await provider.close()

    asyncio.run(first())
    status = asyncio.run(asyncio.wait_for(second(), 30))
    assert status.phase is PodPhase.SUCCEEDED, status
    assert status.task_result.result == "survived"
