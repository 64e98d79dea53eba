"""The process provider runs real sandboxes: isolation, outputs, exit codes, containers, volumes."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from process_helpers import make_pod, needs_bwrap, run_to_end

from podfleet.providers.contract import PodPhase
from podfleet.providers.process import ProcessProvider

pytestmark = needs_bwrap


def test_writes_to_tmp_and_root_land_in_the_pod_directory(run, home: Path) -> None:
    marker = f"podfleet-test-{time.time_ns()}"
    pod = make_pod("iso", ["sh", "-c", f"echo hi > /tmp/{marker}; echo root > /{marker}; cat /tmp/{marker}"])
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED
    assert status.task_result and status.task_result.result == "hi"
    assert not Path(f"/tmp/{marker}").exists() and not Path(f"/{marker}").exists()
    assert (home / "pods/argo/iso/containers/main/root/tmp" / marker).read_text() == "hi\n"
    assert (home / "pods/argo/iso/containers/main/root" / marker).read_text() == "root\n"


def test_outputs_are_collected_after_main_exits(run) -> None:
    template = {
        "script": {"source": "print('from script')\nopen('/tmp/out.txt','w').write('42\\n')"},
        "outputs": {"parameters": [
            {"name": "answer", "valueFrom": {"path": "/tmp/out.txt"}},
            {"name": "fallback", "valueFrom": {"path": "/tmp/none.txt", "default": "dflt"}},
        ]},
    }
    pod = make_pod("outs", ["python3", "/argo/staging/script"], template=template)
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED, status
    result = status.task_result
    assert result is not None
    assert (result.parameters, result.result, result.exit_code) == ({"answer": "42", "fallback": "dflt"}, "from script", 0)


def test_result_is_stdout_only_with_one_newline_trimmed(run) -> None:
    pod = make_pod("res", ["sh", "-c", "echo warn >&2; printf 'a\\n\\n'"])
    status = run(lambda p: run_to_end(p, pod))
    assert status.task_result and status.task_result.result == "a\n"


def test_result_is_not_kept_when_the_controller_says_nobody_reads_it(run, home: Path) -> None:
    pod = make_pod("nores", ["sh", "-c", "echo visible"])
    pod.metadata.annotations["podfleet.io/include-script-output"] = "false"
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.SUCCEEDED and status.task_result.result is None
    assert (home / "logs/argo/nores/main.log").read_text() == "visible\n"


def test_missing_output_fails_the_pod_with_a_message(run) -> None:
    template = {"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/never"}}]}}
    status = run(lambda p: run_to_end(p, make_pod("miss", ["true"], template=template)))
    assert status.phase is PodPhase.FAILED
    assert status.message == "failed to get output parameter 'p': open /tmp/never: no such file or directory"
    assert status.task_result and status.task_result.error == status.message


def test_exit_code_decides_the_phase(run) -> None:
    status = run(lambda p: run_to_end(p, make_pod("fail", ["sh", "-c", "exit 3"])))
    main = status.container("main")
    assert status.phase is PodPhase.FAILED
    assert main and (main.exit_code, main.reason) == (3, "Error")
    assert status.task_result and status.task_result.exit_code == 3


def test_a_missing_command_fails_the_pod(run) -> None:
    status = run(lambda p: run_to_end(p, make_pod("nocmd", ["no-such-command-xyz"])))
    assert status.phase is PodPhase.FAILED
    assert status.container("main").exit_code != 0


def test_args_alone_are_the_command_and_env_is_set(run) -> None:
    pod = make_pod("envs", containers=[{
        "name": "main", "image": "x", "args": ["sh", "-c", "echo $HOSTNAME $(hostname) $MY $POD $HOME $(pwd)"],
        "workingDir": "/work/dir",
        "env": [{"name": "MY", "value": "v-$(HOSTNAME)"},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
    }])
    status = run(lambda p: run_to_end(p, pod))
    assert status.task_result and status.task_result.result == "envs envs v-envs argo /root /work/dir"


def test_cowsay_runs_from_usr_games(run) -> None:
    if not Path("/usr/games/cowsay").exists():
        pytest.skip("cowsay is not installed")
    status = run(lambda p: run_to_end(p, make_pod("whale", ["cowsay", "hello world"])))
    assert status.phase is PodPhase.SUCCEEDED
    assert "hello world" in (status.task_result.result or "")


def test_init_containers_run_in_order_before_main_sharing_an_empty_dir(run) -> None:
    mount = [{"name": "shared", "mountPath": "/shared"}]
    pod = make_pod("inits", containers=[
        {"name": "main", "image": "x", "command": ["sh", "-c", "echo main >> /shared/order; cat /shared/order"],
         "volumeMounts": mount},
    ], initContainers=[
        {"name": "first", "image": "x", "command": ["sh", "-c", "sleep 0.2; echo first >> /shared/order"], "volumeMounts": mount},
        {"name": "second", "image": "x", "command": ["sh", "-c", "echo second >> /shared/order"], "volumeMounts": mount},
    ], volumes=[{"name": "shared", "emptyDir": {}}])
    status = run(lambda p: run_to_end(p, pod))
    assert status.task_result and status.task_result.result == "first\nsecond\nmain"
    assert [c.reason for c in status.containers] == ["Completed"] * 3


def test_a_failing_init_container_fails_the_pod_before_main(run, home: Path) -> None:
    pod = make_pod("badinit", ["sh", "-c", "echo ran > /tmp/ran"],
                   initContainers=[{"name": "init", "image": "x", "command": ["sh", "-c", "exit 4"]}])
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.FAILED
    assert (status.reason, status.message) == ("Init:Error", "init container 'init' failed with exit code 4")
    assert status.container("main") is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sidecar_is_reachable_over_localhost_and_stopped_after_main(run, home: Path) -> None:
    port = _free_port()
    client = (
        "import time, urllib.request\n"
        "for _ in range(100):\n"
        "    try:\n"
        f"        print(urllib.request.urlopen('http://127.0.0.1:{port}/').status); break\n"
        "    except OSError: time.sleep(0.05)\n"
    )
    pod = make_pod("side", containers=[
        {"name": "main", "image": "x", "command": ["python3", "-c", client]},
        {"name": "web", "image": "x", "command": ["python3", "-m", "http.server", "--bind", "127.0.0.1", str(port)]},
    ])
    started = time.monotonic()
    status = run(lambda p: run_to_end(p, pod))
    assert status.task_result and status.task_result.result == "200"
    assert status.phase is PodPhase.SUCCEEDED
    assert status.container("web").finished_at is not None
    assert time.monotonic() - started < 10
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # the sidecar is gone


def test_deadline_kills_the_whole_pod_with_the_right_reason(run) -> None:
    pod = make_pod("late", ["sh", "-c", "sleep 600 & sleep 600"], activeDeadlineSeconds=1,
                   terminationGracePeriodSeconds=0)
    started = time.monotonic()
    status = run(lambda p: run_to_end(p, pod))
    assert time.monotonic() - started < 3
    assert (status.phase, status.reason) == (PodPhase.FAILED, "DeadlineExceeded")
    assert status.message == "Pod was active on the node longer than the specified deadline"
    assert status.container("main").reason == "DeadlineExceeded"


def test_memory_over_the_limit_is_oom_killed(run, home: Path) -> None:
    probe = ProcessProvider(home)
    if probe.config.cgroups is None or "memory" not in probe.config.cgroups.bases:
        pytest.skip("cgroup v1 memory controller not writable here")
    pod = make_pod("oom", containers=[{
        "name": "main", "image": "x", "command": ["python3", "-c", "x = bytearray(64 * 1024 * 1024); print(len(x))"],
        "resources": {"limits": {"memory": "16Mi"}},
    }])
    status = run(lambda p: run_to_end(p, pod))
    main = status.container("main")
    assert status.phase is PodPhase.FAILED
    assert main and (main.reason, main.exit_code) == ("OOMKilled", 137)
    assert not list((probe.config.cgroups.bases["memory"]).glob("argo_oom*"))  # groups removed


def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period(run) -> None:
    pod = make_pod("stubborn", ["sh", "-c", "trap '' TERM; sleep 600 & wait"], activeDeadlineSeconds=1,
                   terminationGracePeriodSeconds=1)
    started = time.monotonic()
    status = run(lambda p: run_to_end(p, pod))
    assert 1.9 < time.monotonic() - started < 5
    assert status.reason == "DeadlineExceeded" and status.container("main").exit_code == 137


def test_unresolved_secret_env_fails_the_pod_with_a_clear_message(run) -> None:
    pod = make_pod("secret", containers=[{"name": "main", "image": "x", "command": ["true"], "env": [
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}])
    status = run(lambda p: run_to_end(p, pod))
    assert status.phase is PodPhase.FAILED
    assert "env TOKEN refers to a Secret/ConfigMap" in status.message


def test_inlined_config_map_and_claim_volumes_are_mounted(run, home: Path) -> None:
    pod = make_pod("vols", containers=[{"name": "main", "image": "x", "command": [
        "sh", "-c", "cat /cfg/app.conf; echo saved > /data/out; echo nope > /cfg/x 2>/dev/null || echo read-only"],
        "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"}, {"name": "data", "mountPath": "/data"}]}],
        volumes=[{"name": "cfg", "configMap": {"name": "app"}},
                 {"name": "data", "persistentVolumeClaim": {"claimName": "dataset"}}])
    pod.metadata.annotations["podfleet.io/volume-data"] = '{"cfg": {"app.conf": "key=value"}}'
    status = run(lambda p: run_to_end(p, pod))
    assert status.task_result.result == "key=valueread-only"
    assert (home / "volumes/argo/dataset/out").read_text() == "saved\n"
