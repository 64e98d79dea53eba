"""How fast is `podfleet lint` on one very large workflow, compared with merely parsing it?

Generates a 10,000-task DAG (each task depends on one or two earlier tasks and uses an
output of one of them) and a 10,000-step steps template (2,500 groups of 4), writes each
to a temporary file, then measures files/s for lint_paths and for a plain
`yaml.load(CSafeLoader)` of the same file. Lint must stay linear: the ratio should not
grow with the size of the workflow (try --nodes 20000).

    python bench/lint_throughput.py [--nodes 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import yaml

from podfleet.lint import lint_paths

_ECHO = {"name": "echo", "inputs": {"parameters": [{"name": "msg"}]},
         "container": {"image": "alpine", "command": ["echo"], "args": ["{{inputs.parameters.msg}}"]}}


def dag_workflow(nodes: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    tasks = [{"name": "t0", "template": "echo", "arguments": {"parameters": [{"name": "msg", "value": "start"}]}}]
    for i in range(1, nodes):
        deps = sorted({f"t{i - 1}", f"t{rng.randrange(i)}"})
        tasks.append({"name": f"t{i}", "template": "echo", "depends": " && ".join(deps),
                      "arguments": {"parameters": [{"name": "msg", "value": f"{{{{tasks.{deps[0]}.outputs.result}}}}"}]}})
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "big-dag-"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "dag": {"tasks": tasks}}, _ECHO]}}


def steps_workflow(nodes: int, width: int = 4) -> dict:
    groups = []
    for g in range(nodes // width):
        group = []
        for s in range(width):
            value = f"{{{{steps.s{g - 1}-0.outputs.result}}}}" if g else "start"
            group.append({"name": f"s{g}-{s}", "template": "echo", "when": f"{{{{steps.s{max(g - 1, 0)}-0.status}}}} != Failed" if g else None,
                          "arguments": {"parameters": [{"name": "msg", "value": value}]}})
            if group[-1]["when"] is None:
                del group[-1]["when"]
        groups.append(group)
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "big-steps-"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "steps": groups}, _ECHO]}}


def _rate(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return 1.0 / best


def measure(name: str, wf: dict, folder: Path, repeat: int) -> None:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.dump(wf, Dumper=yaml.CSafeDumper, sort_keys=False))
    report = lint_paths([path])
    assert report.ok, report.problems[:3]
    text = path.read_text()
    lint_rate = _rate(lambda: lint_paths([path]), repeat)
    yaml_rate = _rate(lambda: yaml.load(text, Loader=yaml.CSafeLoader), repeat)
    size = path.stat().st_size / 1e6
    print(f"{name:6} {size:6.1f} MB  lint {lint_rate:7.3f} files/s ({1 / lint_rate:6.2f} s)   "
          f"yaml.load(CSafeLoader) {yaml_rate:7.3f} files/s ({1 / yaml_rate:6.2f} s)   "
          f"ratio lint/yaml time {yaml_rate / lint_rate:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measure("dag", dag_workflow(args.nodes), folder, args.repeat)
        measure("steps", steps_workflow(args.nodes), folder, args.repeat)


if __name__ == "__main__":
    main()
