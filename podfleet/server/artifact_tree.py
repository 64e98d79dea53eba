"""A stored artifact seen as a tree of files, read without unpacking it to disk.

argo-server's `/artifact-files/` browses an artifact: a file is answered as the file, a
directory as a listing page whose links go one level down. podfleet stores artifacts the
Argo way — a tar+gzip (or zip) with one top-level entry named after the packed path, or,
with `archive: none`, the file or directory itself — so the tree strips that top-level
entry and reads members straight out of the archive: answering one file of a large
directory artifact never writes the rest of it anywhere, and nothing is held in memory
beyond one chunk. Members that are links or devices are not served (a link could point
anywhere on the server's disk).
"""

from __future__ import annotations

import html
import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import quote

from podfleet.artifacts.archive import is_tgz, is_zip
from podfleet.errors import InvalidError

CHUNK = 256 * 1024


@dataclass(frozen=True)
class Entry:
    kind: str  # "file" | "dir"
    name: str  # the last path component ("" for a directory root)
    size: int | None = None


class Tree(Protocol):
    def entry(self, rel: str) -> Entry | None:
        """What `rel` ("" = the artifact itself) is, or None."""

    def children(self, rel: str) -> list[str]:
        """The names directly below directory `rel`; sub-directories end with '/'."""

    def open(self, rel: str) -> IO[bytes]:
        """A readable stream of file `rel`."""

    def close(self) -> None: ...


def clean_subpath(raw: str) -> str:
    """A request's path below the artifact, normalised; '..' and absolute paths are refused."""
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or "\x00" in raw:
        raise InvalidError("invalid file path: it must stay inside the artifact (no '..')")
    return "/".join(parts)


@dataclass
class _Index:
    """Members by path relative to the artifact root, and the directories they imply."""

    files: dict[str, tuple[int, object]] = field(default_factory=dict)  # rel → (size, handle)
    dirs: set[str] = field(default_factory=lambda: {""})

    def add_file(self, rel: str, size: int, handle: object) -> None:
        self.files[rel] = (size, handle)
        self._parents(rel)

    def add_dir(self, rel: str) -> None:
        if rel:
            self.dirs.add(rel)
            self._parents(rel)

    def _parents(self, rel: str) -> None:
        parent = posixpath.dirname(rel)
        while parent:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def entry(self, rel: str) -> Entry | None:
        if rel in self.files:
            return Entry("file", posixpath.basename(rel), self.files[rel][0])
        if rel in self.dirs:
            return Entry("dir", posixpath.basename(rel))
        return None

    def children(self, rel: str) -> list[str]:
        prefix = f"{rel}/" if rel else ""
        out = {p[len(prefix):] for p in self.files if p.startswith(prefix) and "/" not in p[len(prefix):]}
        out |= {d[len(prefix):] + "/" for d in self.dirs
                if d and d.startswith(prefix) and "/" not in d[len(prefix):]}
        return sorted(out)


def _strip_top(names: list[str]) -> tuple[str | None, bool]:
    """The single top-level entry's name, if there is exactly one (Argo's layout)."""
    tops = {n.strip("/").split("/", 1)[0] for n in names if n.strip("/")}
    return (next(iter(tops)), True) if len(tops) == 1 else (None, False)


class _FileTree:
    """An unarchived single file."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name

    def entry(self, rel: str) -> Entry | None:
        return Entry("file", self.name, self.path.stat().st_size) if rel == "" else None

    def children(self, rel: str) -> list[str]:
        return []

    def open(self, rel: str) -> IO[bytes]:
        return open(self.path, "rb")

    def close(self) -> None:
        pass


class _DirTree:
    """An unarchived directory on disk (the local repository, or an S3 prefix downloaded)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real = root.resolve()

    def _path(self, rel: str) -> Path | None:
        path = self.root.joinpath(*rel.split("/")) if rel else self.root
        # A stored symlink could lead anywhere on this machine: only real files and folders inside.
        probe = path
        while probe != self.root:
            if probe.is_symlink():
                return None
            probe = probe.parent
        if not path.resolve().is_relative_to(self._real):
            return None
        return path if path.exists() else None

    def entry(self, rel: str) -> Entry | None:
        path = self._path(rel)
        if path is None:
            return None
        if path.is_dir():
            return Entry("dir", path.name if rel else "")
        return Entry("file", path.name, path.stat().st_size) if path.is_file() else None

    def children(self, rel: str) -> list[str]:
        path = self._path(rel)
        if path is None:
            return []
        return sorted(c.name + "/" if c.is_dir() else c.name for c in path.iterdir()
                      if not c.is_symlink() and (c.is_dir() or c.is_file()))

    def open(self, rel: str) -> IO[bytes]:
        path = self._path(rel)
        assert path is not None
        return open(path, "rb")

    def close(self) -> None:
        pass


