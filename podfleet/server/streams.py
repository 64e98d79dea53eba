"""Streaming answers as argo-server's gateway writes them.

`Accept: text/event-stream` → Server-Sent Events, one `data: {"result": …}` message per
item and a `:` keep-alive comment every 15 s; otherwise newline-delimited JSON, one
`{"result": …}` per line. A failure mid-stream is written as `{"error": {…}}` and ends
the stream, since the HTTP status has already been sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from podfleet.errors import PodfleetError
from podfleet.server.errors import GRPC_HTTP, grpc_code_of

KEEP_ALIVE = 15.0
_DONE = object()

STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a stream of {\"result\": ...} messages",
          "content": {"application/json": {"schema": {"type": "string"}},
                      "text/event-stream": {"schema": {"type": "string"}}}},
}


def wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def _with_keepalive(items: AsyncIterator[Any], interval: float) -> AsyncIterator[Any]:
    """Items, with None inserted whenever `interval` passes without one."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=64)

    async def pump() -> None:
        try:
            async for item in items:
                await queue.put(item)
        except BaseException as err:  # handed to the reader, who reports it in-stream
            await queue.put(err)
        else:
            await queue.put(_DONE)

    task = asyncio.create_task(pump())
    try:
        while True:
            try:
                async with asyncio.timeout(interval):
                    item = await queue.get()
            except TimeoutError:
                yield None
                continue
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


def stream(request: Request, items: AsyncIterator[Any]) -> StreamingResponse:
    sse = wants_sse(request)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for item in _with_keepalive(items, KEEP_ALIVE):
                if item is None:
                    if sse:
                        yield b":\n\n"
                    continue
                text = json.dumps({"result": item}, separators=(",", ":"))
                yield f"data: {text}\n\n".encode() if sse else (text + "\n").encode()
        except PodfleetError as err:
            code = grpc_code_of(err)
            http = GRPC_HTTP.get(code, 500)
            error = {"error": {"grpc_code": code, "http_code": http, "message": str(err),
                               "http_status": "", "details": []}}
            text = json.dumps(error)
            yield f"data: {text}\n\n".encode() if sse else (text + "\n").encode()

    media = "text/event-stream" if sse else "application/json"
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type=media, headers=headers)


__all__ = ["stream", "wants_sse", "STREAM_RESPONSES"]
