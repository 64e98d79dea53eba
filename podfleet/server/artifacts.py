"""argo-server's artifact download paths (outside `/api/v1`, as argo-server serves them).

- `/artifacts/{ns}/{wf}/{nodeId}/{name}` and `/input-artifacts/…`: the object as stored
  (e.g. the `.tgz`), for `argo cp`-style downloads.
- `/artifact-files/{ns}/workflows/{wf}/{nodeId}/{outputs|inputs}/{name}[/{path}]`: the
  artifact browsed — a single-file artifact is answered as that file (unpacked), a
  directory redirects to `…/` and answers argo-server's HTML listing (or its
  `index.html`), and `{path}` reaches one file inside.
- `/artifacts-by-uid/…`, `/input-artifacts-by-uid/…` and `archived-workflows` read
  argo-server's workflow archive, which podfleet does not keep: 404 with argo-server's
  "workflow not yet archived".

The node and repository are found by `podfleet.artifacts.lookup`, as `podfleet artifacts
get` finds them. Auth and errors are the API's: 401/403 and `{"code","message"}` JSON.
Headers are argo-server's: `Content-Disposition: filename="…"`, a Content-Type from the
file's extension, and its Content-Security-Policy / X-Frame-Options. Bodies stream in
chunks from the repository's folder or from one downloaded copy (S3), never whole in memory.
"""

from __future__ import annotations

import asyncio
import mimetypes
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from podfleet.artifacts.local import LocalArtifactRepository
from podfleet.artifacts.lookup import (
    StoredArtifact,
    find_artifact,
    find_node,
    open_artifact,
    secret_names,
)
from podfleet.errors import InvalidError, NotFoundError
from podfleet.server.artifact_tree import (
    Tree,
    clean_subpath,
    listing_page,
    open_tree,
    read_chunks,
)
from podfleet.server.schemas import ERRORS
from podfleet.server.state import Ctx, RequestContext
from podfleet.server.workflows import load_workflow

router = APIRouter(tags=["ArtifactService"])

NOT_ARCHIVED = "workflow not yet archived"
# argo-server's defaults (ARGO_ARTIFACT_CONTENT_SECURITY_POLICY / ARGO_ARTIFACT_X_FRAME_OPTIONS).
SECURITY_HEADERS = {
    "Content-Security-Policy": "sandbox allow-same-origin; base-uri 'none'; default-src 'none'; img-src 'self'; "
                               "style-src 'self' 'unsafe-inline'",
    "X-Frame-Options": "SAMEORIGIN",
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the artifact's bytes", "content": {"application/octet-stream": _BINARY, "*/*": _BINARY}},
    **ERRORS,
}
BROWSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a file of the artifact, or the listing page of a directory",
          "content": {"application/octet-stream": _BINARY, "text/html": {"schema": {"type": "string"}},
                      "*/*": _BINARY}},
    307: {"description": "a directory without its trailing '/', or one holding index.html"},
    **ERRORS,
}


