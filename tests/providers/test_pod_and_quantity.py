"""The Pod model the controller hands down, and Kubernetes quantities."""

from __future__ import annotations

import pytest

from podfleet.errors import InvalidError
from podfleet.resources.pod import Pod
from podfleet.resources.quantity import parse_bytes, parse_cpu_millis, parse_quantity


@pytest.mark.parametrize(("text", "value"), [
    ("512Mi", 512 * 2**20), ("1Gi", 2**30), ("1.5Ki", 1536), ("500m", 0.5), ("2", 2.0), (1, 1.0),
    (0.25, 0.25), ("1e3", 1000.0), ("1k", 1000.0), ("100M", 1e8), ("250u", 0.00025),
])
def test_quantities_parse_like_kubernetes(text: str | int | float, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value)


def test_bytes_and_millicores_round_up() -> None:
    assert parse_bytes("0.5Ki") == 512 and parse_bytes("1.0001") == 2
    assert parse_cpu_millis("0.1") == 100 and parse_cpu_millis("1") == 1000 and parse_cpu_millis("1.5m") == 2


@pytest.mark.parametrize("bad", ["", "abc", "12Mb", "1.2.3", "Mi", True])
def test_bad_quantities_name_the_value(bad: object) -> None:
    with pytest.raises(InvalidError, match="invalid quantity"):
        parse_quantity(bad)  # type: ignore[arg-type]


def test_pod_round_trips_with_unknown_fields_kept() -> None:
    manifest = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "wf-123", "namespace": "argo", "labels": {"workflows.argoproj.io/workflow": "wf"},
                     "annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"}},
        "spec": {
            "containers": [{"name": "main", "image": "python:3.11", "command": ["python"],
                            "args": ["/argo/staging/script"],
                            "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                            "volumeMounts": [{"name": "w", "mountPath": "/w", "subPath": "x", "readOnly": True}],
                            "resources": {"limits": {"memory": "1Gi", "cpu": 2}}, "livenessProbe": {"exec": {}}}],
            "initContainers": [{"name": "init", "image": "busybox", "command": ["true"]}],
            "volumes": [{"name": "w", "emptyDir": {"sizeLimit": "1Gi"}},
                        {"name": "c", "configMap": {"name": "cm", "items": [{"key": "a", "path": "b"}]}},
                        {"name": "d", "persistentVolumeClaim": {"claimName": "dataset"}},
                        {"name": "n", "nfs": {"server": "x", "path": "/"}}],
            "activeDeadlineSeconds": 60, "terminationGracePeriodSeconds": 0, "restartPolicy": "Never",
            "schedulerName": "eci", "nodeSelector": {"type": "virtual-kubelet"},
            "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists"}],
        },
    }
    pod = Pod.model_validate(manifest)
    assert pod.dump() == manifest
    assert pod.spec.container("main").volume_mounts[0].sub_path == "x"
    assert pod.spec.volume("d").persistent_volume_claim.claim_name == "dataset"
    assert (pod.name, pod.namespace) == ("wf-123", "argo")


def test_pod_defaults_api_version_and_kind_in_its_dump() -> None:
    pod = Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "main"}]}})
    assert pod.dump()["apiVersion"] == "v1" and pod.dump()["kind"] == "Pod"
    assert pod.namespace == "default"
