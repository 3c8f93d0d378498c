"""Wait state on the virtual clock, from the Developer Guide's Wait state page; the error
texts for bad SecondsPath values are AWS's recorded causes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import express

from ._support import located, single

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def iso(seconds_after_start: float) -> str:
    when = datetime.fromtimestamp(START, UTC) + timedelta(seconds=seconds_after_start)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


async def run_wait(state: dict[str, Any], data: Any) -> tuple[express.ExecutionResult, float]:
    """Run one Wait state; return the result and the virtual seconds it took."""
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(single({"Type": "Wait", **state}, "W"), clock=clock)
    wall = time.perf_counter()
    result = await machine.execute(data)
    assert time.perf_counter() - wall < 2.0, "a virtual wait must not take wall time"
    return result, clock.time() - START


async def test_seconds() -> None:
    result, waited = await run_wait({"Seconds": 240}, {"a": 1})
    assert result.status == "SUCCEEDED"
    assert waited == 240
    assert result.output == {"a": 1}


async def test_a_wait_longer_than_five_minutes_times_the_express_execution_out() -> None:
    result, waited = await run_wait({"Seconds": 3600}, {})
    assert result.status == "TIMED_OUT"
    assert result.error == "States.Timeout"
    assert waited == 300


async def test_seconds_zero_does_not_wait() -> None:
    result, waited = await run_wait({"Seconds": 0}, {})
    assert result.status == "SUCCEEDED"
    assert waited == 0


async def test_seconds_path() -> None:
    result, waited = await run_wait({"SecondsPath": "$.delay"}, {"delay": 90})
    assert result.status == "SUCCEEDED"
    assert waited == 90
    assert result.output == {"delay": 90}


async def test_timestamp() -> None:
    result, waited = await run_wait({"Timestamp": iso(200)}, {})
    assert result.status == "SUCCEEDED"
    assert waited == 200


async def test_timestamp_with_offset_and_fraction() -> None:
    when = datetime.fromtimestamp(START + 30, timezone(timedelta(hours=2)))
    text = when.strftime("%Y-%m-%dT%H:%M:%S.500+02:00")
    result, waited = await run_wait({"Timestamp": text}, {})
    assert result.status == "SUCCEEDED"
    assert waited == pytest.approx(30.5)


async def test_timestamp_in_the_past_does_not_wait() -> None:
    result, waited = await run_wait({"Timestamp": "2016-03-14T01:59:00Z"}, {})
    assert result.status == "SUCCEEDED"
    assert waited == 0


async def test_timestamp_path() -> None:
    result, waited = await run_wait({"TimestampPath": "$.expirydate"}, {"expirydate": iso(60)})
    assert result.status == "SUCCEEDED"
    assert waited == 60


async def test_input_path_and_output_path() -> None:
    state = {"InputPath": "$.in", "SecondsPath": "$.s", "OutputPath": "$.keep"}
    result, waited = await run_wait(state, {"in": {"s": 5, "keep": "k"}, "s": 1000})
    assert waited == 5
    assert result.output == "k"


async def test_waits_in_sequence_add_up() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Wait", "Seconds": 10, "Next": "B"},
                "B": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
                "C": {"Type": "Wait", "Timestamp": iso(100), "End": True},
            },
        },
        clock=clock,
    )
    result = await machine.execute({"s": 20})
    assert result.status == "SUCCEEDED"
    # 10 s, then 20 s, then until START + 100.
    assert clock.time() - START == 100


async def test_wait_entered_time_in_context_follows_the_virtual_clock() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        {
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 61, "Next": "P"},
                "P": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True},
            },
        },
        clock=clock,
    )
    result = await machine.execute({})
    assert result.output == {"t": "2023-11-14T22:14:21.000Z"}


# --- errors ---------------------------------------------------------------------------------


async def test_seconds_path_not_an_integer() -> None:
    result, _ = await run_wait({"SecondsPath": "$.x"}, {"x": 1.5})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause == located("W", 2) + (
        "The SecondsPath parameter cannot be parsed as a long value: $.x == 1.5"
    )


async def test_seconds_path_missing() -> None:
    result, _ = await run_wait({"SecondsPath": "$.x"}, {"y": 1})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause == located("W", 2) + (
        "The SecondsPath parameter does not reference an input value: $.x"
    )


async def test_seconds_path_missing_recorded_aws_example() -> None:
    result, _ = await run_wait({"SecondsPath": "$.input.waitSeconds"}, {})
    assert result.cause == (
        "An error occurred while executing the state 'W' (entered at the event id #2). "
        "The SecondsPath parameter does not reference an input value: $.input.waitSeconds"
    )


async def test_seconds_path_string_is_an_error() -> None:
    result, _ = await run_wait({"SecondsPath": "$.x"}, {"x": "ten"})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


async def test_timestamp_path_not_a_timestamp() -> None:
    result, waited = await run_wait({"TimestampPath": "$.t"}, {"t": "tomorrow"})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert waited == 0


async def test_timestamp_path_missing() -> None:
    result, _ = await run_wait({"TimestampPath": "$.t"}, {})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause is not None
    assert result.cause.startswith(located("W", 2))