@dataclass
class _Fetched:
    """The object as stored, on this machine: the local repository's own file, or a downloaded copy."""

    path: Path
    stored: StoredArtifact
    scratch: Path | None = None

    def close(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def _fetch(stored: StoredArtifact) -> _Fetched:
    repo = stored.repository
    if isinstance(repo, LocalArtifactRepository):
        path = repo.path_of(stored.key)
        if not path.exists():
            raise NotFoundError(f"artifact {stored.key!r} not found in the local artifact repository")
        return _Fetched(path, stored)
    scratch = Path(tempfile.mkdtemp(prefix="podfleet-artifact-"))
    try:
        repo.get(stored.key, scratch / "object")
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return _Fetched(scratch / "object", stored, scratch)


async def _locate(ctx: RequestContext, namespace: str, name: str, node_id: str, artifact: str,
                  inputs: bool) -> StoredArtifact:
    from podfleet.controller.artifacts import decode_secret, local_repository_of

    ctx.check_namespace(namespace)
    wf = await load_workflow(ctx.store, namespace, name)
    art = find_artifact(find_node(wf, node_id), artifact, inputs=inputs)
    secrets: dict[str, dict[str, str]] = {}
    for secret in secret_names(wf, art):
        try:
            secrets[secret] = decode_secret(await ctx.store.get("Secret", namespace, secret))
        except NotFoundError:
            continue  # the repository then names the missing secret and key
    controller = ctx.state.controller
    local = local_repository_of(controller.provider if controller else None)
    return open_artifact(wf, art, lambda s: secrets.get(s, {}), local)


def _headers(filename: str, size: int | None = None) -> dict[str, str]:
    safe = filename.replace('"', "").replace("\r", "").replace("\n", "") or "artifact"
    out = {"Content-Disposition": f'filename="{safe}"', **SECURITY_HEADERS}
    if size is not None:
        out["Content-Length"] = str(size)
    return out


def _media_type(filename: str) -> str:
    kind, encoding = mimetypes.guess_type(filename, strict=False)
    if encoding == "gzip":
        return "application/gzip"
    return kind or "application/octet-stream"


async def _stream_file(tree: Tree, rel: str, filename: str, size: int | None,
                       fetched: _Fetched) -> StreamingResponse:
    stream = await asyncio.to_thread(tree.open, rel)
    return StreamingResponse(read_chunks(stream, tree, fetched), media_type=_media_type(filename),
                             headers=_headers(filename, size))


async def _raw(ctx: RequestContext, namespace: str, name: str, node_id: str, artifact: str,
               inputs: bool) -> Response:
    stored = await _locate(ctx, namespace, name, node_id, artifact, inputs)
    fetched = await asyncio.to_thread(_fetch, stored)
    filename = PurePosixPath(stored.key).name
    try:
        # archived=False: the object as stored, a .tgz left packed.
        tree = await asyncio.to_thread(open_tree, fetched.path, filename, archived=False)
        entry = await asyncio.to_thread(tree.entry, "")
        if entry is None or entry.kind != "file":
            side = "inputs" if inputs else "outputs"
            raise InvalidError(f'artifact "{artifact}" is a directory stored unarchived: browse it at '
                               f"/artifact-files/{namespace}/workflows/{name}/{node_id}/{side}/{artifact}/")
        return await _stream_file(tree, "", filename, entry.size, fetched)
    except BaseException:
        fetched.close()
        raise


@router.get("/artifacts/{namespace}/{name}/{nodeId}/{artifactName}", operation_id="ArtifactService_GetOutputArtifact",
            responses=FILE_RESPONSES, response_class=Response)
async def get_output_artifact(namespace: str, name: str, nodeId: str, artifactName: str, ctx: Ctx) -> Response:
    """An output artifact as stored (a `.tgz` for archived artifacts)."""
    return await _raw(ctx, namespace, name, nodeId, artifactName, inputs=False)


@router.get("/input-artifacts/{namespace}/{name}/{nodeId}/{artifactName}",
            operation_id="ArtifactService_GetInputArtifact", responses=FILE_RESPONSES, response_class=Response)
async def get_input_artifact(namespace: str, name: str, nodeId: str, artifactName: str, ctx: Ctx) -> Response:
    """An input artifact as stored."""
    return await _raw(ctx, namespace, name, nodeId, artifactName, inputs=True)


@router.get("/artifacts-by-uid/{uid}/{nodeId}/{artifactName}", operation_id="ArtifactService_GetOutputArtifactByUID",
            responses=FILE_RESPONSES, response_class=Response)
async def get_output_artifact_by_uid(uid: str, nodeId: str, artifactName: str, ctx: Ctx) -> Response:
    """Archived workflows' artifacts: podfleet keeps no workflow archive."""
    raise NotFoundError(NOT_ARCHIVED)


@router.get("/input-artifacts-by-uid/{uid}/{nodeId}/{artifactName}",
            operation_id="ArtifactService_GetInputArtifactByUID", responses=FILE_RESPONSES, response_class=Response)
async def get_input_artifact_by_uid(uid: str, nodeId: str, artifactName: str, ctx: Ctx) -> Response:
    """Archived workflows' artifacts: podfleet keeps no workflow archive."""
    raise NotFoundError(NOT_ARCHIVED)


async def _browse(request: Request, ctx: RequestContext, namespace: str, kind: str, name: str, node_id: str,
                  direction: str, artifact: str, file_path: str) -> Response:
    if direction not in ("outputs", "inputs"):
        raise InvalidError(f"invalid artifact direction {direction!r}: must be outputs or inputs")
    if kind == "archived-workflows":
        ctx.check_namespace(namespace)
        raise NotFoundError(NOT_ARCHIVED)
    if kind != "workflows":
        raise InvalidError(f"invalid workflow kind {kind!r}: must be workflows or archived-workflows")
    rel = clean_subpath(file_path)
    stored = await _locate(ctx, namespace, name, node_id, artifact, direction == "inputs")
    fetched = await asyncio.to_thread(_fetch, stored)
    tree: Tree | None = None
    owned = True  # until a streaming answer takes over the tree and the download
    try:
        tree = await asyncio.to_thread(open_tree, fetched.path, PurePosixPath(stored.key).name,
                                       archived=stored.archived)
        entry = await asyncio.to_thread(tree.entry, rel)
        if entry is None:
            raise NotFoundError(f'artifact "{artifact}" has no file or directory "{rel}"')
        url, slash = str(request.url.path), request.url.path.endswith("/")
        if entry.kind == "dir":
            if not slash:
                return RedirectResponse(url + "/", status_code=307)
            children = await asyncio.to_thread(tree.children, rel)
            if "index.html" in children:
                return RedirectResponse(url + "index.html", status_code=307)
            return HTMLResponse(listing_page(children), headers=dict(SECURITY_HEADERS))
        if slash:
            return RedirectResponse(url.rstrip("/"), status_code=307)
        filename = entry.name or PurePosixPath(stored.key).name
        response = await _stream_file(tree, rel, filename, entry.size, fetched)
        owned = False
        return response
    finally:
        if owned:
            if tree is not None:
                tree.close()
            fetched.close()


@router.get("/artifact-files/{namespace}/{kind}/{name}/{nodeId}/{direction}/{artifactName}",
            operation_id="ArtifactService_GetArtifactFile", responses=BROWSE_RESPONSES, response_class=Response)
async def get_artifact_file(request: Request, namespace: str, kind: str, name: str, nodeId: str, direction: str,
                            artifactName: str, ctx: Ctx) -> Response:
    """An artifact browsed: a single file unpacked, a directory redirected to its listing (`…/`)."""
    return await _browse(request, ctx, namespace, kind, name, nodeId, direction, artifactName, "")


@router.get("/artifact-files/{namespace}/{kind}/{name}/{nodeId}/{direction}/{artifactName}/{filePath:path}",
            operation_id="ArtifactService_GetArtifactFileInside", responses=BROWSE_RESPONSES,
            response_class=Response)
async def get_artifact_file_inside(request: Request, namespace: str, kind: str, name: str, nodeId: str,
                                   direction: str, artifactName: str, filePath: str, ctx: Ctx) -> Response:
    """A directory artifact's listing (`…/{artifactName}/`, `…/{dir}/`) or one file inside it."""
    return await _browse(request, ctx, namespace, kind, name, nodeId, direction, artifactName, filePath)


__all__ = ["NOT_ARCHIVED", "SECURITY_HEADERS", "router"]
