"""Executor: many executions on the running loop with admission control, and the execution
timeout (top-level TimeoutSeconds, at most five minutes for Express) on the virtual clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "done", "End": True}}}


def gated() -> tuple[express.StateMachine, asyncio.Event, list[Any]]:
    """A machine whose only Task waits until the returned event is set."""
    gate = asyncio.Event()
    entered: list[Any] = []

    async def wait_for_gate(data: Any) -> Any:
        entered.append(data)
        await gate.wait()
        return {"released": data}

    machine = express.StateMachine(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}}},
        resources={LAMBDA_ARN: wait_for_gate},
    )
    return machine, gate, entered


async def settle(turns: int = 20) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


async def test_start_sync_returns_the_result() -> None:
    async with express.Executor() as ex:
        result = await ex.start_sync(express.StateMachine(PASS), {"a": 1})
    assert result.status == "SUCCEEDED"
    assert result.output == "done"


async def test_start_sync_with_a_name() -> None:
    async with express.Executor() as ex:
        result = await ex.start_sync(express.StateMachine(PASS), {}, name="exec-1")
    assert result.name == "exec-1"


async def test_start_returns_a_handle_whose_result_is_awaited() -> None:
    machine, gate, entered = gated()
    async with express.Executor() as ex:
        handle = await ex.start(machine, {"n": 1})
        await settle()
        assert entered == [{"n": 1}]
        assert not handle.done()
        gate.set()
        result = await handle.result()
        assert handle.done()
    assert result.status == "SUCCEEDED"
    assert result.output == {"released": {"n": 1}}


async def test_result_may_be_awaited_twice() -> None:
    async with express.Executor() as ex:
        handle = await ex.start(express.StateMachine(PASS), {})
        first = await handle.result()
        second = await handle.result()
    assert first.output == second.output == "done"


async def test_many_executions_run_concurrently() -> None:
    machine, gate, entered = gated()
    async with express.Executor(max_in_flight=50) as ex:
        handles = [await ex.start(machine, i) for i in range(50)]
        await settle()
        assert sorted(entered) == list(range(50))
        gate.set()
        results = [await h.result() for h in handles]
    assert [r.output for r in results] == [{"released": i} for i in range(50)]


async def test_start_beyond_max_in_flight_is_throttled() -> None:
    machine, gate, _ = gated()
    async with express.Executor(max_in_flight=2) as ex:
        first = await ex.start(machine, 1)
        second = await ex.start(machine, 2)
        with pytest.raises(express.Throttled):
            await ex.start(machine, 3)
        with pytest.raises(express.Throttled):
            await ex.start_sync(machine, 4)
        gate.set()
        assert (await first.result()).status == "SUCCEEDED"
        assert (await second.result()).status == "SUCCEEDED"
        # Capacity is given back when executions end.
        third = await ex.start(machine, 5)
        assert (await third.result()).output == {"released": 5}


async def test_start_sync_counts_against_max_in_flight() -> None:
    machine, gate, _ = gated()
    async with express.Executor(max_in_flight=1) as ex:
        running = asyncio.ensure_future(ex.start_sync(machine, 1))
        await settle()
        with pytest.raises(express.Throttled):
            await ex.start(machine, 2)
        gate.set()
        assert (await running).status == "SUCCEEDED"


async def test_a_failed_execution_gives_its_slot_back() -> None:
    fail = express.StateMachine({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
    async with express.Executor(max_in_flight=1) as ex:
        assert (await ex.start_sync(fail, {})).status == "FAILED"
        assert (await ex.start_sync(fail, {})).status == "FAILED"
        handle = await ex.start(fail, {})
        assert (await handle.result()).error == "E"
        assert (await ex.start_sync(express.StateMachine(PASS), {})).status == "SUCCEEDED"


async def test_max_in_flight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_in_flight"):
        express.Executor(max_in_flight=0)


async def test_close_drains_in_flight_executions() -> None:
    machine, gate, _ = gated()
    ex = express.Executor()
    handles = [await ex.start(machine, i) for i in range(3)]
    closing = asyncio.ensure_future(ex.close())
    await settle()
    assert not closing.done()
    # A closing executor refuses new work.
    with pytest.raises(express.Throttled):
        await ex.start(machine, 99)
    gate.set()
    await closing
    assert all(h.done() for h in handles)
    assert [(await h.result()).output for h in handles] == [{"released": i} for i in range(3)]


async def test_leaving_the_context_drains_in_flight_executions() -> None:
    machine, gate, _ = gated()
    async with express.Executor() as ex:
        handle = await ex.start(machine, 1)
        asyncio.get_running_loop().call_soon(gate.set)
    assert handle.done()
    assert (await handle.result()).status == "SUCCEEDED"


async def test_stop_aborts_an_execution() -> None:
    machine, _, _ = gated()
    async with express.Executor() as ex:
        handle = await ex.start(machine, 1)
        await settle()
        handle.stop()
        result = await handle.result()
    assert result.status == "ABORTED"


# --- execution timeout ----------------------------------------------------------------------


async def test_top_level_timeout_seconds_times_the_execution_out() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        {
            "StartAt": "W",
            "TimeoutSeconds": 10,
            "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}},
        },
        clock=clock,
    )
    result = await machine.execute({})
    assert result.status == "TIMED_OUT"
    assert result.error == "States.Timeout"
    assert result.output is None
    assert clock.time() - START == 10


async def test_execution_timeout_through_the_executor() -> None:
    clock = express.VirtualClock(start=START)

    async def slow(d: Any) -> Any:
        await clock.sleep(60)
        return d

    machine = express.StateMachine(
        {
            "StartAt": "T",
            "TimeoutSeconds": 5,
            "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}},
        },
        resources={LAMBDA_ARN: slow},
        clock=clock,
    )
    async with express.Executor() as ex:
        result = await ex.start_sync(machine, {})
    assert result.status == "TIMED_OUT"
    assert result.error == "States.Timeout"
    assert clock.time() - START == 5


async def test_execution_finishing_before_its_timeout_succeeds() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        {
            "StartAt": "W",
            "TimeoutSeconds": 10,
            "States": {"W": {"Type": "Wait", "Seconds": 9, "End": True}},
        },
        clock=clock,
    )
    result = await machine.execute({})
    assert result.status == "SUCCEEDED"
    assert clock.time() - START == 9


async def test_execution_timeout_is_not_caught_by_a_catcher() -> None:
    clock = express.VirtualClock(start=START)

    async def slow(d: Any) -> Any:
        await clock.sleep(60)
        return d

    machine = express.StateMachine(
        {
            "StartAt": "T",
            "TimeoutSeconds": 5,
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
                    "End": True,
                },
                "H": {"Type": "Pass", "End": True},
            },
        },
        resources={LAMBDA_ARN: slow},
        clock=clock,
    )
    result = await machine.execute({})
    assert result.status == "TIMED_OUT"


async def test_express_executions_time_out_after_five_minutes() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        {
            "StartAt": "W",
            "TimeoutSeconds": 3600,
            "States": {"W": {"Type": "Wait", "Seconds": 1000, "End": True}},
        },
        clock=clock,
    )
    result = await machine.execute({})
    assert result.status == "TIMED_OUT"
    assert clock.time() - START == 300


async def test_timed_out_events() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        {
            "StartAt": "W",
            "TimeoutSeconds": 10,
            "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}},
        },
        clock=clock,
    )
    result = await machine.execute({}, record_events=True)
    assert result.events is not None
    assert [e.type for e in result.events] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "ExecutionTimedOut",
    ]
