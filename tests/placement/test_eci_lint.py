"""Bad ECI input is reported at lint/submit time, on the field where it is written."""

from __future__ import annotations

from pathlib import Path

import yaml

from podfleet.lint.eci import fleet_problems
from podfleet.placement.fleet import Fleet, Zone
from tests.e2e.cli import podfleet, write

BAD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: bad-}
spec:
  entrypoint: main
  podMetadata:
    annotations:
      k8s.aliyun.com/eci-use-specs: "1-2Gi,2-4G,2-4Gi,4-8Gi,8-16Gi,16-32Gi"
      k8s.aliyun.com/eci-max-pending-minute: "5"
  templates:
  - name: main
    container: {image: alpine, command: ["true"]}
"""


def test_malformed_tokens_too_many_specs_and_bad_values_fail_submit(tmp_path: Path, podfleet_home: Path) -> None:
    result = podfleet("submit", str(write(tmp_path, "bad.yaml", BAD)), "--wait", home=podfleet_home)
    assert result.code == 1
    assert "lists 6 specs; at most 5 are allowed" in result.err
    assert "malformed spec '2-4G'" in result.err
    assert "eci-max-pending-minute 5 is out of range" in result.err
    assert 'spec.podMetadata.annotations["k8s.aliyun.com/eci-use-specs"]' in result.err
    assert "Traceback" not in result.err
    listed = podfleet("list", "-o", "name", home=podfleet_home)
    assert listed.out.strip() == ""  # nothing was submitted


FLEET_ONLY = """\
metadata: {generateName: sized-}
spec:
  entrypoint: main
  templates:
  - name: main
    metadata:
      annotations: {k8s.aliyun.com/eci-use-specs: "ecs.c9.huge,2-4Gi"}
    container: {image: alpine, command: ["true"]}
  - name: big
    metadata:
      annotations: {k8s.aliyun.com/eci-use-specs: "2-4Gi,16-32Gi"}
    container: {image: alpine, command: ["true"]}
"""


def test_unknown_instance_types_and_specs_larger_than_every_zone_need_the_fleet() -> None:
    fleet = Fleet([Zone("vsw-a", "process", 8, 16, None, True), Zone("vsw-b", "process", 4, 8, None, True)])
    problems = fleet_problems(yaml.safe_load(FLEET_ONLY), fleet)
    text = [f"{p.field_path}: {p.message}" for p in problems]
    assert any("unknown instance type 'ecs.c9.huge'" in t and "templates[0].metadata" in t for t in text), text
    fixed = yaml.safe_load(FLEET_ONLY.replace("ecs.c9.huge,", ""))
    text = [f"{p.field_path}: {p.message}" for p in fleet_problems(fixed, fleet)]
    assert text == ["spec.templates[1]: spec 16-32Gi (16 vCPU / 32 GiB) is larger than every zone it may run in "
                    "(vsw-a 8 vCPU / 16 GiB, vsw-b 4 vCPU / 8 GiB)"]
