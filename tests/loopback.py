"""Real servers on 127.0.0.1 for the tests: a free port, and an S3-protocol server (moto)."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_s3() -> Iterator[tuple[str, int]]:
    """A moto S3 server on loopback for the duration; yields (endpoint URL, port)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        server.stop()
