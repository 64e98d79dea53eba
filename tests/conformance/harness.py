"""The conformance oracle: run one Argo workflow through the real CLI and compare with Argo.

Each case is `workflows/<case>.yaml` (the workflow, written the way an Argo user writes
it) plus `workflows/<case>.expect.yaml` (what Argo shows at the end, derived from
Argo's controller source and cited in the file's `argo:` key).

Expectation language (kept tiny so a failure message reads like `argo get`):

- node keys are node *names* with `@` standing for the workflow name: `@` is the
  root node, `@[0].a` a step, `@.a` a DAG task, `@.onExit` the exit handler;
- in any expected string `{wf}` is the workflow name and `{id:<key>}` the node id
  Argo derives from that node name (`<wf>-<fnv32a(name)>`, `Workflow.NodeID`);
- the workflow `message` is compared exactly and defaults to empty (Argo sets no
  message on success); node fields are compared only when listed;
- unless `nodes_exact: false`, the set of node names must equal the listed keys:
  an extra or missing node is a difference in structure, not a detail.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.cli import podfleet

CASES_DIR = Path(__file__).resolve().parent / "workflows"
FINAL_PHASES = {"Succeeded", "Failed", "Error"}


def fnv32a(text: str) -> int:
    """FNV-1a, 32 bit, over UTF-8: what Go's hash/fnv New32a gives Argo for node ids."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def node_name(key: str, wf_name: str) -> str:
    return wf_name + key[1:] if key.startswith("@") else key


def node_id(key: str, wf_name: str) -> str:
    name = node_name(key, wf_name)
    return wf_name if name == wf_name else f"{wf_name}-{fnv32a(name)}"


def expand(text: str, wf_name: str) -> str:
    text = re.sub(r"\{id:([^}]+)\}", lambda m: node_id(m.group(1), wf_name), text)
    return text.replace("{wf}", wf_name)


@dataclass
class Case:
    name: str
    workflow: Path
    expect: dict[str, Any]

    @property
    def provider_skip(self) -> list[str]:
        return list(self.expect.get("skip_providers", []))


def load_cases() -> list[Case]:
    cases = []
    for wf in sorted(CASES_DIR.glob("*.yaml")):
        if wf.name.endswith(".expect.yaml"):
            continue
        exp = wf.with_name(wf.stem + ".expect.yaml")
        if not exp.exists():
            raise AssertionError(f"{wf.name} has no {exp.name}")
        cases.append(Case(wf.stem, wf, yaml.safe_load(exp.read_text())))
    return cases


@dataclass
class Run:
    workflow: dict[str, Any]
    wall_seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.workflow["metadata"]["name"])

    def nodes(self) -> dict[str, dict[str, Any]]:
        return {n["name"]: n for n in (self.workflow.get("status", {}).get("nodes") or {}).values()}


def _json_documents(text: str) -> list[Any]:
    """Every JSON value printed one after another (submit may print the object, then the result)."""
    decoder = json.JSONDecoder()
    docs, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            return docs
        docs.append(doc)


def _submit_once(case: Case, home: Path, provider: str) -> Run:
    env = {"PODFLEET_PROVIDER": provider}
    args = [str(a) for a in case.expect.get("args", [])]
    start = time.monotonic()
    limit = float(case.expect.get("timeout", 60))
    try:
        res = podfleet("submit", str(case.workflow), "--wait", "-o", "json", *args, home=home,
                       timeout=limit, env=env)
    except subprocess.TimeoutExpired as err:
        raise AssertionError(f"submit --wait did not return within {limit:.0f}s; "
                             f"stderr: {(err.stderr or b'')[-1500:]!r}") from None
    wall = time.monotonic() - start
    if not res.out.strip():
        raise AssertionError(f"submit printed nothing (exit {res.code}): {res.err[-2000:]}")
    docs = _json_documents(res.out)
    if not docs:
        raise AssertionError(f"submit -o json printed no JSON (exit {res.code}): {res.out[:500]!r} {res.err[-1500:]}")
    wf = docs[-1]
    if (wf.get("status") or {}).get("phase") not in FINAL_PHASES:
        got = podfleet("get", wf["metadata"]["name"], "-o", "json", home=home, env=env)
        if got.code != 0:
            raise AssertionError(f"get failed: {got.err[-1500:]}")
        wf = got.json()
    return Run(wf, wall)


def run_rejected(case: Case, home: Path, provider: str) -> list[str]:
    """A workflow Argo refuses at submit time: non-zero exit and Argo's validation message."""
    args = [str(a) for a in case.expect.get("args", [])]
    res = podfleet("submit", str(case.workflow), "--wait", "-o", "json", *args, home=home,
                   env={"PODFLEET_PROVIDER": provider})
    diffs = []
    if res.code == 0:
        diffs.append(f"submit succeeded (stdout {res.out[:300]!r}); Argo rejects this workflow")
    pattern = case.expect.get("stderr_re")
    if pattern and not re.search(pattern, res.err):
        diffs.append(f"stderr {res.err.strip()[-500:]!r} lacks Argo's message /{pattern}/")
    return diffs


