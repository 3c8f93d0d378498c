"""Odd data and odd resources end as ASL errors (or succeed), never as crashes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import express

pytestmark = pytest.mark.anyio

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def _map(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
                **fields,
            }
        },
    }


async def test_a_negative_max_concurrency_path_is_a_runtime_error() -> None:
    machine = express.StateMachine(_map(MaxConcurrencyPath="$.n"))
    result = await machine.execute({"items": [1, 2], "n": -1})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "MaxConcurrency" in (result.cause or "")


async def test_a_batch_size_that_is_not_a_number_is_a_runtime_error() -> None:
    machine = express.StateMachine(_map(ItemBatcher={"MaxItemsPerBatchPath": "$.size"}))
    result = await machine.execute({"items": [1, 2, 3], "size": "2"})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "MaxItemsPerBatchPath" in (result.cause or "")


async def test_a_huge_backoff_rate_is_capped_by_max_delay() -> None:
    calls = []

    def fail(event: Any) -> Any:
        calls.append(1)
        raise express.TaskFailed("Flaky", "again")

    clock = express.VirtualClock()
    retry = {"ErrorEquals": ["Flaky"], "BackoffRate": 1e10, "MaxDelaySeconds": 1}
    machine = express.StateMachine(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": ARN,
                    "Retry": [{**retry, "MaxAttempts": 60}],
                    "End": True,
                }
            },
        },
        resources={ARN: fail},
        clock=clock,
    )
    result = await machine.execute({})
    assert (result.status, result.error) == ("FAILED", "Flaky")
    assert len(calls) == 61


async def test_a_plain_function_returning_a_coroutine_is_awaited() -> None:
    async def fetch(event: Any) -> Any:
        await asyncio.sleep(0)
        return {"got": event}

    machine = express.StateMachine(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ARN, "End": True}}},
        resources={ARN: lambda event: fetch(event)},  # noqa: PLW0108 (the point of the test)
    )
    result = await machine.execute({"a": 1})
    assert (result.status, result.output) == ("SUCCEEDED", {"got": {"a": 1}})


async def test_iterations_that_retry_still_run_concurrently() -> None:
    seen: set[int] = set()

    def flaky(item: Any) -> Any:
        if item not in seen:
            seen.add(item)
            raise express.TaskFailed("Flaky", "first call")
        return item

    clock = express.VirtualClock()
    machine = express.StateMachine(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "StartAt": "T",
                        "States": {
                            "T": {
                                "Type": "Task",
                                "Resource": ARN,
                                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 10}],
                                "End": True,
                            }
                        },
                    },
                    "End": True,
                }
            },
        },
        resources={ARN: flaky},
        clock=clock,
    )
    start = clock.time()
    result = await machine.execute({"items": list(range(20))})
    assert (result.status, result.output) == ("SUCCEEDED", list(range(20)))
    # AWS runs the iterations side by side: one back-off of 10 s, not twenty.
    assert clock.time() - start < 20


async def test_input_nested_too_deeply_for_json_fails_the_execution() -> None:
    deep: list[Any] = []
    cur = deep
    for _ in range(2000):
        nxt: list[Any] = []
        cur.append(nxt)
        cur = nxt
    machine = express.StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    result = await machine.execute({"d": deep})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
