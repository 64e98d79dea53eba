"""Pods outlive their provider: adoption, idempotent create, delete, logs, artifacts between pods."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from process_helpers import make_pod, needs_bwrap, run_to_end

from podfleet.providers.contract import PodPhase
from podfleet.providers.process import ProcessProvider

pytestmark = needs_bwrap


def test_creating_the_same_pod_twice_runs_it_once(run, home: Path) -> None:
    pod = make_pod("once", containers=[{"name": "main", "image": "x", "command": ["sh", "-c", "echo run >> /data/runs"],
                                        "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
                   volumes=[{"name": "d", "hostPath": {"path": str(home.parent / "hp"), "type": "DirectoryOrCreate"}}])

    async def body(p: ProcessProvider) -> None:
        await p.create_pod(pod)
        await p.create_pod(pod)
        await run_to_end(p, pod)
        await p.create_pod(pod)

    run(body)
    assert (home.parent / "hp" / "runs").read_text() == "run\n"


def test_a_new_provider_adopts_a_pod_that_finished_while_nobody_watched(run, home: Path) -> None:
    template = {"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p"}}]}}
    pod = make_pod("adopt", ["sh", "-c", "sleep 0.3; echo later > /tmp/p; echo out"], template=template)

    async def first(p: ProcessProvider) -> None:
        await p.create_pod(pod)
        await asyncio.sleep(0.1)  # running, then the provider goes away

    run(first)
    time.sleep(0.5)  # the pod finishes with no provider around

    async def second(p: ProcessProvider):
        events = p.events()
        pods = await p.list_pods()
        assert [s.name for s in pods] == ["adopt"]
        status = await p.get_pod_status("argo", "adopt")
        if not status.phase.completed:
            async for status in events:
                if status.phase.completed:
                    break
        return status

    status = run(second)
    assert status.phase is PodPhase.SUCCEEDED
    assert status.task_result.parameters == {"p": "later"} and status.task_result.result == "out"


def test_pods_survive_a_sigkilled_controller_and_are_reported_exactly_once(home: Path, tmp_path: Path) -> None:
    marker = tmp_path / "runs"
    script = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from process_helpers import make_pod
        from podfleet.providers.process import ProcessProvider
        async def main():
            p = ProcessProvider({str(home)!r})
            pod = make_pod("crash", containers=[{{"name": "main", "image": "x",
                "command": ["sh", "-c", "echo run >> /m/runs; sleep 1; echo survived"],
                "volumeMounts": [{{"name": "m", "mountPath": "/m"}}]}}],
                volumes=[{{"name": "m", "hostPath": {{"path": {str(tmp_path)!r}}}}}])
            await p.create_pod(pod)
            print("started", flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    async def adopt() -> PodPhase:
        p = ProcessProvider(home)
        try:
            events = p.events()
            await p.create_pod(make_pod("crash", ["sh", "-c", "echo duplicate"]))  # idempotent: no second run
            async for status in events:
                if status.phase.completed:
                    return status
        finally:
            await p.close()

    status = asyncio.run(asyncio.wait_for(adopt(), 10))
    assert status.phase is PodPhase.SUCCEEDED and status.task_result.result == "survived"
    assert marker.read_text() == "run\n"


def test_delete_stops_a_running_pod_and_keeps_its_logs(run, home: Path) -> None:
    pod = make_pod("del", ["sh", "-c", "echo started; sleep 600"])

    async def body(p: ProcessProvider):
        events = p.events()
        await p.create_pod(pod)
        async for status in events:
            if status.phase is PodPhase.RUNNING:
                break
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await p.delete_pod("argo", "del", grace_period_seconds=5)
        elapsed = time.monotonic() - started
        async for status in events:
            if status.phase.completed:
                break
        lines = [line async for line in p.logs("argo", "del")]
        return status, elapsed, lines, await p.get_pod_status("argo", "del"), await p.list_pods()

    status, elapsed, lines, after, listed = run(body)
    assert elapsed < 2  # sleep dies on SIGTERM: no need to wait for the grace period
    assert (status.phase, status.message) == (PodPhase.FAILED, "pod deleted")
    assert lines == ["started"]
    assert after is None and listed == []
    assert not (home / "pods/argo/del").exists()


def test_logs_follow_until_the_pod_ends(run) -> None:
    pod = make_pod("follow", ["sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 0.2; echo three"])

    async def body(p: ProcessProvider) -> list[str]:
        await p.create_pod(pod)
        await asyncio.sleep(0.05)
        return [line async for line in p.logs("argo", "follow", follow=True)]

    assert run(body) == ["one", "two", "three"]


def test_artifacts_pass_from_one_pod_to_the_next(run) -> None:
    producer = make_pod("prod", ["sh", "-c", "mkdir -p /out/d && echo f > /out/d/f && echo hello > /out/file"],
                        template={"outputs": {"artifacts": [{"name": "d", "path": "/out/d"},
                                                            {"name": "file", "path": "/out/file"}]}})

    async def body(p: ProcessProvider):
        first = await run_to_end(p, producer)
        arts = {a["name"]: a for a in first.task_result.artifacts}
        consumer = make_pod("cons", ["sh", "-c", "cat /in/d/f /in/file"], template={"inputs": {"artifacts": [
            {"name": "d", "path": "/in/d", "local": arts["d"]["local"]},
            {"name": "file", "path": "/in/file", "local": arts["file"]["local"]},
        ]}})
        missing = make_pod("miss", ["sh", "-c", "echo should-not-run"], template={"inputs": {"artifacts": [
            {"name": "gone", "path": "/in/x", "local": {"key": "wf/nothing/gone.tgz"}}]}})
        return first, await run_to_end(p, consumer), await run_to_end(p, missing)

    first, second, missing = run(body)
    assert [a["local"]["key"] for a in first.task_result.artifacts] == ["wf/prod/d.tgz", "wf/prod/file.tgz"]
    assert second.task_result.result == "f\nhello"
    assert missing.phase is PodPhase.FAILED and missing.container("main") is None
    assert "failed to load input artifact 'gone'" in missing.message


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare is not installed")
def test_unshare_fallback_runs_pods_too(run, home: Path) -> None:
    pod = make_pod("fallback", ["sh", "-c", "echo hi > /tmp/f; hostname; exit 2"])
    status = run(lambda p: run_to_end(p, pod), sandbox="unshare")
    assert status.container("main").exit_code == 2
    assert status.task_result.result == "fallback"
    assert (home / "pods/argo/fallback/containers/main/root/tmp/f").exists()
