"""collect_outputs/stage_inputs against a plain folder standing in for a pod's filesystem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import InvalidError, NotFoundError
from podfleet.executor import MAX_RESULT_BYTES, SCRIPT_PATH, collect_outputs, read_result, stage_inputs
from podfleet.providers.process.hostfs import HostMount, RootedFilesystem


@pytest.fixture
def fs(tmp_path: Path) -> RootedFilesystem:
    (tmp_path / "root").mkdir()
    (tmp_path / "vol").mkdir()
    return RootedFilesystem(tmp_path / "root", [HostMount("/work", tmp_path / "vol")])


@pytest.fixture
def repo(tmp_path: Path) -> LocalArtifactRepository:
    return LocalArtifactRepository(tmp_path / "artifacts")


def test_result_drops_exactly_one_trailing_newline(tmp_path: Path) -> None:
    out = tmp_path / "stdout"
    out.write_bytes(b"hello\n\n")
    assert read_result(out) == "hello\n"
    out.write_bytes(b"hello")
    assert read_result(out) == "hello"


def test_result_keeps_only_the_last_256_kib(tmp_path: Path) -> None:
    out = tmp_path / "stdout"
    out.write_bytes(b"a" * 1000 + b"b" * MAX_RESULT_BYTES + b"\n")
    result = read_result(out)
    assert len(result) == MAX_RESULT_BYTES and set(result) == {"b"}


def test_output_parameters_are_read_trimmed_with_defaults(fs: RootedFilesystem, tmp_path: Path) -> None:
    fs.write_file("/tmp/a.txt", b"one\n\n")
    fs.write_file("/work/b.txt", b"two")
    template = {"outputs": {"parameters": [
        {"name": "a", "valueFrom": {"path": "/tmp/a.txt"}},
        {"name": "b", "valueFrom": {"path": "/work/b.txt"}},
        {"name": "c", "valueFrom": {"path": "/tmp/missing", "default": 7}},
        {"name": "d", "valueFrom": {"expression": "x"}},
    ]}}
    result = collect_outputs(template, fs, None, exit_code=0)
    assert result.parameters == {"a": "one\n", "b": "two", "c": "7"}
    assert (tmp_path / "vol" / "b.txt").exists()
    assert result.error is None


def test_missing_output_parameter_without_default_is_an_error(fs: RootedFilesystem) -> None:
    template = {"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/nope.txt"}}]}}
    result = collect_outputs(template, fs, None, exit_code=0)
    assert result.error == "failed to get output parameter 'p': open /tmp/nope.txt: no such file or directory"


def test_output_artifacts_round_trip_file_and_dir(fs: RootedFilesystem, repo: LocalArtifactRepository,
                                                   tmp_path: Path) -> None:
    fs.write_file("/tmp/hello.txt", b"hello world")
    fs.write_file("/tmp/dir/sub/x.txt", b"x")
    fs.write_file("/tmp/dir/y.txt", b"y")
    template = {"outputs": {"artifacts": [
        {"name": "file", "path": "/tmp/hello.txt", "globalName": "g"},
        {"name": "dir", "path": "/tmp/dir"},
        {"name": "raw", "path": "/tmp/hello.txt", "archive": {"none": {}}},
        {"name": "maybe", "path": "/tmp/none", "optional": True},
    ]}}
    result = collect_outputs(template, fs, None, exit_code=0, repository=repo, workflow_name="wf", pod_name="wf-1")
    assert result.error is None
    assert result.artifacts == [
        {"name": "file", "path": "/tmp/hello.txt", "globalName": "g", "local": {"key": "wf/wf-1/file.tgz"}},
        {"name": "dir", "path": "/tmp/dir", "local": {"key": "wf/wf-1/dir.tgz"}},
        {"name": "raw", "path": "/tmp/hello.txt", "archive": {"none": {}}, "local": {"key": "wf/wf-1/hello.txt"}},
    ]
    (tmp_path / "root2").mkdir()
    target = RootedFilesystem(tmp_path / "root2", [])
    inputs = {"inputs": {"artifacts": [
        {"name": "f", "path": "/in/f.txt", "local": {"key": "wf/wf-1/file.tgz"}},
        {"name": "d", "path": "/in/d", "local": {"key": "wf/wf-1/dir.tgz"}},
        {"name": "r", "path": "/in/r.txt", "local": {"key": "wf/wf-1/hello.txt"}},
    ]}}
    stage_inputs(inputs, target, repo)
    assert target.read_file("/in/f.txt") == b"hello world"
    assert target.read_file("/in/d/sub/x.txt") == b"x"
    assert target.read_file("/in/d/y.txt") == b"y"
    assert target.read_file("/in/r.txt") == b"hello world"


def test_missing_non_optional_output_artifact_is_an_error(fs: RootedFilesystem, repo: LocalArtifactRepository) -> None:
    template = {"outputs": {"artifacts": [{"name": "a", "path": "/tmp/gone"}]}}
    result = collect_outputs(template, fs, None, exit_code=0, repository=repo, workflow_name="w", pod_name="p")
    assert result.error == "failed to save output artifact 'a': path /tmp/gone does not exist"


def test_script_and_raw_artifacts_are_staged(fs: RootedFilesystem) -> None:
    template = {"script": {"source": "print(1)"},
                "inputs": {"artifacts": [{"name": "r", "path": "/work/raw.txt", "raw": {"data": "inline"}}]}}
    stage_inputs(template, fs)
    assert fs.read_file(SCRIPT_PATH) == b"print(1)"
    assert fs.read_file("/work/raw.txt") == b"inline"


def test_missing_inputs_fail_unless_optional(fs: RootedFilesystem, repo: LocalArtifactRepository) -> None:
    with pytest.raises(InvalidError, match="required artifact 'a' not supplied"):
        stage_inputs({"inputs": {"artifacts": [{"name": "a", "path": "/x"}]}}, fs, repo)
    with pytest.raises(NotFoundError, match="failed to load input artifact 'b'"):
        stage_inputs({"inputs": {"artifacts": [{"name": "b", "path": "/x", "local": {"key": "no/such.tgz"}}]}}, fs, repo)
    stage_inputs({"inputs": {"artifacts": [
        {"name": "c", "path": "/x", "optional": True},
        {"name": "d", "path": "/y", "optional": True, "s3": {"key": "no/such.tgz"}},
    ]}}, fs, repo)
    assert not fs.exists("/x") and not fs.exists("/y")


def test_symlinks_resolve_inside_the_container_root(fs: RootedFilesystem, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("host secret")
    (tmp_path / "root" / "tmp").mkdir()
    (tmp_path / "root" / "tmp" / "out").symlink_to(tmp_path / "secret")
    (tmp_path / "root" / "tmp" / "up").symlink_to("../../../../../../secret")
    template = {"outputs": {"parameters": [
        {"name": "abs", "valueFrom": {"path": "/tmp/out"}},
        {"name": "rel", "valueFrom": {"path": "/tmp/up"}},
    ]}}
    result = collect_outputs(template, fs, None)
    assert "abs" not in result.parameters and "rel" not in result.parameters
    assert "host secret" not in json.dumps(result.parameters)