def run_case(case: Case, home: Path, provider: str) -> Run:
    env = {"PODFLEET_PROVIDER": provider}
    for rel in case.expect.get("apply", []):
        res = podfleet("apply", "-f", str(CASES_DIR / rel), home=home, env=env)
        if res.code != 0:
            raise AssertionError(f"apply -f {rel} failed: {res.err[-1500:]}")
    history = []
    for _ in range(int(case.expect.get("runs", 1)) - 1):
        history.append(_submit_once(case, home, provider).workflow)
    run = _submit_once(case, home, provider)
    run.history = history
    return run


# ---------------------------------------------------------------- comparison


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _param_map(params: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {p["name"]: p.get("value") for p in params or []}


class Diff:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def check(self, where: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            self.lines.append(f"{where}: expected {expected!r}, got {actual!r}")

    def add(self, line: str) -> None:
        self.lines.append(line)


def _check_outputs(diff: Diff, where: str, exp: dict[str, Any], actual: dict[str, Any] | None, wf: str) -> None:
    actual = actual or {}
    for key in ("result", "exitCode"):
        if key in exp:
            want = exp[key]
            want = expand(want, wf) if isinstance(want, str) else want
            diff.check(f"{where}.outputs.{key}", want, actual.get(key))
    if "parameters" in exp:
        got = _param_map(actual.get("parameters"))
        for pname, want in exp["parameters"].items():
            want = expand(want, wf) if isinstance(want, str) else want
            diff.check(f"{where}.outputs.parameters.{pname}", want, got.get(pname, "<absent>"))


def _check_node(diff: Diff, key: str, exp: dict[str, Any], node: dict[str, Any], wf: str) -> None:
    where = f"node {key}"
    for fld in ("displayName", "type", "phase", "message", "templateName"):
        if fld in exp:
            want = exp[fld]
            want = expand(want, wf) if isinstance(want, str) else want
            got = node.get(fld, "")
            diff.check(f"{where}.{fld}", want, got)
    if "message_re" in exp:
        if not re.fullmatch(expand(exp["message_re"], wf), node.get("message", "") or ""):
            diff.add(f"{where}.message: expected to match {exp['message_re']!r}, got {node.get('message')!r}")
    if "children" in exp:
        want = sorted(node_id(k, wf) for k in exp["children"])
        diff.check(f"{where}.children (ids)", want, sorted(node.get("children") or []))
    if "boundary" in exp:
        diff.check(f"{where}.boundaryID", node_id(exp["boundary"], wf), node.get("boundaryID"))
    if "outputs" in exp:
        _check_outputs(diff, where, exp["outputs"], node.get("outputs"), wf)
    if "inputs" in exp:
        got = _param_map((node.get("inputs") or {}).get("parameters"))
        for pname, want in exp["inputs"].get("parameters", {}).items():
            want = expand(want, wf) if isinstance(want, str) else want
            diff.check(f"{where}.inputs.parameters.{pname}", want, got.get(pname, "<absent>"))
    if "memoizationStatus" in exp:
        got = node.get("memoizationStatus") or {}
        for fld, want in exp["memoizationStatus"].items():
            diff.check(f"{where}.memoizationStatus.{fld}", want, got.get(fld))
    if "min_seconds" in exp or "max_seconds" in exp:
        start, end = _ts(node.get("startedAt")), _ts(node.get("finishedAt"))
        if start is None or end is None:
            diff.add(f"{where}: startedAt/finishedAt missing")
        else:
            if "min_seconds" in exp and end - start < exp["min_seconds"]:
                diff.add(f"{where}: ran {end - start:.1f}s, Argo takes at least {exp['min_seconds']}s")
            if "max_seconds" in exp and end - start > exp["max_seconds"]:
                diff.add(f"{where}: ran {end - start:.1f}s, Argo stops it within {exp['max_seconds']}s")


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant; touching ends (a finishes when b starts) do not overlap."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    best = cur = 0
    for _, delta in events:
        cur += delta
        best = max(best, cur)
    return best


def _select(nodes: dict[str, dict[str, Any]], sel: dict[str, Any], wf: str) -> list[dict[str, Any]]:
    out = list(nodes.values())
    if "type" in sel:
        out = [n for n in out if n.get("type") == sel["type"]]
    if "prefix" in sel:
        prefix = node_name(sel["prefix"], wf)
        out = [n for n in out if n["name"].startswith(prefix)]
    return out


def compare(case: Case, run: Run) -> list[str]:
    exp = case.expect
    wf_obj = run.workflow
    wf = run.name
    status = wf_obj.get("status") or {}
    diff = Diff()
    diff.check("workflow phase", exp["phase"], status.get("phase"))
    if "message_re" in exp:
        if not re.fullmatch(expand(exp["message_re"], wf), status.get("message", "") or ""):
            diff.add(f"workflow message: expected to match {exp['message_re']!r}, got {status.get('message')!r}")
    else:
        diff.check("workflow message", expand(exp.get("message", ""), wf), status.get("message", "") or "")
    if "outputs" in exp:
        got = _param_map((status.get("outputs") or {}).get("parameters"))
        for pname, want in exp["outputs"].get("parameters", {}).items():
            diff.check(f"status.outputs.parameters.{pname}", expand(str(want), wf), got.get(pname, "<absent>"))

    nodes = run.nodes()
    expected_nodes: dict[str, dict[str, Any]] = exp.get("nodes", {}) or {}
    for key, nexp in expected_nodes.items():
        name = node_name(key, wf)
        if name not in nodes:
            diff.add(f"node {key}: missing (Argo creates a node named {name!r})")
            continue
        node = nodes[name]
        diff.check(f"node {key}.id", node_id(key, wf), node.get("id"))
        _check_node(diff, key, nexp or {}, node, wf)
    if exp.get("nodes_exact", True) and expected_nodes:
        want = {node_name(k, wf) for k in expected_nodes}
        extra = sorted(set(nodes) - want)
        if extra:
            diff.add(f"nodes Argo would not create: {extra}")
    for key in exp.get("absent_nodes", []):
        if node_name(key, wf) in nodes:
            diff.add(f"node {key}: present, but Argo never creates it")

    for rule in exp.get("concurrency", []):
        chosen = _select(nodes, rule.get("select", {}), wf)
        spans = []
        for n in chosen:
            s, e = _ts(n.get("startedAt")), _ts(n.get("finishedAt"))
            if s is None or e is None:
                diff.add(f"concurrency: node {n['name']} lacks startedAt/finishedAt")
                continue
            spans.append((s, e))
        peak = _max_overlap(spans)
        if "max" in rule and peak > rule["max"]:
            diff.add(f"concurrency {rule.get('select')}: {peak} ran at once, Argo allows at most {rule['max']}")
        if "min" in rule and peak < rule["min"]:
            diff.add(f"concurrency {rule.get('select')}: at most {peak} ran at once, Argo runs {rule['min']} together")

    dur = exp.get("duration")
    if dur:
        s, e = _ts(status.get("startedAt")), _ts(status.get("finishedAt"))
        if s is None or e is None:
            diff.add("workflow startedAt/finishedAt missing")
        else:
            if "min" in dur and e - s < dur["min"]:
                diff.add(f"workflow took {e - s:.1f}s, Argo takes at least {dur['min']}s")
            if "max" in dur and e - s > dur["max"]:
                diff.add(f"workflow took {e - s:.1f}s, Argo finishes within {dur['max']}s")
    if "wall_max" in exp and run.wall_seconds > exp["wall_max"]:
        diff.add(f"submit --wait took {run.wall_seconds:.1f}s wall time; expected at most {exp['wall_max']}s")

    first = exp.get("first_run")
    if first and run.history:
        prev = run.history[0]
        prev_name = prev["metadata"]["name"]
        prev_nodes = {n["name"]: n for n in (prev.get("status", {}).get("nodes") or {}).values()}
        sub = Diff()
        sub.check("workflow phase", first.get("phase", exp["phase"]), prev.get("status", {}).get("phase"))
        for key, nexp in (first.get("nodes") or {}).items():
            node = prev_nodes.get(node_name(key, prev_name))
            if node is None:
                sub.add(f"node {key}: missing")
                continue
            _check_node(sub, key, nexp or {}, node, prev_name)
        diff.lines += [f"first run: {line}" for line in sub.lines]
    for rule in exp.get("gaps", []):
        a = nodes.get(node_name(rule["after"], wf), {})
        b = nodes.get(node_name(rule["before"], wf), {})
        end, start = _ts(a.get("finishedAt")), _ts(b.get("startedAt"))
        if end is None or start is None:
            diff.add(f"gap {rule['after']} -> {rule['before']}: timestamps missing")
        elif start - end < rule["min"]:
            diff.add(f"{rule['before']} started {start - end:.1f}s after {rule['after']} finished; "
                     f"Argo waits at least {rule['min']}s")
    for key in exp.get("same_outputs_as_first_run", []):
        if not run.history:
            continue
        prev = run.history[0]
        prev_nodes = {n["name"]: n for n in (prev.get("status", {}).get("nodes") or {}).values()}
        before = prev_nodes.get(node_name(key, prev["metadata"]["name"]), {}).get("outputs", {}) or {}
        after = nodes.get(node_name(key, wf), {}).get("outputs", {}) or {}
        diff.check(f"node {key} outputs.parameters (cached vs first run)",
                   _param_map(before.get("parameters")), _param_map(after.get("parameters")))
    return diff.lines


def describe(run: Run) -> str:
    """A compact `argo get`-like listing for failure messages."""
    rows = []
    for n in sorted(run.nodes().values(), key=lambda n: n.get("startedAt") or ""):
        outs = n.get("outputs") or {}
        rows.append(f"  {n['name']!r} {n.get('type')} {n.get('phase')} msg={n.get('message', '')!r} "
                    f"result={outs.get('result')!r} exit={outs.get('exitCode')!r} "
                    f"params={_param_map(outs.get('parameters'))} t={n.get('startedAt')}..{n.get('finishedAt')}")
    st = run.workflow.get("status", {})
    return f"workflow {run.name} {st.get('phase')} {st.get('message', '')!r}\n" + "\n".join(rows)
