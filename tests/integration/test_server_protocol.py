"""The wire protocol, admission control and drain, on a server in the test's own loop
(every test runs on asyncio and on uvloop)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import express
from express.server import ServerConfig

from ._helpers import machine
from .conftest import PASS, ROLE, serving

pytestmark = pytest.mark.anyio

JSON = "application/x-amz-json-1.0"
WAIT = machine(("W", {"Type": "Wait", "Seconds": 60, "End": True}))
GATE = "arn:aws:lambda:us-east-1:123456789012:function:gate"
GATED = machine(("G", {"Type": "Task", "Resource": GATE, "End": True}))


async def call(
    session: aiohttp.ClientSession, url: str, op: str, body: Any = None, raw: bytes | None = None
) -> tuple[int, dict[str, Any], Any]:
    data = raw if raw is not None else json.dumps(body or {}).encode()
    headers = {"X-Amz-Target": f"AWSStepFunctions.{op}", "Content-Type": JSON}
    async with session.post(url, data=data, headers=headers) as r:
        return r.status, dict(r.headers), json.loads(await r.read())


async def create(session: aiohttp.ClientSession, url: str, name: str, definition: str) -> str:
    status, _, out = await call(
        session,
        url,
        "CreateStateMachine",
        {"name": name, "definition": definition, "roleArn": ROLE, "type": "EXPRESS"},
    )
    assert status == 200, out
    return str(out["stateMachineArn"])


async def test_wire_shapes() -> None:
    async with serving() as srv, aiohttp.ClientSession() as s:
        url = f"http://127.0.0.1:{srv.port}/"
        status, headers, out = await call(s, url, "ListStateMachines")
        assert (status, out) == (200, {"stateMachines": []})
        assert headers["Content-Type"] == JSON
        assert headers["x-amzn-RequestId"]
        status, headers, out = await call(s, url, "DescribeStateMachine", {"stateMachineArn": "x"})
        assert status == 400
        assert out == {"__type": "InvalidArn", "message": "Invalid Arn: 'Invalid ARN prefix: x'"}
        assert headers["X-Amzn-Errortype"] == "InvalidArn"
        status, _, out = await call(s, url, "DescribeStateMachine")
        assert out["__type"] == "ValidationException"
        assert out["message"] == (
            "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy "
            "constraint: Member must not be null"
        )
        status, _, out = await call(s, url, "NoSuchOperation")
        assert (status, out["__type"]) == (400, "UnknownOperationException")
        status, _, out = await call(s, url, "ListStateMachines", raw=b"{not json")
        assert (status, out["__type"]) == (400, "SerializationException")
        status, _, out = await call(s, url, "ListStateMachines", {"maxResults": "7"})
        assert (status, out["__type"]) == (400, "SerializationException")
        # Clients that keep the sync- host prefix still get an answer: any Host is served.
        async with s.post(
            url,
            data=b"{}",
            headers={
                "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
                "Host": f"sync-localhost:{srv.port}",
            },
        ) as r:
            assert r.status == 200


async def test_admission_control_answers_throttling() -> None:
    config = ServerConfig(port=0, max_in_flight=1, log_sink=os.devnull)
    async with serving(config) as srv, aiohttp.ClientSession() as s:
        url = f"http://127.0.0.1:{srv.port}/"
        waits = await create(s, url, "waits", WAIT)
        quick = await create(s, url, "quick", PASS)
        status, _, started = await call(s, url, "StartExecution", {"stateMachineArn": waits})
        assert status == 200
        status, _, out = await call(s, url, "StartSyncExecution", {"stateMachineArn": quick})
        assert (status, out["__type"]) == (400, "ThrottlingException")
        status, _, out = await call(s, url, "StartExecution", {"stateMachineArn": quick})
        assert out["__type"] == "ThrottlingException"
        await call(s, url, "StopExecution", {"executionArn": started["executionArn"]})
        status, _, out = await call(s, url, "StartSyncExecution", {"stateMachineArn": quick})
        assert (status, out["status"]) == (200, "SUCCEEDED")
        async with s.get(url + "metrics") as r:
            text = await r.text()
        assert 'express_executions_throttled_total{state_machine="quick"} 2.0' in text
        assert 'express_executions_total{state_machine="waits",status="ABORTED"} 1.0' in text
        assert "express_executions_in_flight 0.0" in text


async def test_drain_lets_executions_finish() -> None:
    gate = asyncio.Event()

    async def wait_for_gate(payload: Any) -> Any:
        await gate.wait()
        return payload

    connector = aiohttp.TCPConnector(limit=1)  # one kept-alive connection, reused
    async with (
        serving(resources={GATE: wait_for_gate}) as srv,
        aiohttp.ClientSession(connector=connector) as s,
    ):
        url = f"http://127.0.0.1:{srv.port}/"
        arn = await create(s, url, "gated", GATED)
        _, _, started = await call(s, url, "StartExecution", {"stateMachineArn": arn})
        async with s.get(url + "readyz") as r:
            assert r.status == 200
        drain = asyncio.get_running_loop().create_task(srv.drain(timeout=30))
        while not srv.api.draining:
            await asyncio.sleep(0)
        async with s.get(url + "readyz") as r:
            assert r.status == 503
        _, _, out = await call(s, url, "StartSyncExecution", {"stateMachineArn": arn})
        assert out["__type"] == "ThrottlingException"
        assert not drain.done()
        gate.set()
        await drain
        record = srv.api.store.get(started["executionArn"])
        assert record is not None and record.status == "SUCCEEDED"


async def test_drain_aborts_what_outlives_the_timeout() -> None:
    async with serving() as srv, aiohttp.ClientSession() as s:
        url = f"http://127.0.0.1:{srv.port}/"
        arn = await create(s, url, "long", WAIT)
        _, _, started = await call(s, url, "StartExecution", {"stateMachineArn": arn})
        await srv.drain(timeout=0.01)
        record = srv.api.store.get(started["executionArn"])
        assert record is not None and record.status == "ABORTED"
        assert record.events is not None and record.events[-1].type == "ExecutionAborted"


async def test_store_disabled_answers_as_aws_does_for_express() -> None:
    config = ServerConfig(port=0, store_size=0, log_sink=os.devnull)
    async with serving(config) as srv, aiohttp.ClientSession() as s:
        url = f"http://127.0.0.1:{srv.port}/"
        arn = await create(s, url, "nostore", PASS)
        _, _, out = await call(s, url, "StartSyncExecution", {"stateMachineArn": arn})
        execution = out["executionArn"]
        _, _, out = await call(s, url, "DescribeExecution", {"executionArn": execution})
        assert out == {
            "__type": "InvalidArn",
            "message": "Invalid Arn: 'Resource type not valid in this context: express'",
        }
        _, _, out = await call(s, url, "ListExecutions", {"stateMachineArn": arn})
        assert out["__type"] == "StateMachineTypeNotSupported"


async def test_health_and_metrics_endpoints() -> None:
    async with serving() as srv, aiohttp.ClientSession() as s:
        base = f"http://127.0.0.1:{srv.port}"
        async with s.get(base + "/healthz") as r:
            assert (r.status, await r.text()) == (200, "ok\n")
        async with s.get(base + "/metrics") as r:
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert "express_event_loop_lag_seconds" in await r.text()
        async with s.get(
            base + "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
        ) as r:
            assert r.headers["Content-Type"].startswith("application/openmetrics-text")
            assert (await r.text()).endswith("# EOF\n")


async def test_mock_config_test_cases_as_step_functions_local_runs_them() -> None:
    examples = Path(express.__file__).parent / "examples"
    config = ServerConfig(
        port=0, log_sink=os.devnull, mock_config=str(examples / "MockConfigFile.json")
    )
    definition = (examples / "LambdaSQSIntegration.asl.json").read_text()
    async with serving(config) as srv, aiohttp.ClientSession() as s:
        url = f"http://127.0.0.1:{srv.port}/"
        arn = await create(s, url, "LambdaSQSIntegration", definition)
        status, _, out = await call(
            s, url, "StartSyncExecution", {"stateMachineArn": f"{arn}#HappyPath"}
        )
        assert (status, out["status"]) == (200, "SUCCEEDED"), out
        status, _, out = await call(
            s, url, "StartSyncExecution", {"stateMachineArn": f"{arn}#NoSuchCase"}
        )
        assert (status, out["__type"]) == (400, "ValidationException")
