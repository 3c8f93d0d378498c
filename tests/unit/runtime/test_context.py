"""The context object ($$), from the Developer Guide's context object page: Execution,
StateMachine, State and Map.Item fields, and the fields that may reference it (InputPath,
Parameters, ResultSelector, ItemSelector, Choice Variable)."""

from __future__ import annotations

from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0
START_ISO = "2023-11-14T22:13:20.000Z"


def ctx_pass(params: dict[str, Any], name: str = "P", **fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", "Parameters": params, **fields}


async def run(
    states: dict[str, Any],
    data: Any = None,
    *,
    machine_name: str = "StateMachine",
    execution_name: str | None = None,
) -> express.ExecutionResult:
    machine = express.StateMachine(
        {"StartAt": next(iter(states)), "States": states},
        resources={LAMBDA_ARN: lambda d: {"echo": d}},
        name=machine_name,
        clock=express.VirtualClock(start=START),
    )
    result = await machine.execute(data, name=execution_name)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result


async def test_execution_input_is_the_original_input() -> None:
    result = await run(
        {
            "Change": {"Type": "Pass", "Result": {"changed": True}, "Next": "Read"},
            "Read": ctx_pass({"original.$": "$$.Execution.Input", "now.$": "$"}, End=True),
        },
        {"order": 1},
    )
    assert result.output == {"original": {"order": 1}, "now": {"changed": True}}


async def test_execution_name() -> None:
    result = await run(
        {"P": ctx_pass({"n.$": "$$.Execution.Name"}, End=True)}, {}, execution_name="run-1"
    )
    assert result.output == {"n": "run-1"}


async def test_execution_name_defaults_to_a_generated_one() -> None:
    result = await run({"P": ctx_pass({"n.$": "$$.Execution.Name"}, End=True)}, {})
    assert isinstance(result.output["n"], str)
    assert result.output["n"]
    assert result.output["n"] == result.name


async def test_execution_id_is_an_express_execution_arn() -> None:
    result = await run(
        {"P": ctx_pass({"id.$": "$$.Execution.Id"}, End=True)},
        {},
        machine_name="Orders",
        execution_name="run-1",
    )
    arn = result.output["id"]
    assert arn.startswith("arn:aws:states:")
    assert ":express:Orders:run-1:" in arn
    assert arn == result.execution_arn


async def test_execution_start_time_follows_the_clock() -> None:
    result = await run({"P": ctx_pass({"t.$": "$$.Execution.StartTime"}, End=True)}, {})
    assert result.output == {"t": START_ISO}


async def test_execution_role_arn_is_a_string() -> None:
    result = await run({"P": ctx_pass({"r.$": "$$.Execution.RoleArn"}, End=True)}, {})
    assert result.output["r"].startswith("arn:aws:iam::")


async def test_state_machine_name_and_id() -> None:
    result = await run(
        {"P": ctx_pass({"n.$": "$$.StateMachine.Name", "id.$": "$$.StateMachine.Id"}, End=True)},
        {},
        machine_name="X",
    )
    assert result.output["n"] == "X"
    assert result.output["id"].startswith("arn:aws:states:")
    assert result.output["id"].endswith(":stateMachine:X")


async def test_state_name_is_the_current_state() -> None:
    result = await run(
        {
            "First": ctx_pass({"a.$": "$$.State.Name"}, Next="Second", ResultPath="$.first"),
            "Second": ctx_pass({"b.$": "$$.State.Name"}, End=True, ResultPath="$.second"),
        },
        {},
    )
    assert result.output == {"first": {"a": "First"}, "second": {"b": "Second"}}


async def test_state_entered_time_and_retry_count() -> None:
    result = await run(
        {
            "W": {"Type": "Wait", "Seconds": 30, "Next": "P"},
            "P": ctx_pass({"t.$": "$$.State.EnteredTime", "r.$": "$$.State.RetryCount"}, End=True),
        },
        {},
    )
    assert result.output == {"t": "2023-11-14T22:13:50.000Z", "r": 0}


async def test_state_name_in_a_task_parameters() -> None:
    result = await run(
        {
            "MyTask": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Parameters": {"state.$": "$$.State.Name"},
                "End": True,
            }
        },
        {},
    )
    assert result.output == {"echo": {"state": "MyTask"}}


async def test_whole_context_object() -> None:
    result = await run({"P": ctx_pass({"ctx.$": "$$"}, End=True)}, {"i": 1}, execution_name="e")
    ctx = result.output["ctx"]
    assert {"Execution", "StateMachine", "State"} <= set(ctx)
    assert ctx["Execution"]["Input"] == {"i": 1}
    assert ctx["Execution"]["Name"] == "e"
    assert ctx["State"]["Name"] == "P"
    assert "Map" not in ctx


async def test_input_path_may_reference_the_context() -> None:
    result = await run(
        {
            "Change": {"Type": "Pass", "Result": "changed", "Next": "Back"},
            "Back": {"Type": "Pass", "InputPath": "$$.Execution.Input", "End": True},
        },
        {"original": True},
    )
    assert result.output == {"original": True}


async def test_result_selector_may_reference_the_context() -> None:
    result = await run(
        {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "ResultSelector": {"r.$": "$.echo", "who.$": "$$.State.Name"},
                "End": True,
            }
        },
        {"x": 1},
    )
    assert result.output == {"r": {"x": 1}, "who": "T"}


async def test_choice_variable_may_reference_the_context() -> None:
    result = await run(
        {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$$.Execution.Name", "StringEquals": "special", "Next": "Yes"}
                ],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
        {},
        execution_name="special",
    )
    assert result.output == "yes"


async def test_map_item_index_and_value() -> None:
    result = await run(
        {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
        {"xs": [{"k": "a"}, {"k": "b"}, {"k": "c"}]},
    )
    assert result.output == [
        {"i": 0, "v": {"k": "a"}},
        {"i": 1, "v": {"k": "b"}},
        {"i": 2, "v": {"k": "c"}},
    ]


async def test_state_name_inside_a_map_iteration_is_the_inner_state() -> None:
    result = await run(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {"Inner": ctx_pass({"s.$": "$$.State.Name"}, End=True)},
                },
                "End": True,
            }
        },
        [1],
    )
    assert result.output == [{"s": "Inner"}]


async def test_execution_fields_are_visible_in_branches_and_iterations() -> None:
    result = await run(
        {
            "Par": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {"B": ctx_pass({"n.$": "$$.Execution.Name"}, End=True)},
                    }
                ],
                "End": True,
            }
        },
        {},
        execution_name="shared",
    )
    assert result.output == [{"n": "shared"}]
