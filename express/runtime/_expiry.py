"""The five-minute limit of many executions on a few timers.

A timer per execution (``Deadline``) costs more than an I/O-bound execution's own work:
a timer handle made, armed, disarmed and freed, a bound method, the current task looked
up. Executions of one machine get the same limit, so their deadlines come in start
order: ``Expiry`` files each waiting execution under a quarter-second slot of its
deadline and keeps one timer per slot. The timer fires at the slot's start, times out
what is due, and is set again for the earliest deadline left, so no execution runs past
its deadline and none is stopped before it. Filing and unfiling are a dict insert and
delete; the slot's timer goes when its last execution does.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from ._clock import Clock, TimerHandle

__all__ = ["Expiry"]

#: Slots per second.
_PER_SECOND = 4
#: Python 3.11's ``current_task`` is written in Python, over this dict (by loop); from
#: 3.12 on it is C, and cheaper than anything here.
_TASKS: dict[Any, asyncio.Task[Any]] | None = (
    getattr(asyncio.tasks, "_current_tasks", None) if sys.version_info < (3, 12) else None
)


class Expiry:
    """Deadlines of the executions waiting on one event loop, by ``clock``'s time."""

    __slots__ = ("_clock", "_expired", "_loop", "_slots", "_timers")

    def __init__(self, clock: Clock, loop: asyncio.AbstractEventLoop) -> None:
        self._clock = clock
        self._loop = loop
        self._slots: dict[int, dict[Any, asyncio.Task[Any]]] = {}
        self._timers: dict[int, TimerHandle] = {}
        self._expired: set[Any] = set()

    def add(self, run: Any) -> int:
        """File ``run`` (its ``deadline``), waiting in the current task; its slot."""
        task = _TASKS.get(self._loop) if _TASKS is not None else asyncio.current_task()
        assert task is not None, "an execution waits in a task"
        key = int(run.deadline * _PER_SECOND)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = {}
            self._arm(key, key / _PER_SECOND)
        slot[run] = task
        return key

    def discard(self, run: Any, key: int) -> None:
        slot = self._slots.get(key)
        if slot is not None:
            slot.pop(run, None)
            if not slot:
                del self._slots[key]
                self._timers.pop(key).cancel()

    def expired(self, run: Any) -> bool:
        """Whether ``run``'s task was cancelled because its deadline passed (asked once,
        where that cancellation arrives)."""
        if run in self._expired:
            self._expired.discard(run)
            return True
        return False

    def _arm(self, key: int, when: float) -> None:
        clock = self._clock
        self._timers[key] = clock.call_later(when - clock.time(), lambda: self._fire(key))

    def _fire(self, key: int) -> None:
        slot = self._slots[key]  # a slot's timer is cancelled when the slot goes
        now = self._clock.time()
        for run in [run for run in slot if run.deadline <= now]:
            task = slot.pop(run)
            if not task.done():
                self._expired.add(run)
                task.cancel()
        if slot:
            self._arm(key, min(run.deadline for run in slot))
        else:
            del self._slots[key]
            del self._timers[key]
