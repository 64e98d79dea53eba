"""Input locations (http, git) and failures a user must understand: missing inputs, bad
credentials, a store that goes away mid-upload and comes back."""

from __future__ import annotations

import base64
import http.server
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.artifacts.harness import ACCESS_KEY, SECRET_KEY, Engine, S3Server, oss_objects, pod_node
from tests.loopback import TcpProxy

from podfleet.resources.dump import to_yaml

HTTP_INPUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: http-}
spec:
  entrypoint: use
  templates:
  - name: use
    inputs:
      artifacts:
      - name: page
        path: /tmp/page.txt
        http:
          url: %s
          headers: [{name: X-Token, value: tok-123}]
          auth:
            basicAuth:
              usernameSecret: {name: web, key: user}
              passwordSecret: {name: web, key: password}
    container: {image: alpine, command: [cat, /tmp/page.txt]}
"""


@pytest.fixture
def web() -> Iterator[str]:
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            ok = self.headers.get("Authorization") == expected and self.headers.get("X-Token") == "tok-123"
            body = b"served over http\n" if ok else b"denied\n"
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/file.txt"
    server.shutdown()


def test_http_input_with_headers_and_basic_auth(engine: Engine, web: str) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web"},
              "stringData": {"user": "alice", "password": "s3cret"}}
    wf = engine.run(HTTP_INPUT % web, [secret])
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert engine.log(wf, wf["metadata"]["name"]) == "served over http\n"


def test_http_input_refused_names_the_url_not_the_password(engine: Engine, web: str) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web"},
              "stringData": {"user": "alice", "password": "wrong-password"}}
    wf = engine.run(HTTP_INPUT % web, [secret])
    node = pod_node(wf, wf["metadata"]["name"])
    assert node["phase"] in ("Failed", "Error")
    assert "failed to load input artifact 'page'" in node["message"] and web in node["message"]
    assert "401" in node["message"] and "wrong-password" not in to_yaml(wf)


def test_git_input_at_a_revision(engine: Engine, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "VERSION").write_text("v1\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    first = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    (repo / "VERSION").write_text("v2\n")
    subprocess.run([*git, "commit", "-qam", "two"], check=True)
    wf = engine.run(f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{generateName: git-}}
spec:
  entrypoint: use
  templates:
  - name: use
    inputs:
      artifacts:
      - {{name: src, path: /src, git: {{repo: "file://{repo}", revision: "{first}"}}}}
    container: {{image: alpine, command: [cat, /src/VERSION]}}
""")
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert engine.log(wf, wf["metadata"]["name"]) == "v1\n"


def test_missing_non_optional_input_fails_the_node_clearly(engine: Engine) -> None:
    wf = engine.run("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: missing-}
spec:
  entrypoint: use
  templates:
  - name: use
    inputs:
      artifacts:
      - {name: data, path: /tmp/data, local: {key: nothing/here.tgz}}
    container: {image: alpine, command: [cat, /tmp/data]}
""")
    node = pod_node(wf, wf["metadata"]["name"])
    assert node["phase"] in ("Failed", "Error")
    assert "failed to load input artifact 'data'" in node["message"] and "nothing/here.tgz" in node["message"]


def test_wrong_credentials_name_the_bucket_not_the_secret(engine: Engine, s3: S3Server) -> None:
    from tests.artifacts.harness import seed_artifact_passing

    bucket = s3.bucket("locked-bucket")
    reset = f"{s3.endpoint}/moto-api/reset-auth"
    # From now on moto checks signatures: no access key is known, so every request is refused.
    _post(reset, b"0")
    try:
        wf = engine.run(seed_artifact_passing(), oss_objects(s3.endpoint, bucket))
    finally:
        _post(reset, b"inf")
    node = pod_node(wf, "generate-artifact")
    assert node["phase"] in ("Failed", "Error")
    assert "failed to save output artifact 'hello-art'" in node["message"]
    assert "locked-bucket" in node["message"] and "access denied" in node["message"]
    shown = to_yaml(wf)
    assert SECRET_KEY not in shown and ACCESS_KEY not in shown


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).read()


class FlakyProxy(TcpProxy):
    """A proxy to the S3 server that goes down once `budget` bytes have been uploaded
    through it, and comes back `down_for` seconds later: the store going away mid-upload."""

    def __init__(self, target_port: int, budget: int, down_for: float) -> None:
        self.budget, self.down_for = budget, down_for
        self.tripped = threading.Event()
        self._seen = 0
        self._count_lock = threading.Lock()
        super().__init__(target_port)

    def _passing(self, data: bytes, *, upload: bool) -> bool:
        if not upload or self.tripped.is_set():
            return True
        with self._count_lock:
            self._seen += len(data)
            if self._seen <= self.budget or self.tripped.is_set():
                return True
            self.tripped.set()
        self.stop()
        threading.Timer(self.down_for, self.start).start()
        return False

    def close(self) -> None:
        self.stop()


def test_store_stopped_mid_upload_errors_then_retry_recovers(engine: Engine, s3: S3Server) -> None:
    bucket = s3.bucket("flaky-bucket")
    proxy = FlakyProxy(s3.port, budget=6 * 1024 * 1024, down_for=5.0)
    try:
        wf = engine.run("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: flaky-}
spec:
  entrypoint: gen
  templates:
  - name: gen
    retryStrategy: {limit: 4, retryPolicy: Always, backoff: {duration: "3s"}}
    container: {image: alpine, command: [sh, -c, "head -c 24000000 /dev/urandom > /tmp/big.bin"]}
    outputs:
      artifacts:
      - {name: big, path: /tmp/big.bin, archive: {none: {}}}
""", oss_objects(f"http://127.0.0.1:{proxy.port}", bucket), timeout=120)
    finally:
        proxy.close()
    assert proxy.tripped.is_set()
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    attempts = sorted((n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"), key=lambda n: n["name"])
    first, last = attempts[0], attempts[-1]
    assert first["phase"] in ("Failed", "Error")
    assert "failed to save output artifact 'big'" in first["message"] and "flaky-bucket" in first["message"]
    assert last["phase"] == "Succeeded"
    assert last["outputs"]["artifacts"][0]["oss"]["key"] in s3.keys(bucket)
