"""Artifacts in workflows against a real S3-protocol server: archives, keys, repositories, GC."""

from __future__ import annotations

import io
import tarfile

from tests.artifacts.harness import Engine, S3Server, pod_node

from podfleet.controller.artifacts import gc_deleted


def s3_repository(endpoint: str, bucket: str, extra: str = "") -> list[dict]:
    repo = (f"s3:\n  endpoint: {endpoint.removeprefix('http://')}\n  insecure: true\n  bucket: {bucket}\n"
            "  accessKeySecret: {name: s3-creds, key: accessKey}\n"
            "  secretKeySecret: {name: s3-creds, key: secretKey}\n" + extra)
    return [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "artifact-repositories",
                      "annotations": {"workflows.argoproj.io/default-artifact-repository": "main"}},
         "data": {"main": repo, "second": repo.replace(f"bucket: {bucket}", f"bucket: {bucket}-second")}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s3-creds"},
         "stringData": {"accessKey": "AKIDPODFLEETTEST", "secretKey": "pOdFlEeT-SeCrEt-VaLuE-42"}},
    ]


FEATURES = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: features-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen}
    - - name: use
        template: use
        arguments:
          artifacts:
          - {name: plain, from: "{{steps.gen.outputs.artifacts.dir-none}}"}
          - {name: tarred, from: "{{steps.gen.outputs.artifacts.dir-tar}}"}
          - {name: zipped, from: "{{steps.gen.outputs.artifacts.file-zip}}"}
          - {name: keyed, from: "{{steps.gen.outputs.artifacts.keyed}}"}
          - {name: sub, from: "{{steps.gen.outputs.artifacts.dir-tar}}", subPath: inner}
  - name: gen
    script:
      image: python
      command: [sh]
      source: |
        mkdir -p /tmp/d/inner && echo one > /tmp/d/a.txt && echo two > /tmp/d/inner/b.txt
        echo zipped-content > /tmp/z.txt
        echo keyed-content > /tmp/k.txt
    outputs:
      artifacts:
      - {name: dir-none, path: /tmp/d, archive: {none: {}}}
      - {name: dir-tar, path: /tmp/d, archive: {tar: {compressionLevel: 0}}, globalName: exported}
      - {name: file-zip, path: /tmp/z.txt, archive: {zip: {}}}
      - {name: keyed, path: /tmp/k.txt, s3: {key: "fixed/{{workflow.name}}/k.txt"}}
      - {name: maybe, path: /tmp/missing, optional: true}
  - name: use
    inputs:
      artifacts:
      - {name: plain, path: /in/plain}
      - {name: tarred, path: /in/tarred}
      - {name: zipped, path: /in/zipped}
      - {name: keyed, path: /in/keyed, mode: 0755}
      - {name: sub, path: /in/sub}
      - {name: absent, path: /in/absent, optional: true}
    script:
      image: alpine
      command: [sh]
      source: |
        cat /in/plain/a.txt /in/plain/inner/b.txt /in/tarred/inner/b.txt /in/zipped /in/keyed /in/sub/b.txt
        test -x /in/keyed && echo keyed-is-executable
        test -e /in/absent || echo absent-skipped
"""


def test_archives_keys_optional_and_global_outputs(engine: Engine, s3: S3Server) -> None:
    bucket = s3.bucket("features")
    wf = engine.run(FEATURES, s3_repository(s3.endpoint, bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    name = wf["metadata"]["name"]
    gen = pod_node(wf, "gen")
    arts = {a["name"]: a for a in gen["outputs"]["artifacts"]}
    assert "maybe" not in arts  # optional and missing: left out, not an error
    prefix = arts["dir-tar"]["s3"]["key"].rsplit("/", 1)[0]
    assert prefix.startswith(f"{name}/")
    keys = s3.keys(bucket)
    # archive none: a directory becomes one object per file; tar → .tgz; zip → .zip; keyed keeps its key.
    assert f"{prefix}/d/a.txt" in keys and f"{prefix}/d/inner/b.txt" in keys
    assert f"{prefix}/dir-tar.tgz" in keys and f"{prefix}/file-zip.zip" in keys
    assert f"fixed/{name}/k.txt" in keys and arts["keyed"]["s3"] == {"key": f"fixed/{name}/k.txt"}
    log = engine.log(wf, "use")
    assert log.split() == ["one", "two", "two", "zipped-content", "keyed-content", "two",
                           "keyed-is-executable", "absent-skipped"]
    exported = wf["status"]["outputs"]["artifacts"]
    assert [a["name"] for a in exported] == ["exported"] and exported[0]["s3"]["key"] == f"{prefix}/dir-tar.tgz"


ONE_OUTPUT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: ref-}
spec:
  entrypoint: gen
  %s
  templates:
  - name: gen
    container: {image: alpine, command: [sh, -c, "echo data > /tmp/out.txt"]}
    outputs:
      artifacts:
      - {name: out, path: /tmp/out.txt}
"""


