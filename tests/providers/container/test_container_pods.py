"""The container provider runs pods as real containers: images, entrypoints, outputs, volumes, limits."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from helpers import make_pod, run_to_end

from podfleet.providers.contract import PodPhase


def test_script_outputs_and_result_come_back_from_the_stopped_container(run, home: Path) -> None:
    template = {
        "script": {"source": "print('from script')\nopen('/tmp/out.txt','w').write('42\\n')"},
        "outputs": {"parameters": [
            {"name": "answer", "valueFrom": {"path": "/tmp/out.txt"}},
            {"name": "fallback", "valueFrom": {"path": "/tmp/none.txt", "default": "dflt"}},
        ]},
    }
    pod = make_pod("outs", ["python3", "/argo/staging/script"], image="python:alpine3.23", template=template)
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    result = status.task_result
    assert (result.parameters, result.result, result.exit_code) == ({"answer": "42", "fallback": "dflt"}, "from script", 0)
    assert (home / "logs/argo/outs/main.log").read_text() == "from script\n"


def test_result_is_stdout_only_and_the_exit_code_decides_the_phase(run) -> None:
    pod = make_pod("fail", ["sh", "-c", "echo warn >&2; echo out; exit 3"], template={"container": {}})
    status = run(lambda p: run_to_end(p, pod))
    main = status.container("main")
    assert status.phase is PodPhase.FAILED
    assert (main.exit_code, main.reason) == (3, "Error")
    assert status.task_result.result == "out"


def test_image_entrypoint_runs_with_only_args(run) -> None:
    pod = make_pod("args", image="argoproj/argosay:v2", args=["echo", "hello from args"], template={"container": {}})
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    assert status.task_result.result == "hello from args"


def test_image_entrypoint_with_no_args_and_command_replacing_it(run) -> None:
    async def body(p: Any) -> tuple[Any, Any]:
        plain = await run_to_end(p, make_pod("plain", image="argoproj/argosay:v2", template={"container": {}}))
        replaced = await run_to_end(p, make_pod("cmd", ["echo"], image="argoproj/argosay:v2",
                                                args=["not", "argosay"], template={"container": {}}))
        return plain, replaced
    plain, replaced = run(body)
    assert plain.task_result.result == "hello argo"
    assert replaced.task_result.result == "not argosay"


def test_whalesay_prints_the_message_in_a_bubble(run) -> None:
    pod = make_pod("whale", ["cowsay"], image="docker/whalesay:latest", args=["hello world"],
                   template={"container": {}})
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    assert "< hello world >" in status.task_result.result and "##" in status.task_result.result


def test_init_container_and_main_share_an_empty_dir_and_env_from_a_secret(run) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "argo"},
              "data": {"token": base64.b64encode(b"s3cr3t").decode()}}

    async def lookup(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return secret if (kind, namespace, name) == ("Secret", "argo", "creds") else None

    pod = make_pod(
        "initpod", template={"container": {}},
        initContainers=[{"name": "init", "image": "busybox", "command": ["sh", "-c", "echo seeded > /work/seed"],
                         "volumeMounts": [{"name": "work", "mountPath": "/work"}]}],
        containers=[{"name": "main", "image": "alpine:3.23", "workingDir": "/work",
                     "command": ["sh", "-c", "cat seed; echo $TOKEN $(pwd)"],
                     "env": [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
                     "volumeMounts": [{"name": "work", "mountPath": "/work"}]}],
        volumes=[{"name": "work", "emptyDir": {}}])
    status = run(lambda p: run_to_end(p, pod), lookup=lookup)
    assert status.phase is PodPhase.SUCCEEDED, status
    assert status.task_result.result == "seeded\ns3cr3t /work"


def test_a_failing_init_container_fails_the_pod_before_main(run) -> None:
    pod = make_pod("badinit", ["echo", "never"], template={"container": {}},
                   initContainers=[{"name": "init", "image": "busybox", "command": ["sh", "-c", "exit 4"]}])
    status = run(lambda p: run_to_end(p, pod))
    assert (status.phase, status.reason) == (PodPhase.FAILED, "Init:Error")
    assert status.message == "init container 'init' failed with exit code 4"


def test_sidecar_answers_main_over_localhost_and_is_stopped_when_main_ends(run) -> None:
    pod = make_pod("side", template={"container": {}}, containers=[
        {"name": "main", "image": "alpine:3.23", "command": ["sh", "-c",
         "for i in $(seq 100); do wget -qO- http://localhost:8080/hi && exit 0; sleep 0.1; done; exit 1"]},
        {"name": "web", "image": "busybox", "command": ["sh", "-c",
         "mkdir /www; echo from-sidecar > /www/hi; exec httpd -f -p 8080 -h /www"]},
    ])
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    assert status.task_result.result == "from-sidecar"
    assert status.container("web").exit_code is not None


def test_memory_limit_oom_kills_as_argo_reports_it(run) -> None:
    pod = make_pod("oom", template={"container": {}}, containers=[{
        "name": "main", "image": "python:alpine3.23", "resources": {"limits": {"memory": "16Mi"}},
        "command": ["python3", "-c", "b = bytearray(256 * 1024 * 1024); print(len(b))"]}])
    status = run(lambda p: run_to_end(p, pod))
    main = status.container("main")
    assert (status.phase, main.reason, main.exit_code) == (PodPhase.FAILED, "OOMKilled", 137)
    assert status.message == "OOMKilled (exit code 137)"


def test_active_deadline_stops_the_pod(run) -> None:
    pod = make_pod("late", ["sleep", "30"], template={"container": {}}, activeDeadlineSeconds=1,
                   terminationGracePeriodSeconds=0)
    status = run(lambda p: run_to_end(p, pod))
    assert (status.phase, status.reason) == (PodPhase.FAILED, "DeadlineExceeded")
    assert status.message == "Pod was active on the node longer than the specified deadline"


def test_a_stop_reaches_a_shell_that_would_ignore_sigterm_as_pid_1(run) -> None:
    # Argo's emissary is PID 1 and forwards SIGTERM; `sh` as PID 1 would ignore it and
    # be SIGKILLed (137) only when the grace period ends.
    pod = make_pod("term", ["sh", "-c", "sleep 60"], template={"container": {}}, activeDeadlineSeconds=1,
                   terminationGracePeriodSeconds=5)
    status = run(lambda p: run_to_end(p, pod))
    assert (status.phase, status.reason) == (PodPhase.FAILED, "DeadlineExceeded")
    assert status.container("main").exit_code == 143


def test_an_exit_is_seen_once_the_files_of_the_container_are_readable(engine) -> None:
    # Podman reports an exited container `stopped` while its cleanup unmounts the
    # container's storage (reads then get empty archives), and `exited` after it.
    from podfleet.providers.container.api import EngineAPI
    from podfleet.providers.container.fs import ContainerFilesystem
    from podfleet.providers.container.watch import wait_exit

    async def body() -> tuple[str, bytes]:
        api = EngineAPI(engine)
        cid = ""
        try:
            cid = str((await api.call(api.client.create_container, "alpine:3.23",
                                      ["sh", "-c", "sleep 0.5; echo seen > /tmp/f"]))["Id"])
            await api.call(api.client.start, cid)
            info = await wait_exit(api, cid)
            data = await asyncio.to_thread(ContainerFilesystem(api.client, cid, {}).read_file, "/tmp/f")
            return str(info["State"]["Status"]), data
        finally:
            if cid:
                await api.call(api.client.remove_container, cid, force=True)
            api.close()

    assert asyncio.run(body()) == ("exited", b"seen\n")


def test_run_as_user_and_cpu_pids_limits_are_applied(run) -> None:
    pod = make_pod("user", template={"container": {}}, securityContext={"runAsUser": 1234}, containers=[{
        "name": "main", "image": "alpine:3.23", "resources": {"limits": {"cpu": "500m", "pids": "64"}},
        "command": ["sh", "-c", "id -u; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"]}])
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    assert status.task_result.result.split() == ["1234", "64"]


def test_input_artifact_is_placed_and_output_artifact_collected_from_any_path(run, home: Path) -> None:
    template = {
        "inputs": {"artifacts": [{"name": "msg", "path": "/opt/in/message.txt", "raw": {"data": "handed over"}}]},
        "outputs": {"artifacts": [{"name": "out", "path": "/srv/result"}]},
    }
    pod = make_pod("arts", ["sh", "-c", "mkdir -p /srv/result; cp /opt/in/message.txt /srv/result/m; cat /srv/result/m"],
                   template=template)
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    assert status.task_result.result == "handed over"
    [saved] = status.task_result.artifacts
    assert saved["local"]["key"] == "wf/arts/out.tgz"
    assert (home / "artifacts" / "wf/arts/out.tgz").exists()


def test_containers_are_removed_after_collection(run, engine, home: Path) -> None:
    import docker

    from podfleet.providers.container.podspec import home_scope, pod_label

    status = run(lambda p: run_to_end(p, make_pod("gone", ["true"], template={"container": {}})))
    assert status.phase is PodPhase.SUCCEEDED
    client = docker.APIClient(base_url=engine.url)
    label = "podfleet.io/pod=" + pod_label(home_scope(home), "argo", "gone")
    assert client.containers(all=True, filters={"label": label}) == []
