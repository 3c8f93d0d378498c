"""Task state with local resources, from the Developer Guide's Task state page, the Lambda
integration page (direct ARN vs arn:aws:states:::lambda:invoke), ResultSelector, TimeoutSeconds
and the payload quota."""

from __future__ import annotations

import json
from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN, LAMBDA_INVOKE, MAX_PAYLOAD, located, single

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0


def task(resource: str = LAMBDA_ARN, **fields: Any) -> dict[str, Any]:
    return single({"Type": "Task", "Resource": resource, **fields}, "T")


async def run_task(
    fn: Any, data: Any = None, resource: str = LAMBDA_ARN, **fields: Any
) -> express.ExecutionResult:
    key = LAMBDA_ARN if resource == LAMBDA_INVOKE else resource
    return await express.StateMachine(task(resource, **fields), resources={key: fn}).execute(data)


# --- calling resources ----------------------------------------------------------------------


async def test_sync_resource_result_is_the_output() -> None:
    result = await run_task(lambda d: {"doubled": d["n"] * 2}, {"n": 21})
    assert result.status == "SUCCEEDED"
    assert result.output == {"doubled": 42}


async def test_async_resource_result_is_the_output() -> None:
    async def fn(d: Any) -> Any:
        return [d, "async"]

    result = await run_task(fn, {"n": 1})
    assert result.output == [{"n": 1}, "async"]


async def test_resource_receives_the_input_after_input_path_and_parameters() -> None:
    seen: list[Any] = []

    def fn(d: Any) -> str:
        seen.append(d)
        return "ok"

    result = await run_task(
        fn, {"a": {"b": 1}, "z": 0}, InputPath="$.a", Parameters={"x.$": "$.b", "k": "v"}
    )
    assert seen == [{"x": 1, "k": "v"}]
    assert result.output == "ok"


async def test_result_path_merges_the_result_into_the_raw_input() -> None:
    result = await run_task(lambda d: 5, {"a": 1}, InputPath="$.a", ResultPath="$.r")
    assert result.output == {"a": 1, "r": 5}


async def test_result_path_null_keeps_the_input() -> None:
    result = await run_task(lambda d: 5, {"a": 1}, ResultPath=None)
    assert result.output == {"a": 1}


async def test_output_path_after_result_path() -> None:
    result = await run_task(
        lambda d: {"x": 1, "y": 2}, {"a": 1}, ResultPath="$.r", OutputPath="$.r.y"
    )
    assert result.output == 2


async def test_resource_may_return_null() -> None:
    result = await run_task(lambda d: None, {"a": 1})
    assert result.status == "SUCCEEDED"
    assert result.output is None


async def test_resource_registered_by_function_name_serves_the_full_arn() -> None:
    machine = express.StateMachine(task(), resources={"f": lambda d: "by name"})
    assert (await machine.execute({})).output == "by name"


# --- lambda:invoke --------------------------------------------------------------------------


async def test_lambda_invoke_wraps_the_payload_in_the_invoke_response() -> None:
    seen: list[Any] = []

    def fn(d: Any) -> Any:
        seen.append(d)
        return {"body": d["n"] + 1}

    result = await run_task(
        fn,
        {"n": 1},
        resource=LAMBDA_INVOKE,
        Parameters={"FunctionName": LAMBDA_ARN, "Payload.$": "$"},
    )
    assert result.status == "SUCCEEDED"
    assert seen == [{"n": 1}]
    out = result.output
    assert out["Payload"] == {"body": 2}
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert isinstance(out["SdkResponseMetadata"]["RequestId"], str)


async def test_lambda_invoke_by_function_name() -> None:
    result = await run_task(
        lambda d: "hi",
        {},
        resource=LAMBDA_INVOKE,
        Parameters={"FunctionName": "f", "Payload": {"static": True}},
    )
    assert result.output["Payload"] == "hi"


async def test_lambda_invoke_with_result_selector_takes_the_payload() -> None:
    result = await run_task(
        lambda d: {"body": "b", "extra": 1},
        {"keep": 1},
        resource=LAMBDA_INVOKE,
        Parameters={"FunctionName": "f", "Payload.$": "$"},
        ResultSelector={"body.$": "$.Payload.body", "code.$": "$.StatusCode"},
        ResultPath="$.res",
    )
    assert result.output == {"keep": 1, "res": {"body": "b", "code": 200}}


