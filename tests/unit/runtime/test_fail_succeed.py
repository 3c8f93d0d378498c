"""Fail and Succeed states, from the Developer Guide's Fail state page (Error, Cause,
ErrorPath, CausePath, intrinsics in the paths) and Succeed state page."""

from __future__ import annotations

from typing import Any

import pytest

import express

from ._support import single

pytestmark = pytest.mark.anyio


async def run_fail(state: dict[str, Any], data: Any = None) -> express.ExecutionResult:
    return await express.StateMachine(single({"Type": "Fail", **state}, "F")).execute(data)


async def test_error_and_cause() -> None:
    result = await run_fail({"Error": "ErrorA", "Cause": "Kaiju attack"})
    assert result.status == "FAILED"
    assert result.error == "ErrorA"
    assert result.cause == "Kaiju attack"
    assert result.output is None


async def test_error_only() -> None:
    result = await run_fail({"Error": "OnlyError"})
    assert result.status == "FAILED"
    assert result.error == "OnlyError"
    assert result.cause is None


async def test_neither_error_nor_cause() -> None:
    result = await run_fail({})
    assert result.status == "FAILED"
    assert result.error is None
    assert result.cause is None


async def test_error_path_and_cause_path() -> None:
    result = await run_fail(
        {"ErrorPath": "$.err.name", "CausePath": "$.err.why"},
        {"err": {"name": "PaymentDeclined", "why": "card expired"}},
    )
    assert result.status == "FAILED"
    assert result.error == "PaymentDeclined"
    assert result.cause == "card expired"


async def test_error_constant_and_cause_path() -> None:
    result = await run_fail({"Error": "Fixed", "CausePath": "$.c"}, {"c": "from input"})
    assert (result.error, result.cause) == ("Fixed", "from input")


async def test_cause_path_with_states_format() -> None:
    result = await run_fail(
        {"Error": "OrderFailed", "CausePath": "States.Format('Order {} failed: {}', $.id, $.why)"},
        {"id": 42, "why": "no stock"},
    )
    assert result.status == "FAILED"
    assert result.error == "OrderFailed"
    assert result.cause == "Order 42 failed: no stock"


async def test_error_path_with_states_format() -> None:
    result = await run_fail(
        {"ErrorPath": "States.Format('{}.{}', $.svc, $.code)", "Cause": "c"},
        {"svc": "Billing", "code": "Timeout"},
    )
    assert result.error == "Billing.Timeout"


async def test_fail_after_other_states() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Result": {"e": "Late"}, "Next": "F"},
                "F": {"Type": "Fail", "ErrorPath": "$.e"},
            },
        }
    )
    result = await machine.execute({})
    assert result.status == "FAILED"
    assert result.error == "Late"


# --- Succeed --------------------------------------------------------------------------------


async def test_succeed_outputs_its_input() -> None:
    result = await express.StateMachine(single({"Type": "Succeed"})).execute({"a": [1]})
    assert result.status == "SUCCEEDED"
    assert result.output == {"a": [1]}


async def test_succeed_with_input_path_and_output_path() -> None:
    machine = express.StateMachine(
        single({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"})
    )
    result = await machine.execute({"a": {"b": 1, "c": 2}, "d": 3})
    assert result.status == "SUCCEEDED"
    assert result.output == 1


async def test_succeed_with_null_paths() -> None:
    machine = express.StateMachine(single({"Type": "Succeed", "InputPath": None}))
    result = await machine.execute({"a": 1})
    assert result.output == {}


async def test_succeed_ends_the_execution_from_a_choice() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Yes"}],
                    "Default": "No",
                },
                "Yes": {"Type": "Succeed"},
                "No": {"Type": "Fail", "Error": "No"},
            },
        }
    )
    assert (await machine.execute({"ok": True})).status == "SUCCEEDED"
    assert (await machine.execute({"ok": False})).error == "No"
