"""`podfleet artifacts get|list`, Argo's repository blocks, and zip safety."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.artifacts.harness import Engine, S3Server, oss_objects, seed_artifact_passing

from podfleet.artifacts.archive import unpack_zip
from podfleet.artifacts.config import Secrets, s3_settings
from podfleet.cli.artifacts_cmd import artifacts
from podfleet.errors import InvalidError


@pytest.mark.parametrize("with_oss", [False, True])
def test_artifacts_get_unpacks_and_list_shows_keys(engine: Engine, s3: S3Server, tmp_path: Path,
                                                   with_oss: bool) -> None:
    objects = oss_objects(s3.endpoint, s3.bucket("cli-bucket")) if with_oss else []
    wf = engine.run(seed_artifact_passing(), objects)
    name = wf["metadata"]["name"]
    runner = CliRunner()
    listed = runner.invoke(artifacts, ["list", name])
    assert listed.exit_code == 0, listed.output
    assert "generate-artifact" in listed.output and "hello-art" in listed.output
    assert ("oss" if with_oss else "local") in listed.output and f"{name}/" in listed.output
    out = tmp_path / "hello.txt"
    got = runner.invoke(artifacts, ["get", name, "generate-artifact", "hello-art", "-o", str(out)])
    assert got.exit_code == 0, got.output
    assert "hello world" in out.read_text()  # unpacked from the tgz, not the archive itself
    missing = runner.invoke(artifacts, ["get", name, "generate-artifact", "nope"])
    assert missing.exit_code != 0 and 'no output artifact "nope"' in str(missing.exception)


def test_oss_block_maps_to_s3_settings_with_region_and_virtual_hosting() -> None:
    secrets = Secrets({"creds": {"accessKey": "ak", "secretKey": "sk"}})
    block = {"endpoint": "http://oss-cn-zhangjiakou-internal.aliyuncs.com", "bucket": "b",
             "accessKeySecret": {"name": "creds", "key": "accessKey"},
             "secretKeySecret": {"name": "creds", "key": "secretKey"}}
    settings = s3_settings("oss", block, secrets)
    assert (settings.region, settings.addressing, settings.kind) == ("cn-zhangjiakou", "virtual", "oss")
    assert settings.access_key == "ak" and "sk" not in repr(settings)


def test_a_missing_secret_key_is_named_without_values() -> None:
    block = {"bucket": "b", "accessKeySecret": {"name": "creds", "key": "accessKey"}}
    with pytest.raises(InvalidError, match="key 'accessKey' of secret 'creds' not found"):
        s3_settings("s3", block, Secrets({"creds": {"other": "value"}}))


def test_zip_with_parent_entries_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.txt", "pwned")
    with pytest.raises(InvalidError, match="refusing to unpack"):
        unpack_zip(archive, tmp_path / "out" / "x")
    assert not (tmp_path / "escape.txt").exists()
