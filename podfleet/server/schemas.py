"""Request and response shapes for the OpenAPI document (argo-server's names).

Objects are kept loose (`extra="allow"`): podfleet passes Argo objects through unchanged,
so the document states only what every client relies on (metadata, spec, status).
Responses are written as plain JSON; these models describe them, they do not filter them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ObjectMeta(_Loose):
    name: str | None = None
    generateName: str | None = None
    namespace: str | None = None
    uid: str | None = None
    resourceVersion: str | None = None
    creationTimestamp: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class Object(_Loose):
    apiVersion: str | None = None
    kind: str | None = None
    metadata: ObjectMeta
    spec: dict[str, Any] = Field(default_factory=dict)


class ObjectOut(_Loose):
    """An object as answered; `fields` may have removed any part of it."""

    apiVersion: str | None = None
    kind: str | None = None
    metadata: dict[str, Any] | None = None
    spec: dict[str, Any] | None = None
    status: dict[str, Any] | None = None


class ListMeta(_Loose):
    resourceVersion: str | None = None
    # `continue` is a Python keyword: the JSON name is given as an alias.
    continue_: str | None = Field(default=None, alias="continue")


class ObjectList(_Loose):
    metadata: dict[str, Any] | None = None
    items: list[ObjectOut] | None = None


class CreateOptions(_Loose):
    dryRun: list[str] | None = None


class WorkflowCreateRequest(_Loose):
    namespace: str | None = None
    workflow: Object
    serverDryRun: bool | None = None
    createOptions: CreateOptions | None = None


class WorkflowLintRequest(_Loose):
    namespace: str | None = None
    workflow: Object


class SubmitOptions(_Loose):
    name: str | None = None
    generateName: str | None = None
    entryPoint: str | None = None
    parameters: list[str] | None = None
    labels: str | None = None
    annotations: str | None = None
    serviceAccount: str | None = None
    serverDryRun: bool | None = None
    dryRun: bool | None = None


class WorkflowSubmitRequest(_Loose):
    namespace: str | None = None
    resourceKind: str
    resourceName: str
    submitOptions: SubmitOptions | None = None


class RetryRequest(_Loose):
    name: str | None = None
    namespace: str | None = None
    restartSuccessful: bool | None = None
    nodeFieldSelector: str | None = None
    parameters: list[str] | None = None


class ResubmitRequest(_Loose):
    name: str | None = None
    namespace: str | None = None
    memoized: bool | None = None
    parameters: list[str] | None = None


class NodeRequest(_Loose):
    name: str | None = None
    namespace: str | None = None
    nodeFieldSelector: str | None = None
    message: str | None = None


class SetRequest(_Loose):
    name: str | None = None
    namespace: str | None = None
    nodeFieldSelector: str | None = None
    phase: str | None = None
    message: str | None = None
    outputParameters: str | None = None


class TemplateCreateRequest(_Loose):
    namespace: str | None = None
    template: Object
    createOptions: CreateOptions | None = None


class TemplateUpdateRequest(_Loose):
    name: str | None = None
    namespace: str | None = None
    template: Object


class CronCreateRequest(_Loose):
    namespace: str | None = None
    cronWorkflow: Object
    createOptions: CreateOptions | None = None


class CronUpdateRequest(_Loose):
    name: str | None = None
    namespace: str | None = None
    cronWorkflow: Object


class Empty(_Loose):
    pass


class ErrorBody(BaseModel):
    code: int
    message: str
    details: list[Any] = Field(default_factory=list)


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in ((400, "invalid request"), (401, "no valid token"), (403, "namespace not allowed"),
                         (404, "not found"), (409, "already exists or changed"))
}

__all__ = ["ObjectMeta", "Object", "ObjectOut", "ObjectList", "WorkflowCreateRequest", "WorkflowLintRequest",
           "WorkflowSubmitRequest", "RetryRequest", "ResubmitRequest", "NodeRequest", "SetRequest",
           "TemplateCreateRequest", "TemplateUpdateRequest", "CronCreateRequest", "CronUpdateRequest", "Empty",
           "ErrorBody", "ERRORS"]
