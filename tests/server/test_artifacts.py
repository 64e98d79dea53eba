"""argo-server's artifact download paths on a real `podfleet server`: what a browser, `curl`
and Argo's UI links get back for a workflow's output and input artifacts."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.server.conftest import Server, start_server, stop_server, wait_phase

MAKE = """\
mkdir -p /tmp/d/sub /tmp/site
echo "hello file" > /tmp/f.txt
echo a > /tmp/d/a.txt
echo b > /tmp/d/sub/b.txt
echo '<h1>report</h1>' > /tmp/site/index.html
echo raw > /tmp/raw.txt
head -c 3000000 /dev/urandom > /tmp/big.bin
sha256sum /tmp/big.bin | cut -d' ' -f1 > /tmp/big.sha
"""


def artifact_workflow(name: str) -> dict[str, Any]:
    out = [{"name": "file", "path": "/tmp/f.txt"}, {"name": "dir", "path": "/tmp/d"},
           {"name": "site", "path": "/tmp/site"}, {"name": "big", "path": "/tmp/big.bin"},
           {"name": "raw", "path": "/tmp/raw.txt", "archive": {"none": {}}},
           {"name": "zipped", "path": "/tmp/d", "archive": {"zip": {}}}]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": name},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "steps": [
                    [{"name": "make", "template": "make"}],
                    [{"name": "use", "template": "use", "arguments": {"artifacts": [
                        {"name": "in", "from": "{{steps.make.outputs.artifacts.file}}"}]}}]]},
                {"name": "make", "script": {"image": "alpine", "command": ["sh"], "source": MAKE},
                 "outputs": {"artifacts": out, "parameters": [{"name": "sha", "valueFrom": {"path": "/tmp/big.sha"}}]}},
                {"name": "use", "inputs": {"artifacts": [{"name": "in", "path": "/tmp/in.txt"}]},
                 "container": {"image": "alpine", "command": ["cat", "/tmp/in.txt"]}}]}}


def run_workflow(client: httpx.Client, ns: str, name: str) -> dict[str, Any]:
    created = client.post(f"/api/v1/workflows/{ns}", json={"workflow": artifact_workflow(name)})
    assert created.status_code == 200, created.text
    wf = wait_phase(client, ns, name)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    return wf


def node_id(wf: dict[str, Any], step: str) -> str:
    return next(n["id"] for n in wf["status"]["nodes"].values() if n.get("displayName") == step)


@pytest.fixture(scope="module")
def done(server: Server) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client, run_workflow(client, "default", "arts")


def files_url(wf: dict[str, Any], step: str, name: str, direction: str = "outputs") -> str:
    return f"/artifact-files/default/workflows/{wf['metadata']['name']}/{node_id(wf, step)}/{direction}/{name}"


def test_legacy_path_answers_the_tgz_as_stored(done: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, wf = done
    resp = client.get(f"/artifacts/default/arts/{node_id(wf, 'make')}/file")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"] == 'filename="file.tgz"'
    assert resp.headers["content-type"] == "application/gzip"
    assert resp.headers["x-frame-options"] == "SAMEORIGIN" and "sandbox" in resp.headers["content-security-policy"]
    with tarfile.open(fileobj=io.BytesIO(resp.content), mode="r:gz") as tar:
        member = tar.extractfile("f.txt")
        assert member is not None and member.read() == b"hello file\n"
    # The input side of the consuming step names the same stored object.
    got = client.get(f"/input-artifacts/default/arts/{node_id(wf, 'use')}/in")
    assert got.status_code == 200 and got.content == resp.content


def test_artifact_files_unpacks_a_single_file(done: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, wf = done
    resp = client.get(files_url(wf, "make", "file"))
    assert resp.status_code == 200, resp.text
    assert resp.content == b"hello file\n"
    assert resp.headers["content-disposition"] == 'filename="f.txt"'
    assert resp.headers["content-type"].startswith("text/plain")
    inputs = client.get(files_url(wf, "use", "in", "inputs"))
    assert inputs.status_code == 200 and inputs.content == b"hello file\n"
    # `archive: none` artifacts are the file itself on both paths.
    for path in (files_url(wf, "make", "raw"), f"/artifacts/default/arts/{node_id(wf, 'make')}/raw"):
        raw = client.get(path)
        assert raw.content == b"raw\n" and raw.headers["content-disposition"] == 'filename="raw.txt"'


def test_a_large_file_arrives_whole_in_chunks(done: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, wf = done
    make = next(n for n in wf["status"]["nodes"].values() if n.get("displayName") == "make")
    expected = next(p["value"] for p in make["outputs"]["parameters"] if p["name"] == "sha").strip()
    digest, size, chunks = hashlib.sha256(), 0, 0
    with client.stream("GET", files_url(wf, "make", "big")) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-length"] == "3000000"
        assert resp.headers["content-type"] == "application/octet-stream"
        for chunk in resp.iter_raw():
            digest.update(chunk)
            size += len(chunk)
            chunks += 1
    assert (size, digest.hexdigest()) == (3_000_000, expected)
    assert chunks > 1


def test_a_directory_redirects_lists_and_serves_its_files(done: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, wf = done
    url = files_url(wf, "make", "dir")
    moved = client.get(url)
    assert moved.status_code == 307 and moved.headers["location"] == url + "/"
    page = client.get(url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<a href="./a.txt">a.txt</a>' in page.text and '<a href="./sub/">sub/</a>' in page.text
    assert '<a href="..">..</a>' in page.text
    # Follow the page's own links, as a browser would.
    sub = client.get(httpx.URL(url + "/").join("./sub/"))
    assert '<a href="./b.txt">b.txt</a>' in sub.text
    leaf = client.get(httpx.URL(url + "/sub/").join("./b.txt"))
    assert leaf.status_code == 200 and leaf.content == b"b\n"
    assert leaf.headers["content-disposition"] == 'filename="b.txt"'
    # A zipped directory is browsed the same way.
    zipped = files_url(wf, "make", "zipped")
    assert '<a href="./sub/">sub/</a>' in client.get(zipped + "/").text
    assert client.get(zipped + "/sub/b.txt").content == b"b\n"
    assert client.get(f"/artifacts/default/arts/{node_id(wf, 'make')}/zipped").headers["content-type"] == \
        "application/zip"
    # A directory holding index.html opens it, as argo-server does for reports.
    site = client.get(files_url(wf, "make", "site") + "/")
    assert site.status_code == 307 and site.headers["location"].endswith("/outputs/site/index.html")
    report = client.get(site.headers["location"])
    assert report.text == "<h1>report</h1>\n" and report.headers["content-type"].startswith("text/html")


def test_unknown_workflow_node_artifact_or_file_is_404_json(done: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, wf = done
    make = node_id(wf, "make")
    cases = {
        "/artifacts/default/ghost/x/file": 'workflows.argoproj.io "ghost" not found',
        f"/artifacts/default/arts/{make}-nope/file": 'has no node or step named',
        f"/artifacts/default/arts/{make}/nope": 'has no output artifact "nope" (it has: file, dir, site, big, raw, zipped)',
        f"/input-artifacts/default/arts/{make}/file": 'has no input artifact "file"',
        files_url(wf, "make", "dir") + "/sub/missing.txt": 'has no file or directory "sub/missing.txt"',
        f"/artifact-files/default/archived-workflows/some-uid/{make}/outputs/file": "workflow not yet archived",
        f"/artifacts-by-uid/some-uid/{make}/file": "workflow not yet archived",
        f"/input-artifacts-by-uid/some-uid/{make}/file": "workflow not yet archived",
    }
    for path, message in cases.items():
        resp = client.get(path)
        assert resp.status_code == 404, path
        body = resp.json()
        assert body["code"] == 5 and message in body["message"] and body["details"] == [], (path, body)


def test_bad_direction_kind_or_escaping_path_is_400(done: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, wf = done
    make = node_id(wf, "make")
    for path, message in (
        (f"/artifact-files/default/workflows/arts/{make}/sideways/file", "must be outputs or inputs"),
        (f"/artifact-files/default/cronworkflows/arts/{make}/outputs/file", "must be workflows or archived"),
        (files_url(wf, "make", "dir") + "/%2e%2e/%2e%2e/secret", "must stay inside the artifact"),
    ):
        resp = client.get(path)
        assert resp.status_code == 400, (path, resp.text)
        assert resp.json()["code"] == 3 and message in resp.json()["message"]


def test_artifact_paths_are_in_the_openapi_document(server: Server) -> None:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    for path in ("/artifacts/{namespace}/{name}/{nodeId}/{artifactName}",
                 "/input-artifacts/{namespace}/{name}/{nodeId}/{artifactName}",
                 "/artifact-files/{namespace}/{kind}/{name}/{nodeId}/{direction}/{artifactName}",
                 "/artifact-files/{namespace}/{kind}/{name}/{nodeId}/{direction}/{artifactName}/{filePath}"):
        assert "get" in paths[path], path


# -- auth: the same tokens and answers as the API ------------------------------------------

@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str, dict[str, Any]]]:
    srv = start_server(tmp_path_factory.mktemp("artauth") / "home", "--auth-mode", "client")
    try:
        tokens = [srv.podfleet("auth", "token", "create", f"ci-{ns}", "--namespace", ns) for ns in ("team-a", "team-b")]
        assert all(t.returncode == 0 for t in tokens), [t.stderr for t in tokens]
        token_a, token_b = (t.stdout.strip() for t in tokens)
        with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {token_a}"}, timeout=30) as client:
            wf = run_workflow(client, "team-a", "secret-arts")
        yield srv, token_a, token_b, wf
    finally:
        stop_server(srv)


def test_tokens_limit_artifact_downloads_to_their_namespaces(secured: tuple[Server, str, str, dict]) -> None:
    srv, token_a, token_b, wf = secured
    make = node_id(wf, "make")
    paths = [f"/artifacts/team-a/secret-arts/{make}/file",
             f"/artifact-files/team-a/workflows/secret-arts/{make}/outputs/file",
             f"/artifact-files/team-a/workflows/secret-arts/{make}/outputs/dir/a.txt"]
    for path in paths:
        ok = httpx.get(srv.url + path, headers={"Authorization": f"Bearer {token_a}"})
        assert ok.status_code == 200, ok.text
        # argo-server's UI sends the token as a cookie for artifact links.
        assert httpx.get(srv.url + path, cookies={"authorization": f"Bearer {token_a}"}).status_code == 200
        other = httpx.get(srv.url + path, headers={"Authorization": f"Bearer {token_b}"})
        assert other.status_code == 403 and other.json()["code"] == 7
        for headers in ({}, {"Authorization": "Bearer pft_wrong"}):
            denied = httpx.get(srv.url + path, headers=headers)
            assert denied.status_code == 401 and denied.json()["code"] == 16
            assert b"hello" not in denied.content
    # Asking for what does not exist in another namespace reveals nothing either.
    ghost = httpx.get(f"{srv.url}/artifacts/team-a/ghost/x/y", headers={"Authorization": f"Bearer {token_b}"})
    assert ghost.status_code == 403


# -- an S3 repository (moto on loopback) -----------------------------------------------------

def test_an_s3_repository_is_read_through_the_same_paths(server: Server, tmp_path: Path) -> None:
    pytest.importorskip("moto")
    from moto.server import ThreadedMotoServer

    from tests.artifacts.harness import ACCESS_KEY, SECRET_KEY, S3Server, free_port

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        s3 = S3Server(f"http://127.0.0.1:{port}", port)
        bucket = s3.bucket("served-artifacts")
        repo = (f"s3:\n  endpoint: {s3.endpoint}\n  bucket: {bucket}\n  insecure: true\n"
                "  accessKeySecret: {name: s3-creds, key: accessKey}\n"
                "  secretKeySecret: {name: s3-creds, key: secretKey}\n")
        objects = [
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "artifact-repositories", "namespace": "s3team",
                          "annotations": {"workflows.argoproj.io/default-artifact-repository": "default-v1"}},
             "data": {"default-v1": repo}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s3-creds", "namespace": "s3team"},
             "stringData": {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}},
        ]
        manifest = tmp_path / "repo.yaml"
        manifest.write_text(yaml.safe_dump_all(objects))
        applied = server.podfleet("apply", "-f", str(manifest))
        assert applied.returncode == 0, applied.stderr
        with httpx.Client(base_url=server.url, timeout=30) as client:
            wf = run_workflow(client, "s3team", "s3-arts")
            make = node_id(wf, "make")
            assert any(k.endswith("/file.tgz") for k in s3.keys(bucket))
            base = f"/artifact-files/s3team/workflows/s3-arts/{make}/outputs"
            assert client.get(f"{base}/file").content == b"hello file\n"
            assert '<a href="./sub/">sub/</a>' in client.get(f"{base}/dir/").text
            assert client.get(f"{base}/dir/sub/b.txt").content == b"b\n"
            raw = client.get(f"/artifacts/s3team/s3-arts/{make}/raw")
            assert raw.status_code == 200 and raw.content == b"raw\n"
            gone = client.get(f"{base}/nope")
            assert gone.status_code == 404 and "nope" in gone.json()["message"]
            # The credentials never appear in an answer.
            assert SECRET_KEY not in client.get("/api/v1/workflows/s3team/s3-arts").text
    finally:
        moto.stop()
