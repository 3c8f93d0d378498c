"""Time, injected: the real clock, and a virtual clock for tests.

Everything that waits (Wait states, Retry back-off, task and execution timeouts) goes
through a ``Clock``, so tests run Wait(3600) in no wall time with ``VirtualClock``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Protocol

__all__ = ["Clock", "Deadline", "RealClock", "TimerHandle", "VirtualClock"]


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...

    async def sleep(self, seconds: float) -> None: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle: ...


class RealClock:
    """Wall-clock time and the running loop's timers."""

    #: The C function itself: no Python frame per reading (executions read it twice).
    time = staticmethod(time.time)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback)


class _VirtualTimer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """A clock whose time only moves when every task is waiting on it.

    When the loop has had a few turns with nothing but clock waiters, the clock jumps to
    the earliest deadline and fires it (trio's autojump clock, on asyncio). Work that
    waits on something else (a socket) must not be mixed with it.
    """

    def __init__(self, start: float = 1_700_000_000.0, idle_turns: int = 8) -> None:
        self._now = start
        self._heap: list[tuple[float, int, _VirtualTimer]] = []
        self._seq = itertools.count()
        self._idle_turns = idle_turns
        self._runner: asyncio.Task[None] | None = None

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by hand, firing what falls due."""
        self._jump(self._now + seconds)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not fut.done():
                fut.set_result(None)

        timer = self.call_later(seconds, wake)
        try:
            await fut
        finally:
            timer.cancel()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _VirtualTimer(callback)
        heapq.heappush(self._heap, (self._now + max(delay, 0.0), next(self._seq), timer))
        self._ensure_runner()
        return timer

    def _ensure_runner(self) -> None:
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._autojump())

    async def _autojump(self) -> None:
        while self._heap:
            for _ in range(self._idle_turns):
                await asyncio.sleep(0)
            while self._heap and self._heap[0][2].cancelled:
                heapq.heappop(self._heap)
            if self._heap:
                self._jump(self._heap[0][0])

    async def aclose(self) -> None:
        """Stop the autojump task (pending timers never fire)."""
        self._heap.clear()
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()
            with suppress(asyncio.CancelledError):
                await self._runner

    def _jump(self, until: float) -> None:
        while self._heap and self._heap[0][0] <= until:
            when, _, timer = heapq.heappop(self._heap)
            self._now = max(self._now, when)
            if not timer.cancelled:
                timer.callback()
        self._now = max(self._now, until)


class Deadline:
    """Raise ``TimeoutError`` in the current task when ``seconds`` pass on ``clock``.

    One timer handle, no extra task: ``with Deadline(clock, 5): await work()``. Used for
    the execution's limit and for task TimeoutSeconds.
    """

    __slots__ = ("_fired", "_task", "_timer")

    def __init__(self, clock: Clock, seconds: float) -> None:
        task = asyncio.current_task()
        assert task is not None, "Deadline needs a running task"
        self._task = task
        self._fired = False
        self._timer = clock.call_later(seconds, self._fire)

    def _fire(self) -> None:
        self._fired = True
        self._task.cancel()

    @property
    def expired(self) -> bool:
        """The time ran out (the ``TimeoutError`` leaving the block is this deadline's)."""
        return self._fired

    def __enter__(self) -> Deadline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: object,
    ) -> None:
        self._timer.cancel()
        if exc_type is asyncio.CancelledError and self._fired and self._task.uncancel() == 0:
            raise TimeoutError from None
