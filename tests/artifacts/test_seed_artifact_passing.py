"""The seed's workflow-oss.yaml: OSS configured as the seed says (ConfigMap + Secret), and no configuration."""

from __future__ import annotations

import json
import stat

from tests.artifacts.harness import SECRET_KEY, Engine, S3Server, oss_objects, pod_node, seed_artifact_passing

from podfleet.resources.dump import to_yaml


def test_seed_artifact_passing_through_oss(engine: Engine, s3: S3Server) -> None:
    bucket = s3.bucket("seed-oss")
    wf = engine.run(seed_artifact_passing(), oss_objects(s3.endpoint, bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    name = wf["metadata"]["name"]
    produced = pod_node(wf, "generate-artifact")["outputs"]["artifacts"][0]
    # Key-only in the node, as Argo shows it; the repository is frozen in the workflow status.
    assert produced["oss"] == {"key": f"{name}/{produced['oss']['key'].split('/')[1]}/hello-art.tgz"}
    assert produced["oss"]["key"] in s3.keys(bucket)
    ref = wf["status"]["artifactRepositoryRef"]
    assert ref["configMap"] == "artifact-repositories" and ref["key"] == "default-v1"
    assert ref["artifactRepository"]["oss"]["bucket"] == bucket
    assert "hello world" in engine.log(wf, "consume-artifact")
    # The secret value is nowhere in what a user sees, and pod files are owner-only.
    assert SECRET_KEY not in to_yaml(wf)
    for pod_json in (engine.home / "pods").rglob("*.json"):
        if SECRET_KEY in pod_json.read_text():
            assert stat.S_IMODE(pod_json.stat().st_mode) == 0o600, pod_json
    for log in (engine.home / "logs").rglob("*.log"):
        assert SECRET_KEY not in log.read_text()


def test_seed_artifact_passing_with_no_configuration(engine: Engine) -> None:
    wf = engine.run(seed_artifact_passing())
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert wf["status"]["artifactRepositoryRef"] == {"default": True, "artifactRepository": {"local": {}}}
    key = pod_node(wf, "generate-artifact")["outputs"]["artifacts"][0]["local"]["key"]
    assert (engine.home / "artifacts" / key).is_file()
    consumed = pod_node(wf, "consume-artifact")["inputs"]["artifacts"][0]
    assert consumed["local"]["key"] == key and consumed["path"] == "/tmp/message"
    assert "hello world" in engine.log(wf, "consume-artifact")
    assert json.dumps(wf).count("podfleet.io/artifact-secrets") == 0
