"""Execution history events, from the Developer Guide's history event types and AWS-recorded
histories (LocalStack's AWS-validated log snapshots): event types in order, ids counted from 1,
previous event ids, and the event ids cited in error causes."""

from __future__ import annotations

from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN, LAMBDA_INVOKE, located

pytestmark = pytest.mark.anyio


async def history(
    definition: dict[str, Any], data: Any = None, resources: dict[str, Any] | None = None
) -> tuple[express.ExecutionResult, list[express.HistoryEvent]]:
    machine = express.StateMachine(definition, resources=resources, clock=express.VirtualClock())
    result = await machine.execute(data, record_events=True)
    assert result.events is not None
    return result, result.events


def types(events: list[express.HistoryEvent]) -> list[str]:
    return [e.type for e in events]


PASS_CHAIN = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True},
    },
}


async def test_without_record_events_there_are_no_events() -> None:
    result = await express.StateMachine(PASS_CHAIN).execute({})
    assert result.status == "SUCCEEDED"
    assert result.events is None


async def test_pass_chain_event_types_and_ids() -> None:
    _, events = await history(PASS_CHAIN, {})
    assert types(events) == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e.id for e in events] == [1, 2, 3, 4, 5, 6]


async def test_pass_chain_previous_event_ids_as_aws_records_them() -> None:
    _, events = await history(PASS_CHAIN, {})
    assert [e.previous_event_id for e in events] == [0, 0, 2, 3, 4, 5]


async def test_previous_event_ids_after_the_first_state() -> None:
    _, events = await history(PASS_CHAIN, {})
    assert [e.previous_event_id for e in events][2:] == [2, 3, 4, 5]
    assert events[0].previous_event_id == 0


async def test_event_details_for_a_pass_state() -> None:
    _, events = await history(PASS_CHAIN, {})
    started, entered, exited, *_, succeeded = events
    assert started.details is not None
    assert started.details["input"] == "{}"
    assert started.details["inputDetails"] == {"truncated": False}
    assert "roleArn" in started.details
    assert entered.details is not None
    assert entered.details["name"] == "A"
    assert exited.details is not None
    assert exited.details["name"] == "A"
    assert succeeded.details is not None
    assert succeeded.details["output"] == '{"Arg1":"argument1"}'


async def test_event_timestamps_follow_the_clock() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 10, "Next": "P"},
                "P": {"Type": "Pass", "End": True},
            },
        },
        clock=express.VirtualClock(start=1000.0),
    )
    result = await machine.execute({}, record_events=True)
    assert result.events is not None
    stamps = {(e.type, e.id): e.timestamp for e in result.events}
    assert stamps["WaitStateEntered", 2] == 1000.0
    assert stamps["WaitStateExited", 3] == 1010.0
    assert stamps["ExecutionSucceeded", 6] == 1010.0


async def test_direct_lambda_task_events() -> None:
    _, events = await history(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}}},
        {"x": 1},
        {LAMBDA_ARN: lambda d: d},
    )
    assert types(events) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert [e.id for e in events] == list(range(1, 8))
    assert [e.previous_event_id for e in events][2:] == [2, 3, 4, 5, 6]


async def test_lambda_invoke_task_events() -> None:
    _, events = await history(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_INVOKE,
                    "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                    "End": True,
                }
            },
        },
        {"x": 1},
        {LAMBDA_ARN: lambda d: d},
    )
    assert types(events) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = events[2]
    assert scheduled.details is not None
    assert scheduled.details["resourceType"] == "lambda"
    assert scheduled.details["resource"] == "invoke"


async def test_failed_task_events() -> None:
    def fn(d: Any) -> Any:
        raise express.TaskFailed("Oops", "why")

    result, events = await history(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}}},
        {},
        {LAMBDA_ARN: fn},
    )
    assert types(events) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "ExecutionFailed",
    ]
    failed = events[-1]
    assert failed.details == {"error": "Oops", "cause": "why"}
    assert result.error == "Oops"


