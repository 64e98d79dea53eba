"""retryStrategy: the Retry node and its attempts `x(0)`, `x(1)`, … (Argo's processNodeRetries).

The Retry node mirrors its last attempt. A failed attempt is retried when the policy
allows it (`OnFailure` by default, `Always` when an `expression` is given), the limit is
not used up, `expression` (over `lastRetry.*`) holds, and backoff has elapsed — while
waiting, the node says `Backoff for …` and the reconcile asks to be called again then.
See docs/retries.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from podfleet.controller.context import Pass
from podfleet.controller.nodes import ERROR, FAILED, RUNNING, SUCCEEDED, Node, fulfilled, parse_time
from podfleet.controller.templates import Scope
from podfleet.controller.text import expr_bool
from podfleet.durations import parse_duration
from podfleet.errors import InvalidError, PodfleetError

_TRANSIENT = ("connection reset", "timeout", "temporarily unavailable", "too many requests", "i/o timeout",
              "transport is closing", "eof", "deadline exceeded", "pod deleted", "etcdserver")


def strategy(p: Pass, tmpl: dict[str, Any]) -> dict[str, Any] | None:
    return tmpl.get("retryStrategy") or p.spec.get("retryStrategy") or None


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def policy(rs: dict[str, Any]) -> str:
    if rs.get("retryPolicy"):
        return str(rs["retryPolicy"])
    return "Always" if rs.get("expression") else "OnFailure"


def human_duration(seconds: float) -> str:
    """go-humanize's Duration for the `Backoff for …` message (`10 seconds`, `1 minute`)."""
    s = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if s >= size:
            n = s // size
            return f"{n} {unit}" + ("s" if n != 1 else "")
    return f"{s} second" + ("s" if s != 1 else "")


def attempts(p: Pass, node: Node) -> list[Node]:
    out = []
    for cid in node.get("children") or ():
        child = p.nodes.get(cid)
        if child is not None and not (child.get("nodeFlag") or {}).get("hooked"):
            out.append(child)
    return out


def _duration(node: Node) -> float:
    start, end = parse_time(node.get("startedAt")), parse_time(node.get("finishedAt"))
    if start is None or end is None:
        return 0.0
    return (end - start).total_seconds()


def last_retry_scope(last: Node | None, count: int) -> dict[str, str]:
    exit_code, status, duration, message = "-1" if last is not None else "0", "", "0", ""
    if last is not None:
        outputs = last.get("outputs") or {}
        if outputs.get("exitCode") is not None:
            exit_code = str(outputs["exitCode"])
        status, duration, message = last.get("phase", ""), _fmt_float(_duration(last)), last.get("message", "")
    return {
        "retries": str(count),
        "lastRetry.exitCode": exit_code, "lastRetry.status": status,
        "lastRetry.duration": duration, "lastRetry.message": message,
    }