async def test_lambda_invoke_unknown_function_fails() -> None:
    result = await run_task(
        lambda d: 1,
        {},
        resource=LAMBDA_INVOKE,
        Parameters={"FunctionName": "no-such-function", "Payload": {}},
    )
    assert result.status == "FAILED"
    assert result.error == "Lambda.ResourceNotFoundException"


# --- ResultSelector -------------------------------------------------------------------------


async def test_result_selector_reshapes_the_result_before_result_path() -> None:
    result = await run_task(
        lambda d: {"a": {"b": 1}, "noise": [1, 2, 3]},
        {"in": True},
        ResultSelector={"picked.$": "$.a.b", "static": "s", "all.$": "$.noise[*]"},
        ResultPath="$.out",
    )
    assert result.output == {"in": True, "out": {"picked": 1, "static": "s", "all": [1, 2, 3]}}


async def test_result_selector_sees_the_result_not_the_input() -> None:
    result = await run_task(lambda d: {"r": 1}, {"i": 2}, ResultSelector={"from_result.$": "$.r"})
    assert result.output == {"from_result": 1}


async def test_result_selector_path_matching_nothing_is_a_runtime_error() -> None:
    result = await run_task(lambda d: {"r": 1}, {}, ResultSelector={"x.$": "$.missing"})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


# --- failures -------------------------------------------------------------------------------


async def test_task_failed_sets_error_and_cause() -> None:
    def fn(d: Any) -> Any:
        raise express.TaskFailed("OrderRejected", "the order was rejected")

    result = await run_task(fn, {})
    assert result.status == "FAILED"
    assert result.error == "OrderRejected"
    assert result.cause == "the order was rejected"


async def test_task_failed_from_an_async_resource() -> None:
    async def fn(d: Any) -> Any:
        raise express.TaskFailed("AsyncError", "c")

    result = await run_task(fn, {})
    assert (result.error, result.cause) == ("AsyncError", "c")


@pytest.mark.parametrize("resource", [LAMBDA_ARN, LAMBDA_INVOKE])
async def test_unhandled_exception_is_reported_as_a_lambda_error(resource: str) -> None:
    def fn(d: Any) -> Any:
        raise ValueError("boom")

    params = {"FunctionName": "f", "Payload.$": "$"} if resource == LAMBDA_INVOKE else {}
    fields = {"Parameters": params} if params else {}
    result = await run_task(fn, {"a": 1}, resource=resource, **fields)
    assert result.status == "FAILED"
    assert result.error == "ValueError"
    assert result.cause is not None
    doc = json.loads(result.cause)
    assert set(doc) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert doc["errorMessage"] == "boom"
    assert doc["errorType"] == "ValueError"
    assert isinstance(doc["requestId"], str)
    assert doc["requestId"]
    assert isinstance(doc["stackTrace"], list)


async def test_unhandled_exception_in_an_async_resource() -> None:
    async def fn(d: Any) -> Any:
        raise KeyError("k")

    result = await run_task(fn, {})
    assert result.error == "KeyError"
    assert json.loads(result.cause or "")["errorType"] == "KeyError"


async def test_lambda_function_error_keeps_its_fields() -> None:
    def fn(d: Any) -> Any:
        raise express.LambdaFunctionError(
            "CustomError", "it broke", ["  File x, line 1"], "req-123"
        )

    result = await run_task(fn, {})
    assert result.error == "CustomError"
    assert json.loads(result.cause or "") == {
        "errorMessage": "it broke",
        "errorType": "CustomError",
        "requestId": "req-123",
        "stackTrace": ["  File x, line 1"],
    }


async def test_parameters_path_matching_nothing_is_a_runtime_error_with_location() -> None:
    called: list[Any] = []
    result = await run_task(called.append, {"a": 1}, Parameters={"v.$": "$.missing"})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause is not None
    assert result.cause.startswith(located("T", 2))
    assert "$.missing" in result.cause
    assert called == []


