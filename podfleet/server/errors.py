"""One place that turns podfleet errors into argo-server's HTTP error answers.

argo-server is a grpc-gateway: every failure is a `google.rpc.Status` JSON body
`{"code": <grpc code>, "message": ..., "details": []}` with the HTTP status the gateway
derives from the gRPC code. Clients (hera, the argo CLI) read `message`, so it must be the
one clear line a podfleet error already carries; unexpected exceptions become a 500 that
names no internals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from podfleet.errors import ConflictError, InvalidError, NotFoundError, PodfleetError, StoreError, TransientError

log = logging.getLogger("podfleet.server")

# gRPC code → HTTP status, as grpc-gateway v1 maps them.
GRPC_HTTP = {3: 400, 5: 404, 6: 409, 7: 403, 9: 400, 10: 409, 12: 501, 13: 500, 14: 503, 16: 401, 2: 500, 4: 504}
HTTP_GRPC = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 409: 6, 422: 3, 415: 3, 501: 12, 503: 14, 504: 4}


@dataclass
class ApiError(Exception):
    """An error answer decided by the API layer itself (auth, bad query parameters)."""

    grpc_code: int
    message: str

    @property
    def http_status(self) -> int:
        return GRPC_HTTP.get(self.grpc_code, 500)


def unauthorized() -> ApiError:
    return ApiError(16, "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/")


def forbidden() -> ApiError:
    return ApiError(7, "Forbidden: the token does not allow this namespace")


def grpc_code_of(err: PodfleetError) -> int:
    """The gRPC code for a podfleet error (the HTTP status follows from it)."""
    if isinstance(err, NotFoundError):
        return 5
    if isinstance(err, ConflictError):
        # "already exists" is AlreadyExists (6); a stale resourceVersion is Aborted (10) → 409 as well
        return 6 if "already exists" in err.message else 10
    if isinstance(err, InvalidError):
        return 3
    if isinstance(err, TransientError):
        return 14
    if isinstance(err, StoreError):
        return 14
    return 2


def error_body(code: int, message: str) -> dict[str, object]:
    return {"code": code, "message": message, "details": []}


def error_response(code: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=GRPC_HTTP.get(code, 500))


async def _podfleet_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, PodfleetError)
    return error_response(grpc_code_of(err), str(err))


async def _api_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ApiError)
    return error_response(err.grpc_code, err.message)


async def _validation_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    first = err.errors()[0] if err.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return error_response(3, f"invalid request: {where}: {first.get('msg', 'bad value')}" if where
                          else "invalid request body")


async def _http_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, StarletteHTTPException)
    code = HTTP_GRPC.get(err.status_code, 2)
    message = err.detail if isinstance(err.detail, str) else "error"
    return JSONResponse(error_body(code, message), status_code=err.status_code)


async def _unexpected(_request: Request, err: Exception) -> JSONResponse:
    log.error("internal error: %s: %s", type(err).__name__, err, exc_info=err)
    return error_response(13, "internal error; see the server log")


def install(app: object) -> None:
    """Register every handler on a FastAPI app."""
    add = app.add_exception_handler  # type: ignore[attr-defined]
    add(PodfleetError, _podfleet_error)
    add(ApiError, _api_error)
    add(RequestValidationError, _validation_error)
    add(StarletteHTTPException, _http_error)
    add(Exception, _unexpected)


__all__ = ["ApiError", "GRPC_HTTP", "error_body", "error_response", "grpc_code_of", "install", "unauthorized",
           "forbidden"]