def test_artifact_repository_ref_picks_the_second_bucket_and_freezes_it(engine: Engine, s3: S3Server) -> None:
    bucket = s3.bucket("first")
    second = s3.bucket("first-second")
    wf = engine.run(ONE_OUTPUT % "artifactRepositoryRef: {key: second}", s3_repository(s3.endpoint, bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    ref = wf["status"]["artifactRepositoryRef"]
    assert ref["key"] == "second" and ref["artifactRepository"]["s3"]["bucket"] == second
    key = pod_node(wf, wf["metadata"]["name"])["outputs"]["artifacts"][0]["s3"]["key"]
    assert key in s3.keys(second) and key not in s3.keys(bucket)


def test_missing_config_map_named_by_ref_errors_the_workflow(engine: Engine) -> None:
    wf = engine.run(ONE_OUTPUT % "artifactRepositoryRef: {configMap: nowhere, key: x}")
    assert wf["status"]["phase"] == "Error"
    assert 'ConfigMap "nowhere" not found' in wf["status"]["message"]


def test_key_format_with_creation_timestamp_and_archive_logs(engine: Engine, s3: S3Server) -> None:
    bucket = s3.bucket("keyformat")
    extra = ("  keyFormat: \"runs/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/"
             "{{workflow.name}}/{{pod.name}}\"\n")
    wf = engine.run(ONE_OUTPUT % "archiveLogs: true", s3_repository(s3.endpoint, bucket, extra))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    year, month = wf["metadata"]["creationTimestamp"][:4], wf["metadata"]["creationTimestamp"][5:7]
    arts = {a["name"]: a for a in pod_node(wf, wf["metadata"]["name"])["outputs"]["artifacts"]}
    assert arts["out"]["s3"]["key"].startswith(f"runs/{year}/{month}/{wf['metadata']['name']}/")
    assert arts["main-logs"]["s3"]["key"].endswith("/main.log")
    assert arts["main-logs"]["s3"]["key"] in s3.keys(bucket)


GC = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: gc-}
spec:
  entrypoint: gen
  artifactGC: {strategy: OnWorkflowCompletion}
  templates:
  - name: gen
    container: {image: alpine, command: [sh, -c, "echo a > /tmp/a; echo b > /tmp/b; echo c > /tmp/c"]}
    outputs:
      artifacts:
      - {name: gone, path: /tmp/a}
      - {name: kept, path: /tmp/b, artifactGC: {strategy: Never}}
      - {name: later, path: /tmp/c, artifactGC: {strategy: OnWorkflowDeletion}}
"""


def test_artifact_gc_on_completion_never_and_on_deletion(engine: Engine, s3: S3Server) -> None:
    import asyncio

    from podfleet.store import open_store

    bucket = s3.bucket("gc-bucket")
    wf = engine.run(GC, s3_repository(s3.endpoint, bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    arts = {a["name"]: a["s3"]["key"] for a in pod_node(wf, wf["metadata"]["name"])["outputs"]["artifacts"]}
    keys = s3.keys(bucket)
    assert arts["gone"] not in keys and arts["kept"] in keys and arts["later"] in keys

    async def delete() -> list[str]:
        store = open_store(engine.home / "store.db")
        try:
            return await gc_deleted(store, wf, None)
        finally:
            await store.close()

    assert asyncio.run(delete()) == []
    keys = s3.keys(bucket)
    assert arts["kept"] in keys and arts["later"] not in keys


def test_a_malicious_tarball_in_the_repository_is_refused(engine: Engine, s3: S3Server) -> None:
    bucket = s3.bucket("evil")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"pwned"))
    s3.client().put_object(Bucket=bucket, Key="evil/payload.tgz", Body=buf.getvalue())
    wf = engine.run("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: evil-}
spec:
  entrypoint: use
  templates:
  - name: use
    inputs:
      artifacts:
      - {name: payload, path: /tmp/payload, s3: {key: evil/payload.tgz}}
    container: {image: alpine, command: [cat, /tmp/payload]}
""", s3_repository(s3.endpoint, bucket))
    node = pod_node(wf, wf["metadata"]["name"])
    assert node["phase"] in ("Failed", "Error")
    assert "failed to load input artifact 'payload'" in node["message"]
    assert "refusing to unpack" in node["message"] and "../../escaped.txt" in node["message"]
    assert not list(engine.home.rglob("escaped.txt"))
