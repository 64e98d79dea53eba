"""Artifact archives: round trips, and unpacking never writing outside its target."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from podfleet.artifacts.archive import pack_tgz, unpack_tgz
from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.errors import InvalidError, NotFoundError


def _tar_with(tmp_path: Path, *members: tarfile.TarInfo) -> Path:
    path = tmp_path / "evil.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            data = b"pwned" if member.isfile() else None
            if data is not None:
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


@pytest.mark.parametrize("members", [
    [_member("../escape.txt")],
    [_member("/abs.txt")],
    [_member("d", tarfile.DIRTYPE), _member("d/link", tarfile.SYMTYPE, "/etc/passwd")],
    [_member("d", tarfile.DIRTYPE), _member("d/link", tarfile.SYMTYPE, "../../outside")],
    [_member("d", tarfile.DIRTYPE), _member("d/hard", tarfile.LNKTYPE, "../x")],
])
def test_malicious_tarballs_are_refused(tmp_path: Path, members: list[tarfile.TarInfo]) -> None:
    archive = _tar_with(tmp_path, *members)
    target = tmp_path / "out" / "artifact"
    with pytest.raises(InvalidError, match="refusing to unpack"):
        unpack_tgz(archive, target)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "outside").exists()
    assert not target.exists()


def test_symlinks_inside_the_artifact_survive(tmp_path: Path) -> None:
    src = tmp_path / "data"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "f").write_text("f")
    (src / "link").symlink_to("sub/f")
    pack_tgz(src, tmp_path / "a.tgz")
    unpack_tgz(tmp_path / "a.tgz", tmp_path / "restored")
    assert (tmp_path / "restored" / "link").read_text() == "f"


def test_local_repository_refuses_keys_leaving_its_folder(tmp_path: Path) -> None:
    repo = LocalArtifactRepository(tmp_path / "repo")
    (tmp_path / "f").write_text("x")
    with pytest.raises(InvalidError):
        repo.put("../oops", tmp_path / "f")
    with pytest.raises(InvalidError):
        repo.get("/etc/passwd", tmp_path / "g")
    repo.put("a/b.tgz", tmp_path / "f")
    assert repo.exists("a/b.tgz")
    repo.delete("a/b.tgz")
    assert not repo.exists("a/b.tgz")
    with pytest.raises(NotFoundError):
        repo.get("a/b.tgz", tmp_path / "g")
