"""The server's state and the plumbing every operation shares.

``Api`` owns the registry of state machines, the execution store, admission control,
metrics and the log sink; the operations (``_ops_*``) are plain functions over it.
Admission is the server's own small counter rather than ``express.Executor``: the API
needs AWS-shaped execution ARNs, histories that survive a StopExecution and per-machine
metrics around each run, and it answers a refused start with ThrottlingException at
once (SDKs back off on it) instead of queueing.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from express.metrics import MachineMetrics, Metrics
from express.runtime._machine import StateMachine
from express.tasks import MockConfig, TaskAdapters

from . import _errors
from ._logs import LogSink, log_lines
from ._registry import MachineRecord, Registry, SharedDir
from ._store import ExecutionRecord, ExecutionStore

if TYPE_CHECKING:
    from ._peers import Peers

__all__ = ["Admission", "Api", "Bound", "ServerConfig", "dumps", "new_id", "parse_input"]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything ``express serve`` takes on its command line."""

    host: str = "127.0.0.1"
    port: int = 8083
    workers: int = 1
    max_in_flight: int = 10_000
    store_size: int = 1000
    log_sink: str = "-"
    resources: str | None = None
    region: str = "us-east-1"
    account: str = "123456789012"
    drain_timeout: float = 30.0
    max_state_machines: int = 100
    state_dir: str | None = None
    lambda_endpoint: str | None = None
    allow_hosts: tuple[str, ...] = ()
    connections: str | None = None
    mock_config: str | None = None
    """A Step Functions Local MockConfigFile: ``<machine ARN>#<test case>`` runs a case."""


class Admission:
    """At most ``limit`` executions in flight; refuses (never queues) beyond it."""

    __slots__ = ("_gauge", "_idle", "in_flight", "limit")

    def __init__(self, limit: int, gauge: Any) -> None:
        self.limit = limit
        self.in_flight = 0
        self._gauge = gauge
        self._idle = asyncio.Event()
        self._idle.set()

    def acquire(self) -> bool:
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        self._idle.clear()
        self._gauge.inc()
        return True

    def release(self) -> None:
        self.in_flight -= 1
        self._gauge.dec()
        if self.in_flight == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass(slots=True)
class Bound:
    """What a machine record carries once prepared on this worker."""

    metrics: MachineMetrics
    record_events: bool
    """Record the history: the store keeps it, or the machine logs."""
    include_data: bool
    cases: dict[str, StateMachine] = field(default_factory=dict)
    """The machine bound to each mock-config test case asked for (``arn#case``)."""


def new_id() -> str:
    """A random version-4 UUID (execution names and ids need uniqueness, not secrecy)."""
    n = (
        random.getrandbits(128) & ~((0xF000 << 64) | (0xC000 << 48))
        | (0x4000 << 64)
        | (0x8000 << 48)
    )
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def dumps(value: Any) -> str:
    """JSON text of an execution's data (AWS returns input and output as strings)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return orjson.dumps(value, default=str).decode()


_BARE_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")


def parse_input(text: str | None) -> Any:
    """The execution input, or InvalidExecutionInput worded as AWS's (JVM) parser words it."""
    if text is None:
        return {}
    if not text.strip():
        raise _errors.invalid_input("Invalid execution input.")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        m = _BARE_TOKEN.match(text)
        if m:
            raise _errors.invalid_input(
                f"Unrecognized token '{m.group(1)}': was expecting (JSON String, Number, "
                "Array, Object or token 'null', 'true' or 'false')"
            ) from None
        raise _errors.invalid_input(str(exc)) from None


Op = Callable[["Api", dict[str, Any]], Awaitable[dict[str, Any]]]


class Api:
    """One worker's view of the service."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        resources: Mapping[str, Callable[[Any], Any]] | None = None,
        metrics: Metrics | None = None,
        shared: SharedDir | None = None,
        sink: LogSink | None = None,
        adapters: TaskAdapters | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics or Metrics(max_state_machines=config.max_state_machines)
        self.resources = dict(resources or {})
        # One set of adapters (pooled HTTP sessions) for every machine, closed on drain.
        self.adapters = adapters or TaskAdapters(
            lambda_endpoint=config.lambda_endpoint,
            allow_hosts=config.allow_hosts,
            connections=config.connections,
        )
        self.mock_config = MockConfig.load(config.mock_config) if config.mock_config else None
        self.store = ExecutionStore(config.store_size)
        self.admission = Admission(config.max_in_flight, self.metrics.in_flight)
        self._sink = sink
        self.draining = False
        self.peers: Peers | None = None
        self.registry = Registry(self.prepare, shared)

    # --- machines ------------------------------------------------------------------

    def prepare(self, record: MachineRecord) -> None:
        """Compile a record and bind its metrics (on create, update, or load from a peer)."""
        machine = StateMachine(
            record.definition,
            self.resources,
            name=record.name,
            role_arn=record.role_arn,
            adapters=self.adapters,
            mock_config=self.mock_config,
            task_observer=self.metrics.observe_task,
        )
        machine.arn = record.arn
        record.machine = machine
        level = record.log_level
        record.extra = Bound(
            metrics=self.metrics.machine(record.name),
            record_events=self.store.enabled or level != "OFF",
            include_data=bool(record.logging.get("includeExecutionData", False)),
        )

    def machine(self, arn: str) -> MachineRecord:
        """The machine named by ``arn``, or InvalidArn / StateMachineDoesNotExist."""
        record = self.registry.get(arn)
        if record is None:
            base, _, case = arn.partition("#")
            record = self.registry.get(base) if case else None
            if record is None:
                from ._wire import parse_machine_arn

                parse_machine_arn(base)
                raise _errors.machine_not_found(arn)
        return record

    def runnable(self, record: MachineRecord, arn: str) -> StateMachine:
        """The compiled machine to run; ``<arn>#<case>`` runs a mock-config test case, as
        Step Functions Local does."""
        machine = record.machine
        assert machine is not None
        _, _, case = arn.partition("#")
        if not case:
            return machine
        bound: Bound = record.extra
        found = bound.cases.get(case)
        if found is None:
            try:
                found = bound.cases[case] = machine.with_test_case(case)
            except (ValueError, KeyError) as exc:
                raise _errors.validation("stateMachineArn", arn, str(exc)) from None
        return found

    # --- executions ----------------------------------------------------------------

    def admit(self, record: MachineRecord) -> Bound:
        bound: Bound = record.extra
        if self.draining or not self.admission.acquire():
            bound.metrics.throttled.inc()
            raise _errors.throttled(
                "the server is draining"
                if self.draining
                else f"{self.admission.limit} executions in flight"
            )
        bound.metrics.started.inc()
        return bound

    def finished(self, execution: ExecutionRecord, transitions: int) -> None:
        """Count a finished execution, keep it, and log it."""
        record = execution.machine
        bound: Bound = record.extra
        stop = execution.stop if execution.stop is not None else time.time()
        bound.metrics.record(execution.status, stop - execution.start, transitions)
        if execution.events is not None:
            level = record.log_level
            if level != "OFF":
                self.sink.write(
                    log_lines(execution.events, execution.arn, level, bound.include_data)
                )

    @property
    def sink(self) -> LogSink:
        if self._sink is None:
            self._sink = LogSink(self.config.log_sink)
        return self._sink

    async def aclose(self) -> None:
        """Close the adapters' HTTP sessions and the log sink."""
        await self.adapters.aclose()
        if self._sink is not None:
            self._sink.close()
