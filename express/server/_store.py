"""The bounded in-memory store of recent executions (a local extension for EXPRESS).

AWS keeps no history of Express executions; this store keeps the last ``capacity``
finished executions of every type (plus those still running) so that DescribeExecution,
ListExecutions, GetExecutionHistory and DescribeStateMachineForExecution work for them.
It is per process and not durable: STANDARD executions are kept in the same store.
Eviction is oldest-finished-first; running executions are bounded by admission control,
so nothing here grows without bound.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from express.runtime._events import HistoryEvent

    from ._registry import MachineRecord

__all__ = ["ExecutionRecord", "ExecutionStore"]


class ExecutionRecord:
    """One execution as the API describes it."""

    __slots__ = (
        "arn",
        "cause",
        "error",
        "events",
        "input_text",
        "machine",
        "name",
        "output",
        "start",
        "status",
        "stop",
        "task",
        "trace_header",
    )

    def __init__(
        self,
        arn: str,
        name: str,
        machine: MachineRecord,
        input_text: str,
        start: float,
        events: list[HistoryEvent] | None,
        trace_header: str | None = None,
    ) -> None:
        self.arn = arn
        self.name = name
        #: The machine as it was when the execution started (records are replaced on
        #: update, never changed), for DescribeStateMachineForExecution.
        self.machine = machine
        self.input_text = input_text
        self.start = start
        self.stop: float | None = None
        self.status = "RUNNING"
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.events = events
        self.task: asyncio.Task[None] | None = None
        self.trace_header = trace_header


class ExecutionStore:
    """Running executions, and the last ``capacity`` finished ones (0: keep none)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._running: dict[str, ExecutionRecord] = {}
        self._done: OrderedDict[str, ExecutionRecord] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def add_running(self, record: ExecutionRecord) -> None:
        self._running[record.arn] = record

    def finish(self, record: ExecutionRecord) -> None:
        """Move a running execution to the finished ones."""
        self._running.pop(record.arn, None)
        self.add_done(record)

    def add_done(self, record: ExecutionRecord) -> None:
        if self.capacity <= 0:
            return
        done = self._done
        done[record.arn] = record
        if len(done) > self.capacity:
            done.popitem(last=False)

    def get(self, arn: str) -> ExecutionRecord | None:
        return self._running.get(arn) or self._done.get(arn)

    def running(self) -> list[ExecutionRecord]:
        return list(self._running.values())

    def select(self, machine_arn: str | None, status: str | None) -> list[ExecutionRecord]:
        """Executions of a machine (all when None), newest first, as ListExecutions lists."""
        found = [
            r
            for source in (self._running, self._done)
            for r in source.values()
            if (machine_arn is None or r.machine.arn == machine_arn)
            and (status is None or r.status == status)
        ]
        found.sort(key=lambda r: (r.start, r.arn), reverse=True)
        return found

    def __len__(self) -> int:
        return len(self._running) + len(self._done)
