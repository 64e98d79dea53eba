"""Issuing and checking tokens; the secret itself is never stored nor logged.

The stored object carries the full SHA-256 of the token in its spec and the first 32 hex
digits as a label, so a check is one indexed label lookup plus a constant-time compare.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from podfleet.errors import InvalidError, NotFoundError
from podfleet.store.contract import Obj, Store

TOKEN_KIND = "Token"
TOKEN_API_VERSION = "podfleet.io/v1"
TOKEN_NAMESPACE = "podfleet-system"
TOKEN_PREFIX = "pft_"
HASH_LABEL = "podfleet.io/token-hash"
ALL_NAMESPACES = "*"


@dataclass(frozen=True)
class Principal:
    """Who a request is from, and where it may act."""

    name: str
    namespaces: tuple[str, ...]

    def allows(self, namespace: str) -> bool:
        return ALL_NAMESPACES in self.namespaces or namespace in self.namespaces

    @property
    def cluster_wide(self) -> bool:
        return ALL_NAMESPACES in self.namespaces


SERVER_PRINCIPAL = Principal("system:server", (ALL_NAMESPACES,))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def strip_bearer(header: str | None) -> str | None:
    """The token from `Bearer <token>` or a bare token (Argo's `Bearer ` prefix is optional)."""
    if not header:
        return None
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


async def create_token(store: Store, name: str, namespaces: list[str]) -> tuple[Obj, str]:
    """Store a new token; returns (object, the token) — the only time the token is seen."""
    if not namespaces:
        raise InvalidError("a token needs at least one namespace (--namespace NS, or --all-namespaces)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    digest = _digest(token)
    obj: Obj = {"apiVersion": TOKEN_API_VERSION, "kind": TOKEN_KIND,
                "metadata": {"name": name, "namespace": TOKEN_NAMESPACE, "labels": {HASH_LABEL: digest[:32]}},
                "spec": {"namespaces": sorted(set(namespaces)), "sha256": digest}}
    return await store.create(obj), token


async def list_tokens(store: Store) -> list[Obj]:
    return await store.list(TOKEN_KIND, TOKEN_NAMESPACE)


async def delete_token(store: Store, name: str) -> None:
    try:
        await store.delete(TOKEN_KIND, TOKEN_NAMESPACE, name)
    except NotFoundError:
        raise NotFoundError(f'token "{name}" not found') from None


async def verify_token(store: Store, token: str | None) -> Principal | None:
    """The principal of a valid token, or None (missing, malformed, unknown or revoked)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    for obj in await store.list(TOKEN_KIND, TOKEN_NAMESPACE, label_selector={HASH_LABEL: digest[:32]}):
        spec = obj.get("spec") or {}
        if hmac.compare_digest(str(spec.get("sha256", "")), digest):
            return Principal(obj["metadata"]["name"], tuple(spec.get("namespaces") or ()))
    return None


__all__ = ["Principal", "SERVER_PRINCIPAL", "ALL_NAMESPACES", "create_token", "list_tokens", "delete_token",
           "verify_token", "strip_bearer", "TOKEN_KIND", "TOKEN_NAMESPACE"]