def _fmt_float(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def process(p: Pass, node: Node, rs: dict[str, Any], opts: Any) -> tuple[Node, bool]:
    """(retry node, continue?) — continue means: run (or create) the next attempt."""
    if fulfilled(node.get("phase")):
        return node, True
    kids = attempts(p, node)
    if not kids:
        return node, True
    last = kids[-1]
    if last.get("daemoned"):
        node["daemoned"] = True
    if not fulfilled(last.get("phase")):
        if last.get("daemoned"):
            p.nodes.mark(node, last["phase"])
        return node, True
    if last.get("phase") not in (FAILED, ERROR):
        if last.get("outputs") is not None:
            p.nodes.set(node, "outputs", last["outputs"])
        return p.nodes.mark(node, SUCCEEDED), True
    if p.shutdown or p.deadline_exceeded():
        msg = (f"Stopped with strategy '{p.shutdown}'" if p.shutdown
               else f"retry exceeded workflow deadline {p.deadline}")
        return p.nodes.mark(node, last["phase"], msg), True

    backoff = rs.get("backoff")
    if backoff:
        max_deadline = None
        if backoff.get("maxDuration"):
            first_start = parse_time(kids[0].get("startedAt")) or p.now
            max_deadline = first_start + timedelta(seconds=parse_duration(backoff["maxDuration"]))
            if p.now > max_deadline:
                return p.nodes.mark(node, last["phase"], "Max duration limit exceeded"), True
        if not backoff.get("duration"):
            raise InvalidError("no base duration specified for retryStrategy")
        wait = parse_duration(backoff["duration"])
        factor = _int(backoff.get("factor"))
        if factor is not None and factor > 0:
            wait = wait * (factor ** (len(kids) - 1))
        if backoff.get("cap"):
            wait = min(wait, parse_duration(backoff["cap"]))
        finished = parse_time(last.get("finishedAt")) or p.now
        ready_at = finished + timedelta(seconds=wait)
        if max_deadline is not None and ready_at > max_deadline:
            return p.nodes.mark(node, last["phase"], "Backoff would exceed max duration limit"), True
        limit = _int(rs.get("limit"))
        if p.now < ready_at and limit is not None and len(kids) <= limit:
            p.actions.requeue((ready_at - p.now).total_seconds())
            return p.nodes.mark(node, node.get("phase", RUNNING), f"Backoff for {human_duration(wait)}"), False
        if max_deadline is not None:
            opts.execution_deadline = max_deadline
        p.nodes.mark(node, node.get("phase", RUNNING), "")

    pol = policy(rs)
    phase = last["phase"]
    on_failed = pol in ("Always", "OnFailure")
    on_error = pol in ("Always", "OnError")
    if pol == "OnTransientError":
        transient = any(t in (last.get("message") or "").lower() for t in _TRANSIENT)
        on_failed = on_error = transient
    elif pol not in ("Always", "OnFailure", "OnError"):
        raise InvalidError(f"{pol} is not a valid RetryPolicy")
    if (phase == FAILED and not on_failed) or (phase == ERROR and not on_error):
        return p.nodes.mark(node, phase, last.get("message", "")), True
    limit = _int(rs.get("limit"))
    if rs.get("limit") is not None and limit is not None and len(kids) > limit:
        return p.nodes.mark(node, phase, "No more retries left"), True
    if rs.get("expression"):
        if not expr_bool(rs["expression"], last_retry_scope(last, len(kids) - 1)):
            return p.nodes.mark(node, phase, "retryStrategy.expression evaluated to false"), True
    return node, True


def execute_with_retry(p: Pass, call: Any, tmpl: dict[str, Any], child_scope: Scope, node: Node | None,
                       dispatch: Callable[..., Node]) -> Node:
    from podfleet.controller.execute import Call, Opts, init_exec_node, with_retry_locals

    rs = strategy(p, tmpl) or {}
    if node is None:
        node = init_exec_node(p, call, tmpl, "Retry", RUNNING)
    flag = dict(call.opts.node_flag or {})
    flag["retried"] = True
    opts = Opts(boundary_id=call.opts.boundary_id, on_exit=call.opts.on_exit, node_flag=flag,
                execution_deadline=call.opts.execution_deadline)
    for _ in range(2):  # a just-finished attempt may decide the retry node at once (Argo re-enters)
        try:
            node, go_on = process(p, node, rs, opts)
        except PodfleetError as err:
            return p.nodes.mark(node, ERROR, str(err))
        if not go_on or fulfilled(node.get("phase")):
            return node
        kids = attempts(p, node)
        last = kids[-1] if kids else None
        if last is not None and not fulfilled(last.get("phase")):
            attempt_name, index = last["name"], len(kids) - 1
            existing: Node | None = last
        else:
            index = len(kids)
            attempt_name = f"{call.name}({index})"
            p.nodes.add_child(node, p.nodes.id_of(attempt_name))
            existing = None
        locals_ = {"node.name": attempt_name, **last_retry_scope(last, index)}
        if last is None:
            locals_["lastRetry.exitCode"] = "0"
        try:
            attempt_tmpl = with_retry_locals(p, tmpl, attempt_name, locals_)
        except PodfleetError as err:
            return p.nodes.mark(node, ERROR, str(err))
        attempt_call = Call(name=attempt_name, holder=call.holder, scope=call.scope, args=call.args,
                            opts=opts, holder_kind=call.holder_kind)
        child = dispatch(p, attempt_call, attempt_tmpl, child_scope, existing)
        if child.get("daemoned") and not fulfilled(child.get("phase")):
            node["daemoned"] = True
            p.nodes.mark(node, child.get("phase", RUNNING))
        if not fulfilled(child.get("phase")):
            return node
    return node


__all__ = ["strategy", "policy", "process", "execute_with_retry", "attempts", "human_duration"]