class _TarTree:
    def __init__(self, path: Path, fallback_name: str) -> None:
        try:
            self.tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by close()
        except (tarfile.TarError, EOFError, OSError) as err:
            raise InvalidError(f"artifact is not a valid tar.gz archive: {err}") from None
        try:
            first = self.tar.next()
        except (tarfile.TarError, EOFError, OSError) as err:
            self.tar.close()
            raise InvalidError(f"artifact is not a valid tar.gz archive: {err}") from None
        self.single: tarfile.TarInfo | None = None
        self.index = _Index()
        if first is not None and first.isfile() and "/" not in first.name.strip("/"):
            # Argo's tarball of one file: that file is the artifact. Reading it needs no scan of the rest.
            self.single = first
            self.name = posixpath.basename(first.name) or fallback_name
            return
        try:
            members = self.tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as err:
            self.tar.close()
            raise InvalidError(f"artifact is not a valid tar.gz archive: {err}") from None
        top, single_top = _strip_top([m.name for m in members])
        self.name = top or fallback_name
        for member in members:
            rel = member.name.strip("/")
            if single_top:
                rel = rel[len(top or ""):].lstrip("/")
            if rel.startswith("../") or "/../" in f"/{rel}/":
                continue
            if member.isfile():
                self.index.add_file(rel, member.size, member)
            elif member.isdir():
                self.index.add_dir(rel)

    def entry(self, rel: str) -> Entry | None:
        if self.single is not None:
            return Entry("file", self.name, self.single.size) if rel == "" else None
        return self.index.entry(rel)

    def children(self, rel: str) -> list[str]:
        return [] if self.single is not None else self.index.children(rel)

    def open(self, rel: str) -> IO[bytes]:
        member = self.single if self.single is not None else self.index.files[rel][1]
        stream = self.tar.extractfile(member)  # type: ignore[arg-type]
        assert stream is not None
        return stream

    def close(self) -> None:
        self.tar.close()


class _ZipTree:
    def __init__(self, path: Path, fallback_name: str) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError) as err:
            raise InvalidError(f"artifact is not a valid zip archive: {err}") from None
        top, single_top = _strip_top([i.filename for i in infos])
        self.index = _Index()
        self.single: zipfile.ZipInfo | None = None
        files = [i for i in infos if not i.is_dir() and (i.external_attr >> 16) & 0o170000 in (0, 0o100000)]
        if len(infos) == 1 and files and "/" not in files[0].filename.strip("/"):
            self.single, self.name = files[0], files[0].filename
            return
        self.name = top or fallback_name
        for info in infos:
            rel = info.filename.strip("/")
            if single_top:
                rel = rel[len(top or ""):].lstrip("/")
            if info.is_dir():
                self.index.add_dir(rel)
            elif info in files:
                self.index.add_file(rel, info.file_size, info)

    def entry(self, rel: str) -> Entry | None:
        if self.single is not None:
            return Entry("file", self.name, self.single.file_size) if rel == "" else None
        return self.index.entry(rel)

    def children(self, rel: str) -> list[str]:
        return [] if self.single is not None else self.index.children(rel)

    def open(self, rel: str) -> IO[bytes]:
        info = self.single if self.single is not None else self.index.files[rel][1]
        return self.zip.open(info)  # type: ignore[arg-type]

    def close(self) -> None:
        self.zip.close()


def open_tree(path: Path, name: str, *, archived: bool) -> Tree:
    """The tree of an object as stored at `path`; `name` is the key's last component."""
    if path.is_dir():
        return _DirTree(path)
    if archived and is_tgz(path):
        return _TarTree(path, name)
    if archived and is_zip(path):
        return _ZipTree(path, name)
    return _FileTree(path, name)


def read_chunks(stream: IO[bytes], *closers: object) -> Iterator[bytes]:
    """The stream in chunks; closes it (and `closers`, callables or objects with close()) when done or dropped."""
    try:
        while block := stream.read(CHUNK):
            yield block
    finally:
        stream.close()
        for closer in closers:
            close = getattr(closer, "close", closer)
            if callable(close):
                close()


def listing_page(children: list[str]) -> str:
    """The directory page argo-server renders: a parent link, then one relative link per entry."""
    rows = ['<li><a href="..">..</a></li>']
    for child in children:
        # "./" keeps a name like "javascript:x" a relative link.
        rows.append(f'<li><a href="./{html.escape(quote(child), quote=True)}">{html.escape(child)}</a></li>')
    return "<html><body><ul>\n" + "\n".join(rows) + "\n</ul></body></html>"


__all__ = ["CHUNK", "Entry", "Tree", "clean_subpath", "listing_page", "open_tree", "read_chunks"]
