"""Execution deadlines on shared timers (``Expiry``): each execution still times out at
its own deadline, never before, and nothing is left armed once executions end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0


def _machine(clock: express.VirtualClock, timeout: int) -> express.StateMachine:
    async def work(d: Any) -> Any:
        await clock.sleep(d["seconds"])
        return d

    return express.StateMachine(
        {
            "StartAt": "T",
            "TimeoutSeconds": timeout,
            "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}},
        },
        resources={LAMBDA_ARN: work},
        clock=clock,
    )


async def test_each_execution_times_out_at_its_own_deadline() -> None:
    clock = express.VirtualClock(start=START)
    machine = _machine(clock, timeout=5)

    async def one(delay: float, seconds: float) -> express.ExecutionResult:
        await clock.sleep(delay)
        return await machine.execute({"seconds": seconds})

    # Starts 0.1 s apart (several to a quarter-second slot); every third runs too long.
    plans = [(i * 0.1, 60.0 if i % 3 == 0 else 4.9) for i in range(12)]
    results = await asyncio.gather(*(one(d, s) for d, s in plans))
    for (delay, seconds), result in zip(plans, results, strict=True):
        elapsed = result.stop_time - result.start_time
        if seconds > 5:
            assert result.status == "TIMED_OUT", (delay, result)
            assert elapsed == pytest.approx(5.0, abs=1e-6)
        else:
            assert result.status == "SUCCEEDED", (delay, result)
            assert elapsed == pytest.approx(4.9, abs=1e-6)
    expiry = machine._expiries[asyncio.get_running_loop()]
    assert expiry._slots == {} and expiry._timers == {}


async def test_no_timer_is_left_armed_after_the_executions_end() -> None:
    clock = express.VirtualClock(start=START)
    machine = _machine(clock, timeout=300)
    results = await asyncio.gather(*(machine.execute({"seconds": 1}) for _ in range(5)))
    assert {r.status for r in results} == {"SUCCEEDED"}
    assert all(timer.cancelled for _, _, timer in clock._heap)
    assert clock.time() - START == 1


async def test_a_cancelled_execution_is_aborted_not_timed_out() -> None:
    clock = express.VirtualClock(start=START)
    machine = _machine(clock, timeout=5)
    task = asyncio.ensure_future(machine.execute({"seconds": 60}))
    await clock.sleep(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    expiry = machine._expiries[asyncio.get_running_loop()]
    assert expiry._slots == {} and expiry._expired == set()


async def test_an_execution_started_inside_another_keeps_its_own_deadline() -> None:
    clock = express.VirtualClock(start=START)
    inner = _machine(clock, timeout=2)

    async def nested(d: Any) -> Any:
        result = await inner.execute({"seconds": 10})
        return {"inner": result.status, "at": clock.time() - START}

    outer = express.StateMachine(
        {
            "StartAt": "T",
            "TimeoutSeconds": 5,
            "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}},
        },
        resources={LAMBDA_ARN: nested},
        clock=clock,
    )
    result = await outer.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output == {"inner": "TIMED_OUT", "at": 2.0}
