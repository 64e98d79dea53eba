"""What every route needs: the store, the in-process controller, the auth mode, metrics.

Kept on `app.state.podfleet` (one per app, no module globals), and reached from routes
through the `Ctx` dependency, which also authenticates the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from podfleet.auth.tokens import SERVER_PRINCIPAL, Principal, strip_bearer, verify_token
from podfleet.config import Settings
from podfleet.server.errors import forbidden, unauthorized
from podfleet.store.contract import Store

if TYPE_CHECKING:
    from podfleet.server.controller import ServerController
    from podfleet.server.metrics import Metrics

ARGO_VERSION = "v3.6.2"


@dataclass
class ServerState:
    store: Store
    settings: Settings
    auth_mode: str = "server"  # "server": no token needed; "client": Bearer tokens
    managed_namespace: str | None = None
    controller: ServerController | None = None
    metrics: Metrics | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestContext:
    state: ServerState
    principal: Principal

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def creator(self) -> str | None:
        """The name for the creator label: only real principals (argo-server labels SSO users only)."""
        return None if self.principal is SERVER_PRINCIPAL else self.principal.name

    def check_namespace(self, namespace: str) -> None:
        if not self.principal.allows(namespace):
            raise forbidden()

    def check_cluster(self) -> None:
        if not self.principal.cluster_wide:
            raise forbidden()


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.podfleet
    return state


async def authenticate(request: Request) -> RequestContext:
    state = server_state(request)
    if state.auth_mode == "server":
        return RequestContext(state, SERVER_PRINCIPAL)
    header = request.headers.get("authorization") or request.cookies.get("authorization")
    principal = await verify_token(state.store, strip_bearer(header))
    if principal is None:
        raise unauthorized()
    request.state.authenticated = True
    return RequestContext(state, principal)


Ctx = Annotated[RequestContext, Depends(authenticate)]

__all__ = ["ServerState", "RequestContext", "Ctx", "authenticate", "server_state", "ARGO_VERSION"]
