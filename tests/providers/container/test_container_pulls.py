"""Image pulls: one pull for many pods, pull policies, failures named as Kubernetes names them."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import docker
from helpers import make_pod, run_to_end

from podfleet.providers.container.pulls import auth_for, parse_image, pull_policy
from podfleet.providers.contract import PodPhase
from podfleet.resources.pod import Container

PULL_ME = "podfleet-test/pull-me:1"


def _forget(engine: Any, image: str) -> None:
    client = docker.APIClient(base_url=engine.url)
    for name in (image, f"docker.io/{image}", f"127.0.0.1:5000/{image}"):
        try:
            client.remove_image(name, force=True)
        except docker.errors.APIError:
            pass


def test_twenty_concurrent_pods_of_one_uncached_image_pull_it_once(run, engine) -> None:
    _forget(engine, PULL_ME)

    async def body(p: Any) -> list[Any]:
        pods = [make_pod(f"many-{i}", ["true"], image=PULL_ME, template={"container": {}},
                         containers=[{"name": "main", "image": PULL_ME, "command": ["true"],
                                      "imagePullPolicy": "IfNotPresent"}]) for i in range(20)]
        statuses = await asyncio.gather(*(run_to_end(p, pod, timeout=120) for pod in pods))
        return [statuses, p.puller.pulls]

    statuses, pulls = run(body)
    assert [s.phase for s in statuses] == [PodPhase.SUCCEEDED] * 20
    assert pulls == 1


def test_if_not_present_does_not_pull_an_image_the_engine_has(run) -> None:
    async def body(p: Any) -> int:
        pod = make_pod("cached", containers=[{"name": "main", "image": "alpine:3.23", "command": ["true"],
                                              "imagePullPolicy": "IfNotPresent"}], template={"container": {}})
        await run_to_end(p, pod)
        return p.puller.pulls
    assert run(body) == 0


def test_an_image_that_does_not_exist_fails_the_pod_with_the_engine_reason(run) -> None:
    pod = make_pod("noimg", ["true"], image="podfleet-test/no-such-image:1", template={"container": {}})
    status = run(lambda p: run_to_end(p, pod))
    assert (status.phase, status.reason) == (PodPhase.FAILED, "ErrImagePull")
    assert status.message.startswith('failed to pull image "podfleet-test/no-such-image:1": ')
    assert len(status.message) > len('failed to pull image "podfleet-test/no-such-image:1": ')


def test_an_unreachable_registry_fails_the_pod_without_hanging(run) -> None:
    pod = make_pod("noreg", ["true"], image="127.0.0.1:9/nothing/here:1", template={"container": {}})
    status = run(lambda p: run_to_end(p, pod))
    assert (status.phase, status.reason) == (PodPhase.FAILED, "ErrImagePull")
    assert "127.0.0.1:9" in status.message


def test_never_policy_with_a_missing_image_fails_as_kubernetes_says(run, engine) -> None:
    _forget(engine, PULL_ME)
    pod = make_pod("never", containers=[{"name": "main", "image": PULL_ME, "command": ["true"],
                                         "imagePullPolicy": "Never"}], template={"container": {}})
    status = run(lambda p: run_to_end(p, pod))
    assert (status.phase, status.reason) == (PodPhase.FAILED, "ErrImageNeverPull")
    assert status.message == f'Container image "{PULL_ME}" is not present with pull policy of Never'


def test_a_bad_pull_secret_fails_the_pod_clearly(run) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "regcred", "namespace": "argo"},
              "type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": "{not json"}}

    async def lookup(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return secret if name == "regcred" else None

    pod = make_pod("badsecret", ["true"], template={"container": {}}, imagePullSecrets=[{"name": "regcred"}])
    status = run(lambda p: run_to_end(p, pod), lookup=lookup)
    assert (status.phase, status.reason) == (PodPhase.FAILED, "ErrImagePull")
    assert status.message == 'pull secret "regcred": .dockerconfigjson is not valid JSON'


def test_pull_policy_defaults_and_auth_matching() -> None:
    def policy(image: str, given: str | None = None) -> str:
        return pull_policy(Container.model_validate({"name": "c", "image": image, "imagePullPolicy": given}))
    assert [policy("alpine"), policy("alpine:latest"), policy("alpine:3.23"), policy("a@sha256:00"),
            policy("alpine", "IfNotPresent")] == ["Always", "Always", "IfNotPresent", "IfNotPresent", "IfNotPresent"]
    assert parse_image("registry.example:5000/team/app:v1").registry == "registry.example:5000"
    assert parse_image("alpine").repository == "library/alpine"
    configs = [{"auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpwdw=="}}}]
    assert auth_for("argoproj/argosay:v2", configs) == {"username": "user", "password": "pw"}
    assert auth_for("quay.io/x/y:1", configs) is None


def test_kit_registry_serves_the_images_under_their_docker_hub_names() -> None:
    out = subprocess.run(["curl", "-fsS", "http://127.0.0.1:5000/v2/argoproj/argosay/tags/list"],
                         capture_output=True, text=True, check=False)
    assert '"v2"' in out.stdout, "run scripts/test-images/setup.sh"
