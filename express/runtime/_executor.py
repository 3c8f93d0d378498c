"""``Executor``: many executions at once on the running loop, with admission control.

A start beyond ``max_in_flight`` is refused at once with ``Throttled`` instead of
queueing: the caller (an API client, a queue consumer) is the one who can back off.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from express.errors import Throttled

from ._machine import ExecutionResult, StateMachine

__all__ = ["ExecutionHandle", "Executor"]


class ExecutionHandle:
    """An execution started with ``Executor.start``; await ``result()`` for its outcome."""

    __slots__ = ("_task", "name")

    def __init__(self, name: str, task: asyncio.Task[ExecutionResult]) -> None:
        self.name = name
        self._task = task

    def done(self) -> bool:
        return self._task.done()

    async def result(self) -> ExecutionResult:
        return await asyncio.shield(self._task)

    def stop(self) -> None:
        """Abort the execution (its status becomes ``ABORTED``)."""
        self._task.cancel()


class Executor:
    """Runs executions on the running event loop, at most ``max_in_flight`` at a time."""

    def __init__(self, max_in_flight: int = 10_000) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.started = 0
        self.throttled = 0
        self._closing = False
        self._tasks: set[asyncio.Task[ExecutionResult]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    async def __aenter__(self) -> Executor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _admit(self) -> None:
        if self._closing:
            self.throttled += 1
            raise Throttled("the executor is closing")
        if self.in_flight >= self.max_in_flight:
            self.throttled += 1
            raise Throttled(f"{self.in_flight} executions in flight (max_in_flight)")
        self.in_flight += 1
        self.started += 1
        self._idle.clear()

    def _release(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._idle.set()

    async def start_sync(
        self,
        machine: StateMachine,
        input: Any = None,
        *,
        name: str | None = None,
        record_events: bool = False,
    ) -> ExecutionResult:
        """Run one execution and return its result (at-most-once)."""
        self._admit()
        try:
            return await machine.execute(input, name=name, record_events=record_events)
        finally:
            self._release()

    async def start(
        self,
        machine: StateMachine,
        input: Any = None,
        *,
        name: str | None = None,
        record_events: bool = False,
    ) -> ExecutionHandle:
        """Start one execution and return its handle at once."""
        self._admit()
        task = asyncio.get_running_loop().create_task(
            self._guarded(machine, input, name, record_events)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return ExecutionHandle(name or "", task)

    async def _guarded(
        self, machine: StateMachine, input: Any, name: str | None, record: bool
    ) -> ExecutionResult:
        try:
            return await machine.execute(input, name=name, record_events=record)
        except asyncio.CancelledError:
            return ExecutionResult.of("ABORTED", name=name or "")
        finally:
            self._release()

    async def close(self, timeout: float | None = None) -> None:
        """Refuse new starts and wait for what is in flight; abort it after ``timeout``."""
        self._closing = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
