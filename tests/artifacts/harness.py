"""Fixtures: a real S3-protocol server (moto) on loopback, and workflows run in-process.

Workflows run through the real pieces — SQLite store, Runner (controller), process
provider, executor — so what the tests read back is what `podfleet get -o yaml` shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.e2e.cli import seed_workflows
from tests.loopback import free_port, moto_s3  # noqa: F401 (free_port is re-exported to the tests)

ACCESS_KEY, SECRET_KEY = "AKIDPODFLEETTEST", "pOdFlEeT-SeCrEt-VaLuE-42"


@dataclass
class S3Server:
    endpoint: str
    port: int

    def client(self, access: str = ACCESS_KEY, secret: str = SECRET_KEY) -> Any:
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=access,
                            aws_secret_access_key=secret, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}))

    def bucket(self, name: str) -> str:
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents") or ())


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with moto_s3() as (endpoint, port):
        yield S3Server(endpoint, port)


def oss_objects(endpoint: str, bucket: str, *, secret_name: str = "my-bucket-credentials",
                access: str = ACCESS_KEY, secret: str = SECRET_KEY, extra: str = "") -> list[dict[str, Any]]:
    """The seed's OSS set-up: the `artifact-repositories` ConfigMap and the credentials Secret."""
    repo = (f"oss:\n  endpoint: {endpoint}\n  bucket: {bucket}\n"
            f"  accessKeySecret:\n    name: {secret_name}\n    key: accessKey\n"
            f"  secretKeySecret:\n    name: {secret_name}\n    key: secretKey\n{extra}")
    return [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "artifact-repositories", "namespace": "default",
                      "annotations": {"workflows.argoproj.io/default-artifact-repository": "default-v1"}},
         "data": {"default-v1": repo}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": secret_name, "namespace": "default"},
         "stringData": {"accessKey": access, "secretKey": secret}},
    ]


def seed_artifact_passing() -> dict[str, Any]:
    doc = next(d for d in seed_workflows() if "artifact-passing" in d)
    return yaml.safe_load(doc)


@dataclass
class Engine:
    home: Path

    def run(self, workflow: dict[str, Any] | str, objects: list[dict[str, Any]] = (), timeout: float = 60) -> dict:
        return asyncio.run(asyncio.wait_for(self._run(workflow, list(objects)), timeout))

    async def _run(self, workflow: dict[str, Any] | str, objects: list[dict[str, Any]]) -> dict:
        from podfleet.controller.runner import Runner
        from podfleet.providers.process.provider import ProcessProvider
        from podfleet.store import open_store

        if isinstance(workflow, str):
            workflow = yaml.safe_load(workflow)
        store = open_store(self.home / "store.db")
        provider = ProcessProvider(self.home)
        runner = Runner(store, provider)
        try:
            for obj in objects:
                obj = {**obj, "metadata": {"namespace": "default", **obj["metadata"]}}
                await store.create(obj)
            created = await store.create({**workflow, "metadata": {"namespace": "default", **workflow["metadata"]}})
            return await runner.run_workflow("default", created["metadata"]["name"])
        finally:
            await runner.close()
            await provider.close()
            await store.close()

    def log(self, workflow: dict, display_name: str) -> str:
        node = pod_node(workflow, display_name)
        from podfleet.controller.ids import pod_name

        name = pod_name(workflow["metadata"]["name"], node["name"], node.get("templateName"))
        path = self.home / "logs" / "default" / name / "main.log"
        return path.read_text() if path.exists() else ""


def pod_node(workflow: dict, display_name: str) -> dict[str, Any]:
    nodes = [n for n in workflow["status"]["nodes"].values() if n["displayName"] == display_name]
    assert nodes, f"no node {display_name!r}"
    return nodes[-1]


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    home = tmp_path / "home"
    monkeypatch.setenv("PODFLEET_HOME", str(home))
    return Engine(home)
