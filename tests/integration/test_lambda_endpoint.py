"""Lambda functions behind a real local Lambda Invoke API server: direct function ARNs and
``arn:aws:states:::lambda:invoke``, AWS's result and error shapes, timeouts, retries,
local callables taking precedence, and SigV4 signing through botocore."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

import express
from express.tasks import LambdaEndpoint, TaskAdapters

from ._servers import SEEN, free_port, lambda_app, lambda_error, running

pytestmark = pytest.mark.anyio

INVOKE = "arn:aws:states:::lambda:invoke"


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


class SkipClock(express.RealClock):
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def lam() -> AsyncIterator[TestServer]:
    async with running(lambda_app()) as server:
        yield server


def task(resource: str, **fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": resource, "End": True, **fields}},
    }


def invoke(function: str, payload: Any = None, **params: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"FunctionName": function, **params}
    if payload is not None:
        p["Payload"] = payload
    return task(INVOKE, Parameters=p)


async def run(
    lam: TestServer | str,
    definition: dict[str, Any],
    data: Any = None,
    resources: dict[str, Any] | None = None,
    clock: express.Clock | None = None,
) -> express.ExecutionResult:
    url = lam if isinstance(lam, str) else str(lam.make_url("/"))
    async with TaskAdapters(lambda_endpoint=url) as adapters:
        machine = express.StateMachine(definition, resources, adapters=adapters, clock=clock)
        return await machine.execute(data)


def seen(lam: TestServer) -> list[dict[str, Any]]:
    return lam.app[SEEN]  # type: ignore[no-any-return]


# --- results ----------------------------------------------------------------------------------


async def test_direct_arn_result_is_the_payload(lam: TestServer) -> None:
    result = await run(lam, task(arn("greet")), {"name": "world"})
    assert (result.status, result.output) == ("SUCCEEDED", "Hello, world!")
    request = seen(lam)[0]
    assert request["path"] == "/2015-03-31/functions/greet/invocations"
    assert request["headers"]["X-Amz-Invocation-Type"] == "RequestResponse"
    assert json.loads(request["body"]) == {"name": "world"}


async def test_direct_arn_events_are_lambda_events(lam: TestServer) -> None:
    async with TaskAdapters(lambda_endpoint=str(lam.make_url("/"))) as adapters:
        machine = express.StateMachine(task(arn("echo")), adapters=adapters)
        result = await machine.execute({"a": 1}, record_events=True)
    kinds = [e.type for e in result.events or []]
    assert "LambdaFunctionSucceeded" in kinds


async def test_lambda_invoke_result_is_shaped_as_aws_shapes_it(lam: TestServer) -> None:
    result = await run(lam, invoke("echo", {"k.$": "$.v"}), {"v": [1, 2]})
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert out["Payload"] == {"k": [1, 2]}
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["SdkResponseMetadata"] == {"RequestId": "req-0001"}
    meta = out["SdkHttpMetadata"]
    assert meta["HttpStatusCode"] == 200
    assert meta["HttpHeaders"]["X-Amz-Executed-Version"] == "$LATEST"
    assert meta["AllHttpHeaders"]["x-amzn-RequestId"] == ["req-0001"]


async def test_payload_as_json_text_and_qualifier(lam: TestServer) -> None:
    definition = invoke("echo", '{"raw": true}', Qualifier="prod")
    result = await run(lam, definition)
    assert result.output["Payload"] == {"raw": True}
    assert seen(lam)[0]["query"] == [("Qualifier", "prod")]


async def test_qualifier_in_the_function_arn(lam: TestServer) -> None:
    result = await run(lam, task(arn("echo") + ":live"), {"x": 1})
    assert result.output == {"x": 1}
    assert seen(lam)[0]["path"].endswith("/functions/echo/invocations")
    assert seen(lam)[0]["query"] == [("Qualifier", "live")]


async def test_event_invocation(lam: TestServer) -> None:
    result = await run(lam, invoke("echo", {"a": 1}, InvocationType="Event"))
    out = result.output
    assert (out["StatusCode"], out["Payload"]) == (202, "")
    assert "ExecutedVersion" not in out


# --- errors -----------------------------------------------------------------------------------


async def test_function_error_direct_arn_keeps_the_runtime_document(lam: TestServer) -> None:
    result = await run(lam, task(arn("fail")))
    assert (result.status, result.error) == ("FAILED", "ValueError")
    assert result.cause == json.dumps(lambda_error("ValueError", "bad input"))


async def test_function_error_lambda_invoke_is_reserialised_compactly(lam: TestServer) -> None:
    result = await run(lam, invoke("fail", {}))
    assert result.error == "ValueError"
    assert result.cause == json.dumps(
        lambda_error("ValueError", "bad input"), separators=(",", ":")
    )


async def test_function_error_without_error_type_is_lambda_unknown(lam: TestServer) -> None:
    result = await run(lam, invoke("crash", {}))
    assert result.error == "Lambda.Unknown"
    assert "Task timed out" in (result.cause or "")


async def test_function_error_is_caught(lam: TestServer) -> None:
    definition = task(arn("fail"), Catch=[{"ErrorEquals": ["ValueError"], "Next": "Handled"}])
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    result = await run(lam, definition)
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "ValueError"


async def test_unknown_function_is_resource_not_found(lam: TestServer) -> None:
    result = await run(lam, invoke("nope", {}))
    assert result.error == "Lambda.ResourceNotFoundException"
    assert result.cause == (
        f"Function not found: {arn('nope')} (Service: AWSLambda; Status Code: 404; "
        "Error Code: ResourceNotFoundException; Request ID: req-0404; Proxy: null)"
    )


async def test_throttling_is_retried_with_back_off(lam: TestServer) -> None:
    definition = invoke("busy", {})
    definition["States"]["T"]["Retry"] = [
        {
            "ErrorEquals": ["Lambda.TooManyRequestsException"],
            "IntervalSeconds": 1,
            "BackoffRate": 2,
            "MaxAttempts": 3,
        }
    ]
    clock = SkipClock()
    result = await run(lam, definition, clock=clock)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["Payload"] == {"attempt": 3}
    assert clock.slept == [1.0, 2.0]


async def test_no_endpoint_listening_is_sdk_client_exception() -> None:
    result = await run(f"http://127.0.0.1:{free_port()}", task(arn("echo")))
    assert result.error == "Lambda.SdkClientException"
    assert result.cause and result.cause.startswith("Unable to execute HTTP request")


async def test_timeout_seconds(lam: TestServer) -> None:
    clock = express.VirtualClock()
    try:
        result = await run(lam, task(arn("slow"), TimeoutSeconds=3), clock=clock)
    finally:
        await clock.aclose()
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


# --- local callables and the endpoint together --------------------------------------------------


async def test_registered_callable_wins_over_the_endpoint(lam: TestServer) -> None:
    definition = {
        "StartAt": "Local",
        "States": {
            "Local": {"Type": "Task", "Resource": arn("shout"), "Next": "Remote"},
            "Remote": {
                "Type": "Task",
                "Resource": INVOKE,
                "End": True,
                "Parameters": {"FunctionName": "echo", "Payload.$": "$"},
            },
        },
    }
    result = await run(lam, definition, "hi", resources={"shout": lambda s: s.upper() + "!"})
    assert result.output["Payload"] == "HI!"
    assert [e["path"] for e in seen(lam)] == ["/2015-03-31/functions/echo/invocations"]


async def test_lambda_invoke_of_a_registered_function_stays_local(lam: TestServer) -> None:
    result = await run(lam, invoke("double", {"n": 4}), resources={"double": lambda e: e["n"] * 2})
    assert result.output["Payload"] == 8
    assert seen(lam) == []


# --- signing ------------------------------------------------------------------------------------


async def test_sigv4_signing_through_botocore(
    lam: TestServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    pytest.importorskip("botocore")
    for var, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    endpoint = LambdaEndpoint(str(lam.make_url("/")), sign=True, region="eu-west-1")
    async with TaskAdapters(lambda_endpoint=endpoint) as adapters:
        machine = express.StateMachine(task(arn("echo")), adapters=adapters)
        result = await machine.execute({"signed": True})
    assert result.output == {"signed": True}
    request = seen(lam)[0]
    # AWS takes the whole ARN in the path when it is the one answering.
    assert request["path"] == f"/2015-03-31/functions/{arn('echo')}/invocations"
    auth = request["headers"]["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/lambda/aws4_request" in auth
    assert "X-Amz-Date" in request["headers"]


def test_endpoint_url_is_checked() -> None:
    with pytest.raises(ValueError, match="http"):
        LambdaEndpoint("localhost:9000")