async def test_parameters_error_cites_the_event_id_of_a_later_state() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "T"},
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Parameters": {"v.$": "$.missing"},
                    "End": True,
                },
            },
        },
        resources={LAMBDA_ARN: lambda d: d},
    )
    result = await machine.execute({})
    # 1 ExecutionStarted, 2 PassStateEntered, 3 PassStateExited, 4 TaskStateEntered.
    assert (result.cause or "").startswith(located("T", 4))


# --- timeouts -------------------------------------------------------------------------------


def slow_machine(clock: express.VirtualClock, seconds: float, **fields: Any) -> Any:
    async def fn(d: Any) -> str:
        await clock.sleep(seconds)
        return "finished"

    return express.StateMachine(task(**fields), resources={LAMBDA_ARN: fn}, clock=clock)


async def test_timeout_seconds_fails_with_states_timeout() -> None:
    clock = express.VirtualClock(start=START)
    result = await slow_machine(clock, 100, TimeoutSeconds=5).execute({})
    assert result.status == "FAILED"
    assert result.error == "States.Timeout"
    assert clock.time() - START == 5


async def test_task_finishing_before_its_timeout_succeeds() -> None:
    clock = express.VirtualClock(start=START)
    result = await slow_machine(clock, 4, TimeoutSeconds=5).execute({})
    assert result.status == "SUCCEEDED"
    assert result.output == "finished"
    assert clock.time() - START == 4


async def test_timeout_seconds_path() -> None:
    clock = express.VirtualClock(start=START)
    machine = slow_machine(clock, 100, TimeoutSecondsPath="$.t")
    result = await machine.execute({"t": 3})
    assert result.error == "States.Timeout"
    assert clock.time() - START == 3


async def test_timeout_seconds_path_missing_is_a_runtime_error() -> None:
    clock = express.VirtualClock(start=START)
    result = await slow_machine(clock, 1, TimeoutSecondsPath="$.t").execute({})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


async def test_timeout_applies_to_a_sync_resource_that_returns_at_once() -> None:
    clock = express.VirtualClock(start=START)
    machine = express.StateMachine(
        task(TimeoutSeconds=5), resources={LAMBDA_ARN: lambda d: "quick"}, clock=clock
    )
    result = await machine.execute({})
    assert result.output == "quick"
    assert clock.time() == START


# --- payload quota --------------------------------------------------------------------------


def big_string() -> str:
    return "x" * MAX_PAYLOAD


async def test_result_over_the_payload_quota_fails_with_data_limit_exceeded() -> None:
    result = await run_task(lambda d: big_string(), {})
    assert result.status == "FAILED"
    assert result.error == "States.DataLimitExceeded"


async def test_lambda_invoke_result_over_the_quota_fails_with_data_limit_exceeded() -> None:
    result = await run_task(
        lambda d: big_string(),
        {},
        resource=LAMBDA_INVOKE,
        Parameters={"FunctionName": "f", "Payload": {}},
    )
    assert result.status == "FAILED"
    assert result.error == "States.DataLimitExceeded"


async def test_data_limit_exceeded_from_a_task_result_is_caught_by_states_all() -> None:
    # The Developer Guide says States.ALL does not catch it, but AWS's recorded executions
    # (conformance corpus, *catch-state-all-data-limit-exceeded*) show that it does.
    machine = express.StateMachine(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "End": True,
                },
                "Caught": {"Type": "Pass", "End": True},
            },
        },
        resources={LAMBDA_ARN: lambda d: big_string()},
    )
    result = await machine.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "States.DataLimitExceeded"


async def test_an_async_function_raising_timeout_error_fails_like_any_exception() -> None:
    async def slow_dependency(event: Any) -> Any:
        raise TimeoutError("the database did not answer")

    machine = express.StateMachine(
        {
            "StartAt": "T",
            "States": {
                "T": {"Type": "Task", "Resource": LAMBDA_ARN, "TimeoutSeconds": 30, "End": True}
            },
        },
        resources={LAMBDA_ARN: slow_dependency},
        clock=express.VirtualClock(),
    )
    result = await machine.execute({})
    assert (result.status, result.error) == ("FAILED", "TimeoutError")
    assert '"errorMessage": "the database did not answer"' in (result.cause or "")
