"""Running the app under uvicorn, over plain HTTP or TLS (a self-signed pair made on first use)."""

from __future__ import annotations

import asyncio
import datetime
import logging
from pathlib import Path

import uvicorn

from podfleet.config import Settings
from podfleet.errors import InvalidError
from podfleet.providers.select import open_provider
from podfleet.server.app import create_app
from podfleet.server.state import ServerState
from podfleet.store import open_store


def self_signed_pair(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for localhost in `folder`, made once and reused (as argo-server does)."""
    cert, key = folder / "server.crt", folder / "server.key"
    if cert.exists() and key.exists():
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "podfleet-server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress

    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=365))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .sign(private, hashes.SHA256()))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    key.chmod(0o600)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


async def serve(settings: Settings, *, host: str, port: int, auth_mode: str, secure: bool, provider_name: str,
                managed_namespace: str | None = None, access_log: bool = False) -> None:
    if auth_mode not in ("server", "client"):
        raise InvalidError(f"--auth-mode must be server or client, not {auth_mode!r}")
    store = open_store(settings.store_path)
    provider = open_provider(provider_name, settings)
    state = ServerState(store, settings, auth_mode=auth_mode, managed_namespace=managed_namespace)
    app = create_app(state, provider)
    ssl: dict[str, str] = {}
    if secure:
        cert, key = self_signed_pair(settings.home / "tls")
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    # The access log never shows headers, so tokens cannot leak through it; it is off by
    # default anyway, since 20 polling clients would flood it.
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=access_log,
                            lifespan="on", **ssl)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    logging.getLogger("podfleet").setLevel(logging.INFO)
    try:
        await server.serve()
    finally:
        await store.close()


def run(settings: Settings, **options: object) -> None:
    asyncio.run(serve(settings, **options))  # type: ignore[arg-type]


__all__ = ["serve", "run", "self_signed_pair"]
