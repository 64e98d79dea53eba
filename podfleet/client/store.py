"""The Store contract over argo-server's REST API.

Workflows, (Cluster)WorkflowTemplates and CronWorkflows map to their endpoints. A
Workflow update (what the operation verbs do) goes to podfleet's one extension,
`PUT /api/v1/workflows/{ns}/{name}` with the changed nodes, because argo-server has no
generic workflow update. Errors come back as the server's `message`, re-raised as the
podfleet error of the same meaning, so the CLI prints them as in embedded mode.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from podfleet.errors import ConflictError, InvalidError, NotFoundError, PodfleetError, TransientError
from podfleet.store.contract import Obj, WatchEvent

PATHS = {"Workflow": ("workflows", "workflow"), "WorkflowTemplate": ("workflow-templates", "template"),
         "ClusterWorkflowTemplate": ("cluster-workflow-templates", "template"),
         "CronWorkflow": ("cron-workflows", "cronWorkflow")}


def raise_for(resp: httpx.Response) -> None:
    if resp.status_code < 400:
        return
    try:
        message = str(resp.json().get("message") or resp.reason_phrase)
    except (ValueError, AttributeError):
        message = resp.text.strip()[:200] or resp.reason_phrase
    status = resp.status_code
    if status == 404:
        raise NotFoundError(message)
    if status == 409:
        raise ConflictError(message)
    if status == 400:
        raise InvalidError(message)
    if status == 401:
        raise PodfleetError(f"the server refused the token ({message}); set PODFLEET_TOKEN or ARGO_TOKEN")
    if status == 403:
        raise PodfleetError(f"the token may not do this: {message}")
    if status in (502, 503, 504):
        raise TransientError(f"the server is unavailable ({status}): {message}")
    raise PodfleetError(f"the server failed ({status}): {message}")


class RemoteStore:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            resp = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as err:
            raise TransientError(f"cannot reach the server at {self.client.base_url}: {err}") from None
        raise_for(resp)
        return resp.json() if resp.content else {}

    @staticmethod
    def _base(kind: str, namespace: str | None) -> tuple[str, str]:
        if kind not in PATHS:
            raise InvalidError(f"{kind} objects are not served by the server's API; run this on the server's "
                               "machine (unset PODFLEET_SERVER/ARGO_SERVER)")
        plural, field = PATHS[kind]
        if kind == "ClusterWorkflowTemplate":
            return f"/api/v1/{plural}", field
        if not namespace:
            raise InvalidError("a namespace is needed when talking to the server (listing every namespace is "
                               "not supported)")
        return f"/api/v1/{plural}/{namespace}", field

    async def create(self, obj: Obj) -> Obj:
        kind = obj.get("kind", "")
        base, field = self._base(kind, (obj.get("metadata") or {}).get("namespace") or "default")
        result: Obj = await self.request("POST", base, json={field: obj})
        return result

    async def get(self, kind: str, namespace: str, name: str, *, with_nodes: bool = True) -> Obj:
        if kind not in PATHS:  # ConfigMaps, Secrets… live on the server, which uses its own
            raise NotFoundError(f'{kind} "{name}" is not readable through the server\'s API')
        base, _ = self._base(kind, namespace)
        params = {} if with_nodes or kind != "Workflow" else {"fields": "-status.nodes"}
        result: Obj = await self.request("GET", f"{base}/{name}", params=params)
        return result

    async def list(self, kind: str, namespace: str | None = None, *,
                   label_selector: Mapping[str, str] | None = None, with_nodes: bool = False) -> list[Obj]:
        if kind not in PATHS:
            return []  # the server applies its own ConfigMaps (eci-profile, artifact repositories…)
        base, _ = self._base(kind, namespace)
        params: dict[str, str] = {}
        if label_selector:
            params["listOptions.labelSelector"] = ",".join(f"{k}={v}" for k, v in label_selector.items())
        if with_nodes and kind == "Workflow":
            params["fields"] = "metadata,items"
        answer = await self.request("GET", base, params=params)
        items: list[Obj] = answer.get("items") or []
        # The store contract lists oldest first; the API answers newest first.
        return sorted(items, key=lambda o: (o["metadata"].get("creationTimestamp", ""),
                                            int(o["metadata"].get("resourceVersion") or 0)))

    async def update(self, obj: Obj, *, nodes: Mapping[str, Obj] | None = None,
                     deleted_nodes: list[str] | None = None) -> Obj:
        kind = obj.get("kind", "")
        meta = obj.get("metadata") or {}
        base, field = self._base(kind, meta.get("namespace") or "default")
        body: dict[str, Any] = {field: obj, "name": meta.get("name")}
        if kind == "Workflow":
            body = {"workflow": {**obj, "status": {k: v for k, v in (obj.get("status") or {}).items()
                                                   if k != "nodes"}},
                    "nodes": dict(nodes or {}), "deletedNodes": list(deleted_nodes or [])}
        result: Obj = await self.request("PUT", f"{base}/{meta.get('name')}", json=body)
        return result

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        base, _ = self._base(kind, namespace)
        await self.request("DELETE", f"{base}/{name}")

    async def watch(self, kind: str | None = None, namespace: str | None = None, *,
                    since: int | None = None) -> AsyncIterator[WatchEvent]:
        if kind != "Workflow" or not namespace:
            raise InvalidError("only workflows of one namespace can be watched through the server")
        async with self.client.stream("GET", f"/api/v1/workflow-events/{namespace}",
                                      params={"fields": "-object.status.nodes"}, timeout=None) as resp:
            raise_for(resp)
            async for line in resp.aiter_lines():
                if not line.strip():
                    continue
                message = json.loads(line)
                if "error" in message:
                    raise PodfleetError(str(message["error"].get("message")))
                event, obj = message["result"], message["result"]["object"]
                meta = obj.get("metadata") or {}
                yield WatchEvent(event["type"], "Workflow", meta.get("namespace", namespace), meta.get("name", ""),
                                 int(meta.get("resourceVersion") or 0), None if event["type"] == "DELETED" else obj)

    async def acquire_lease(self, key: str, holder: str, ttl_seconds: float) -> bool:
        raise InvalidError("the controller runs inside podfleet server; unset PODFLEET_SERVER/ARGO_SERVER to run "
                           "one on this machine")

    async def release_lease(self, key: str, holder: str) -> None:
        return None

    async def close(self) -> None:
        await self.client.aclose()


__all__ = ["RemoteStore", "raise_for", "PATHS"]
