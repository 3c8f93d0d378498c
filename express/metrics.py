"""Prometheus metrics of a running express server (prometheus-client).

Names follow Prometheus conventions (one ``express_`` prefix, base units, ``_total`` on
counters, ``_seconds`` on durations) and mirror Step Functions' CloudWatch metrics:

- ``express_executions_started_total{state_machine}``: ExecutionsStarted
- ``express_executions_total{state_machine, status}``: ExecutionsSucceeded, ExecutionsFailed,
  ExecutionsTimedOut, ExecutionsAborted
- ``express_executions_throttled_total{state_machine}``: ExecutionThrottled
- ``express_execution_duration_seconds{state_machine, status}`` (histogram): ExecutionTime
- ``express_state_transitions_total{state_machine}``: StateTransition
- ``express_task_duration_seconds{resource_kind, outcome}`` (histogram), reported by the
  machines' ``task_observer``: LambdaFunctionTime, ServiceIntegrationTime
- ``express_executions_in_flight`` (gauge, summed over workers)
- ``express_event_loop_lag_seconds`` (histogram): how late the loop wakes a timer
- ``express_api_requests_total{operation, code}``: API calls by result (OK or the error)

Label sets are bounded: ``status`` has four values, ``outcome`` three, ``operation`` the
API's operations, ``code`` its error names, ``resource_kind`` the task adapters (python,
lambda, http, mock, custom); ``state_machine`` takes the first ``max_state_machines``
names and folds the rest into ``_other``. Children are bound once per state machine, so
the request path never calls ``labels()``.

With ``--workers N`` the server runs prometheus-client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR`` is set by the supervisor before any worker imports the
client): every worker writes its samples to memory-mapped files and ``/metrics`` on any
worker serves the sum over all of them. Exemplars do not exist in that mode.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

__all__ = ["DURATION_BUCKETS", "MachineMetrics", "Metrics", "watch_loop_lag"]

#: 1 ms to 300 s (the Express limit), with a boundary at the usual SLO thresholds.
DURATION_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
)
LAG_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
OTHER = "_other"


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class MachineMetrics:
    """The children of one state machine's series, bound once."""

    __slots__ = ("duration", "finished", "started", "throttled", "transitions")

    def __init__(self, metrics: Metrics, label: str) -> None:
        self.started = metrics.started.labels(label)
        self.throttled = metrics.throttled.labels(label)
        self.transitions = metrics.transitions.labels(label)
        self.finished = {s: metrics.finished.labels(label, s) for s in STATUSES}
        self.duration = {s: metrics.duration.labels(label, s) for s in STATUSES}

    def record(self, status: str, seconds: float, transitions: int) -> None:
        self.finished[status].inc()
        self.duration[status].observe(seconds)
        if transitions:
            self.transitions.inc(transitions)


class Metrics:
    """The server's metrics, in their own registry (one per server: tests run several)."""

    def __init__(self, *, max_state_machines: int = 100) -> None:
        self.multiprocess = _multiprocess()
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.max_state_machines = max_state_machines
        self._machines: dict[str, MachineMetrics] = {}
        self._labels: dict[str, MachineMetrics] = {}
        self.started = Counter(
            "express_executions_started",
            "Executions started, by state machine.",
            ["state_machine"],
            registry=reg,
        )
        self.finished = Counter(
            "express_executions",
            "Executions finished, by state machine and final status.",
            ["state_machine", "status"],
            registry=reg,
        )
        self.throttled = Counter(
            "express_executions_throttled",
            "Starts refused by admission control (answered with ThrottlingException).",
            ["state_machine"],
            registry=reg,
        )
        self.duration = Histogram(
            "express_execution_duration_seconds",
            "Execution duration from start to its final status.",
            ["state_machine", "status"],
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.transitions = Counter(
            "express_state_transitions",
            "States entered, including those inside Map iterations and Parallel branches.",
            ["state_machine"],
            registry=reg,
        )
        self.task_duration = Histogram(
            "express_task_duration_seconds",
            "Time spent in Task calls, by adapter (python, lambda, http, mock) and outcome.",
            ["resource_kind", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.in_flight = Gauge(
            "express_executions_in_flight",
            "Executions running now (summed over workers).",
            registry=reg,
            multiprocess_mode="livesum",
        )
        self.loop_lag = Histogram(
            "express_event_loop_lag_seconds",
            "How late the event loop woke a timer: a busy or blocked loop shows here.",
            buckets=LAG_BUCKETS,
            registry=reg,
        )
        self.api_requests = Counter(
            "express_api_requests",
            "Step Functions API requests, by operation and result code (OK or the error).",
            ["operation", "code"],
            registry=reg,
        )
        self._api: dict[tuple[str, str], Any] = {}
        self._tasks: dict[tuple[str, str], Any] = {}

    def machine(self, name: str) -> MachineMetrics:
        """The bound children for a state machine (``_other`` past the cap)."""
        found = self._machines.get(name)
        if found is None:
            label = name if len(self._labels) < self.max_state_machines else OTHER
            found = self._labels.get(label)
            if found is None:
                found = self._labels[label] = MachineMetrics(self, label)
            self._machines[name] = found
        return found

    def observe_task(self, kind: str, outcome: str, seconds: float) -> None:
        """The machines' ``task_observer``: one task call of adapter ``kind`` ended."""
        child = self._tasks.get((kind, outcome))
        if child is None:
            child = self._tasks[kind, outcome] = self.task_duration.labels(kind, outcome)
        child.observe(seconds)

    def api(self, operation: str, code: str) -> None:
        child = self._api.get((operation, code))
        if child is None:
            child = self._api[operation, code] = self.api_requests.labels(operation, code)
        child.inc()

    def expose(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition for a scrape (OpenMetrics when the scraper asks for it)."""
        encoder, content_type = choose_encoder(accept or "")
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return encoder(registry), content_type
        return encoder(self.registry), content_type


async def watch_loop_lag(metrics: Metrics, interval: float = 0.5) -> None:
    """Observe how late the loop wakes a timer, every ``interval`` seconds, until cancelled."""
    loop = asyncio.get_running_loop()
    observe = metrics.loop_lag.observe
    while True:
        start = loop.time()
        await asyncio.sleep(interval)
        observe(max(0.0, loop.time() - start - interval))
