"""`--auth-mode client`: Bearer tokens limited to namespaces, answered as argo-server answers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.conftest import Server, hello_workflow, start_server, stop_server


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    home = tmp_path_factory.mktemp("auth") / "home"
    home.mkdir(parents=True)
    srv = start_server(home, "--auth-mode", "client", "--access-log")
    team_a = srv.podfleet("auth", "token", "create", "ci-a", "--namespace", "team-a")
    team_b = srv.podfleet("auth", "token", "create", "ci-b", "--namespace", "team-b")
    assert team_a.returncode == 0 and team_b.returncode == 0, team_a.stderr + team_b.stderr
    yield srv, team_a.stdout.strip(), team_b.stdout.strip()
    stop_server(srv)


def test_token_for_its_namespace_works_with_or_without_bearer(secured: tuple[Server, str, str]) -> None:
    srv, token_a, _ = secured
    for header in (f"Bearer {token_a}", token_a):
        resp = httpx.post(f"{srv.url}/api/v1/workflows/team-a", json={"workflow": hello_workflow()},
                          headers={"Authorization": header})
        assert resp.status_code == 200, resp.text
        assert resp.json()["metadata"]["labels"]["workflows.argoproj.io/creator"] == "ci-a"
    listed = httpx.get(f"{srv.url}/api/v1/workflows/team-a", headers={"Authorization": f"Bearer {token_a}"})
    assert len(listed.json()["items"]) == 2


@pytest.mark.parametrize("header", [None, "Bearer pft_not-a-real-token", "Bearer", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_token_is_401_revealing_nothing(secured: tuple[Server, str, str], header: str | None) -> None:
    srv, _, _ = secured
    headers = {"Authorization": header} if header is not None else {}
    for method, path in (("GET", "/api/v1/workflows/team-a"), ("GET", "/api/v1/workflows/team-a/anything"),
                         ("GET", "/api/v1/workflows/nowhere/ghost"), ("DELETE", "/api/v1/workflows/team-a/x"),
                         ("GET", "/api/v1/userinfo")):
        resp = httpx.request(method, srv.url + path, headers=headers)
        assert resp.status_code == 401
        assert resp.json()["code"] == 16
        assert "Grpc-Metadata-Argo-Version" not in resp.headers
    # Same answer whether or not the object exists: nothing is revealed.
    exists = httpx.get(f"{srv.url}/api/v1/workflows/team-a", headers=headers).json()
    absent = httpx.get(f"{srv.url}/api/v1/workflows/nowhere/ghost", headers=headers).json()
    assert exists == absent


def test_token_of_another_namespace_is_403(secured: tuple[Server, str, str]) -> None:
    srv, token_a, token_b = secured
    headers = {"Authorization": f"Bearer {token_b}"}
    for method, path in (("GET", "/api/v1/workflows/team-a"), ("GET", "/api/v1/workflows/team-a/ghost"),
                         ("POST", "/api/v1/workflows/team-a"), ("GET", "/api/v1/workflow-events/team-a"),
                         ("GET", "/api/v1/workflow-templates/team-a")):
        kwargs = {"json": {"workflow": hello_workflow()}} if method == "POST" else {}
        resp = httpx.request(method, srv.url + path, headers=headers, **kwargs)
        assert resp.status_code == 403, (path, resp.text)
        assert resp.json()["code"] == 7 and "ghost" not in resp.text
    # Writing cluster-scoped templates needs an all-namespaces token.
    cwt = {"template": {"metadata": {"name": "shared"}, "spec": {"entrypoint": "m", "templates": [
        {"name": "m", "container": {"image": "alpine", "command": ["true"]}}]}}}
    assert httpx.post(f"{srv.url}/api/v1/cluster-workflow-templates", json=cwt, headers=headers).status_code == 403


def test_revoked_token_stops_working_and_tokens_are_never_logged(secured: tuple[Server, str, str]) -> None:
    srv, token_a, token_b = secured
    temp = srv.podfleet("auth", "token", "create", "temp", "-n", "team-a").stdout.strip()
    headers = {"Authorization": f"Bearer {temp}"}
    assert httpx.get(f"{srv.url}/api/v1/workflows/team-a", headers=headers).status_code == 200
    listing = srv.podfleet("auth", "token", "list")
    assert "temp" in listing.stdout and temp not in listing.stdout
    assert srv.podfleet("auth", "token", "delete", "temp").returncode == 0
    assert httpx.get(f"{srv.url}/api/v1/workflows/team-a", headers=headers).status_code == 401
    log = srv.logs()
    assert "GET /api/v1/workflows/team-a" in log  # the access log is on, and still holds no token
    for secret in (token_a, token_b, temp):
        assert secret not in log
        assert secret[4:] not in srv.home.joinpath("store.db").read_bytes().decode("latin-1")
