"""tar+gzip and zip packing, and safe unpacking of artifacts.

Layout follows Argo: the tarball holds one top-level entry named after the packed file
or directory, and unpacking moves that entry to the artifact's `path`. Unpacking never
writes outside its target: absolute names, `..`, links pointing outside, and device
files are refused (tarfile's `data` filter plus an explicit name check whose message
says which member was refused).
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from podfleet.errors import InvalidError

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"

# Argo's archive strategies: tar (gzip, the default), none, zip.
TAR, NONE, ZIP = "tar", "none", "zip"


def archive_strategy(archive_spec: object) -> tuple[str, int | None]:
    """(strategy, gzip level) of an artifact's `archive:` block."""
    if not isinstance(archive_spec, dict) or not archive_spec:
        return TAR, None
    if "none" in archive_spec:
        return NONE, None
    if "zip" in archive_spec:
        return ZIP, None
    tar = archive_spec.get("tar")
    level = tar.get("compressionLevel") if isinstance(tar, dict) else None
    return TAR, level if isinstance(level, int) else None


def object_name(artifact_name: str, path: str, strategy: str) -> str:
    """The file name under the key prefix (Argo: <name>.tgz, <name>.zip, or the path's basename)."""
    if strategy == TAR:
        return f"{artifact_name}.tgz"
    if strategy == ZIP:
        return f"{artifact_name}.zip"
    return PurePosixPath(path).name or artifact_name


def pack(src: Path, dest_file: Path, strategy: str, compression_level: int | None = None) -> None:
    if strategy == ZIP:
        pack_zip(src, dest_file)
    else:
        pack_tgz(src, dest_file, compression_level)


def pack_zip(src: Path, dest_file: Path) -> None:
    """Zip `src`; like the tarball, one top-level entry named after it. Symlinks are not followed."""
    dest_file.parent.mkdir(parents=True, exist_ok=True)
    top = src.name or "artifact"
    with zipfile.ZipFile(dest_file, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if src.is_file():
            zf.write(src, top)
            return
        for dirpath, dirnames, filenames in os.walk(src):
            rel = Path(dirpath).relative_to(src)
            zf.write(dirpath, str(PurePosixPath(top, *rel.parts)) + "/")
            for name in sorted(filenames):
                full = Path(dirpath) / name
                if full.is_symlink() or not full.is_file():
                    continue  # zip has no portable symlinks: leave them out rather than follow them
                zf.write(full, str(PurePosixPath(top, *rel.parts, name)))


def is_zip(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        return f.read(4) == _ZIP_MAGIC


def unpack_zip(archive: Path, dest_path: Path) -> None:
    """Unzip so that the single top-level entry becomes `dest_path`; refuses names leaving the target."""
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=dest_path.parent))
    try:
        try:
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    name = PurePosixPath(info.filename.replace("\\", "/"))
                    if name.is_absolute() or ".." in name.parts:
                        raise InvalidError(f"refusing to unpack artifact: member {info.filename!r} points outside the target")
                    if stat.S_ISLNK(info.external_attr >> 16):
                        raise InvalidError(f"refusing to unpack artifact: member {info.filename!r} is a symlink")
                zf.extractall(staging)
        except (zipfile.BadZipFile, OSError) as err:
            raise InvalidError(f"artifact is not a valid zip archive: {err}") from err
        entries = list(staging.iterdir())
        source = entries[0] if len(entries) == 1 else staging
        _replace(source, dest_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def unpack_any(local: Path, dest_path: Path) -> Path:
    """Unpack a fetched object if it is a tgz or zip (next to `dest_path`); returns what to place."""
    if is_tgz(local):
        unpack_tgz(local, dest_path)
        return dest_path
    if is_zip(local):
        unpack_zip(local, dest_path)
        return dest_path
    return local


def pack_tgz(src: Path, dest_file: Path, compression_level: int | None = None) -> None:
    """Write `src` (file or directory) into `dest_file` as a gzip'd tar with one top-level entry."""
    level = 6 if compression_level is None else max(0, min(9, compression_level))
    dest_file.parent.mkdir(parents=True, exist_ok=True)
    with open(dest_file, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=level, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            # dereference=False: symlinks travel as symlinks and are checked on unpack.
            tar.add(str(src), arcname=src.name or "artifact", recursive=True)


def is_tgz(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _check_member(member: tarfile.TarInfo) -> None:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts:
        raise InvalidError(f"refusing to unpack artifact: member {member.name!r} points outside the target")
    if member.issym() or member.islnk():
        target = PurePosixPath(member.linkname)
        if target.is_absolute():
            raise InvalidError(f"refusing to unpack artifact: link {member.name!r} -> {member.linkname!r} is absolute")
        base = name.parent if member.issym() else PurePosixPath()
        depth = 0
        for part in (base / target).parts:
            depth += -1 if part == ".." else (0 if part == "." else 1)
            if depth < 0:
                raise InvalidError(
                    f"refusing to unpack artifact: link {member.name!r} -> {member.linkname!r} points outside the target"
                )
    if member.isdev() or member.isfifo():
        raise InvalidError(f"refusing to unpack artifact: member {member.name!r} is a device or fifo")


def unpack_tgz(archive: Path, dest_path: Path) -> None:
    """Unpack an Argo-style tarball so that its single top-level entry becomes `dest_path`.

    A tarball with several top-level entries is unpacked into `dest_path` as a directory.
    """
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=dest_path.parent))
    try:
        try:
            with tarfile.open(archive, mode="r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    _check_member(member)
                tar.extractall(staging, members=members, filter="data")
        except (tarfile.TarError, EOFError, OSError) as err:
            if isinstance(err, tarfile.FilterError):
                raise InvalidError(f"refusing to unpack artifact: {err}") from err
            raise InvalidError(f"artifact is not a valid tar.gz archive: {err}") from err
        entries = list(staging.iterdir())
        source = entries[0] if len(entries) == 1 else staging
        _replace(source, dest_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(source: Path, dest_path: Path) -> None:
    # `source` sits next to `dest_path` (same filesystem), so this is a rename.
    if dest_path.is_symlink() or dest_path.is_file():
        dest_path.unlink()
    elif dest_path.is_dir():
        shutil.rmtree(dest_path)
    os.replace(source, dest_path)


__all__ = ["pack_tgz", "unpack_tgz", "is_tgz", "pack_zip", "unpack_zip", "is_zip", "unpack_any", "pack",
           "archive_strategy", "object_name", "TAR", "NONE", "ZIP"]
