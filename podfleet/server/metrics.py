"""`/metrics`: Prometheus text with the controller metric names Argo uses, plus podfleet's.

Argo's names (prefix `argo_workflows_`): `gauge{phase}` workflows by phase (and the
v3.5 name `count{status}`), `pods_gauge{phase}` (v3.5: `pods_count`),
`queue_depth_gauge{queue_name}` (v3.5: `queue_depth_count`), `operation_duration_seconds`
histogram, `total_count{phase,namespace}`, `cronworkflows_triggered_total`,
`cronworkflows_concurrencypolicy_triggered`. podfleet adds `podfleet_pods_started_total`
(its rate is pods started per second), `podfleet_api_request_duration_seconds`, and
`podfleet_placement_queue_depth` (pods accepted but not yet running).

Every metric lives in this app's own registry (no process-global state); gauges are
refreshed from the store and the provider when scraped.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from podfleet.store.contract import Store

WORKFLOW_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error")
POD_PHASES = ("Pending", "Running", "Succeeded", "Failed")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.workflows = Gauge("argo_workflows_gauge", "Workflows currently in each phase", ["phase"], registry=r)
        self.workflows_v35 = Gauge("argo_workflows_count", "Workflows currently in each phase (Argo v3.5 name)",
                                   ["status"], registry=r)
        self.pods = Gauge("argo_workflows_pods_gauge", "Workflow pods currently in each phase", ["phase"], registry=r)
        self.pods_v35 = Gauge("argo_workflows_pods_count", "Workflow pods in each phase (Argo v3.5 name)",
                              ["phase"], registry=r)
        self.queue = Gauge("argo_workflows_queue_depth_gauge", "Depth of the controller queues", ["queue_name"],
                           registry=r)
        self.queue_v35 = Gauge("argo_workflows_queue_depth_count", "Depth of the controller queues (v3.5 name)",
                               ["queue_name"], registry=r)
        self.operation = Histogram("argo_workflows_operation_duration_seconds",
                                   "Duration of one workflow reconciliation", registry=r,
                                   buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.total = Counter("argo_workflows_total_count", "Workflows that entered each phase",
                             ["phase", "namespace"], registry=r)
        self.cron_triggered = Counter("argo_workflows_cronworkflows_triggered_total",
                                      "Times a CronWorkflow was triggered", ["name", "namespace"], registry=r)
        self.cron_policy = Counter("argo_workflows_cronworkflows_concurrencypolicy_triggered",
                                   "Times a CronWorkflow's concurrencyPolicy limited a run",
                                   ["name", "namespace", "concurrency_policy"], registry=r)
        self.pods_started = Counter("podfleet_pods_started_total", "Pods podfleet asked its provider to start",
                                    registry=r)
        self.placement_queue = Gauge("podfleet_placement_queue_depth", "Pods accepted but not yet running",
                                     registry=r)
        self.api_latency = Histogram("podfleet_api_request_duration_seconds", "REST API request duration",
                                     ["method"], registry=r,
                                     buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))

    async def refresh(self, store: Store, provider: object | None, queue_depth: int, cron_queue: int) -> None:
        counts = dict.fromkeys(WORKFLOW_PHASES, 0)
        for wf in await store.list("Workflow"):
            phase = (wf.get("status") or {}).get("phase") or "Pending"
            counts[phase] = counts.get(phase, 0) + 1
        for phase, n in counts.items():
            self.workflows.labels(phase).set(n)
            self.workflows_v35.labels(phase).set(n)
        pods = dict.fromkeys(POD_PHASES, 0)
        if provider is not None:
            for status in await provider.list_pods():  # type: ignore[attr-defined]
                phase = getattr(status.phase, "value", str(status.phase))
                pods[phase] = pods.get(phase, 0) + 1
        for phase, n in pods.items():
            self.pods.labels(phase).set(n)
            self.pods_v35.labels(phase).set(n)
        self.placement_queue.set(pods.get("Pending", 0))
        for name, depth in (("workflow_queue", queue_depth), ("cron_wf_queue", cron_queue)):
            self.queue.labels(name).set(depth)
            self.queue_v35.labels(name).set(depth)

    def render(self) -> bytes:
        return generate_latest(self.registry)


__all__ = ["Metrics"]