async def test_caught_error_exits_the_task_state() -> None:
    def fn(d: Any) -> Any:
        raise express.TaskFailed("Oops", "why")

    _, events = await history(
        {
            "StartAt": "T",
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
        {},
        {LAMBDA_ARN: fn},
    )
    assert types(events) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


async def test_retried_task_is_scheduled_again_without_entering_again() -> None:
    calls: list[Any] = []

    def fn(d: Any) -> Any:
        calls.append(d)
        if len(calls) == 1:
            raise express.TaskFailed("Again", "")
        return "ok"

    _, events = await history(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Retry": [{"ErrorEquals": ["Again"]}],
                    "End": True,
                }
            },
        },
        {},
        {LAMBDA_ARN: fn},
    )
    assert types(events) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]


async def test_map_events() -> None:
    _, events = await history(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 1,
                    "ItemProcessor": {
                        "StartAt": "P",
                        "States": {"P": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                }
            },
        },
        [1, 2],
    )
    assert types(events) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    assert [e.id for e in events] == list(range(1, 15))
    started = events[2]
    assert started.details == {"length": 2}
    iterations = [e.details for e in events if e.type == "MapIterationStarted"]
    assert iterations == [{"index": 0, "name": "M"}, {"index": 1, "name": "M"}]


PARALLEL = {
    "StartAt": "Par",
    "States": {
        "Par": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
            ],
            "End": True,
        }
    },
}


async def test_parallel_events_start_and_exit() -> None:
    _, events = await history(PARALLEL, {})
    kinds = types(events)
    assert kinds[:5] == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "PassStateEntered",
        "PassStateExited",
    ]
    assert kinds[-2:] == ["ParallelStateExited", "ExecutionSucceeded"]


async def test_parallel_events() -> None:
    _, events = await history(PARALLEL, {})
    assert types(events) == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "PassStateEntered",
        "PassStateExited",
        "ParallelStateSucceeded",
        "ParallelStateExited",
        "ExecutionSucceeded",
    ]


async def test_fail_state_events() -> None:
    _, events = await history(
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}, {}
    )
    assert types(events) == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    assert events[-1].details == {"error": "E", "cause": "C"}


async def test_error_cause_cites_the_recorded_state_entered_id() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
            "C": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Parameters": {"v.$": "$.missing"},
                "End": True,
            },
        },
    }
    result, events = await history(definition, {}, {LAMBDA_ARN: lambda d: d})
    entered = [e for e in events if e.type == "TaskStateEntered"]
    assert len(entered) == 1
    assert result.error == "States.Runtime"
    assert (result.cause or "").startswith(located("C", entered[0].id))
    # The ids are counted the same whether or not the history is recorded.
    plain = await express.StateMachine(
        definition, resources={LAMBDA_ARN: lambda d: d}, clock=express.VirtualClock()
    ).execute({})
    assert plain.cause == result.cause


async def test_error_cause_id_after_a_retried_task() -> None:
    calls: list[Any] = []

    def fn(d: Any) -> Any:
        calls.append(d)
        if len(calls) == 1:
            raise express.TaskFailed("Again", "")
        return {"v": 1}

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Retry": [{"ErrorEquals": ["Again"]}],
                "Next": "P",
            },
            "P": {"Type": "Pass", "InputPath": "$.missing", "End": True},
        },
    }
    result, events = await history(definition, {}, {LAMBDA_ARN: fn})
    entered = next(e for e in events if e.type == "PassStateEntered")
    assert (result.cause or "").startswith(located("P", entered.id))


async def test_execution_failed_is_the_last_event_and_points_to_the_previous() -> None:
    _, events = await history(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.x", "End": True}}},
        {},
    )
    assert types(events) == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]
    assert events[-1].previous_event_id == 2
    assert events[-1].details is not None
    assert events[-1].details["error"] == "States.Runtime"
