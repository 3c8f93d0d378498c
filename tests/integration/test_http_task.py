"""The HTTP Task (``arn:aws:states:::http:invoke``) against a real local HTTP server:
request building, AWS's result shape, every error mapping, timeouts, retries with back-off
on the injected clock, connections, and the outbound safety rules."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

import express
from express.tasks import Connections, TaskAdapters

from ._servers import COUNTS, SEEN, api_app, free_port, running

pytestmark = pytest.mark.anyio

HTTP = "arn:aws:states:::http:invoke"
LOCAL = {"127.0.0.1"}
CONN = "arn:aws:events:us-east-1:123456789012:connection/orders/0f1e2d"


class SkipClock(express.RealClock):
    """Real timers, but ``sleep`` (Wait, Retry back-off) returns at once and is recorded."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def api() -> AsyncIterator[TestServer]:
    async with running(api_app()) as server:
        yield server


def http_task(params: dict[str, Any], **fields: Any) -> dict[str, Any]:
    state = {"Type": "Task", "Resource": HTTP, "Parameters": params, "End": True, **fields}
    return {"StartAt": "Call", "States": {"Call": state}}


async def run(
    definition: dict[str, Any], data: Any = None, **adapter_args: Any
) -> express.ExecutionResult:
    adapter_args.setdefault("allow_hosts", LOCAL)
    clock = adapter_args.pop("clock", None)
    async with TaskAdapters(**adapter_args) as adapters:
        machine = express.StateMachine(definition, adapters=adapters, clock=clock)
        return await machine.execute(data)


def seen(api: TestServer) -> list[dict[str, Any]]:
    return api.app[SEEN]  # type: ignore[no-any-return]


# --- success and the result shape -------------------------------------------------------------


async def test_get_with_query_and_headers_gives_aws_result_shape(api: TestServer) -> None:
    params = {
        "ApiEndpoint.$": "$.url",
        "Method": "GET",
        "Headers": {"x-tenant": "acme", "x-ids": [1, 2]},
        "QueryParameters": {"q": "shoes", "size": 42, "tag": ["a", "b"]},
    }
    result = await run(http_task(params), {"url": str(api.make_url("/echo"))})
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert out["StatusCode"] == 200
    assert out["StatusText"] == "OK"
    assert out["Headers"]["Content-Type"] == ["application/json; charset=utf-8"]
    body = out["ResponseBody"]  # JSON: parsed
    assert body["method"] == "GET"
    assert body["query"] == [["q", "shoes"], ["size", "42"], ["tag", "a"], ["tag", "b"]]
    assert body["headers"]["x-tenant"] == "acme"
    assert body["headers"]["x-ids"] == "1,2"
    assert body["headers"]["User-Agent"] == "Amazon|StepFunctions|HttpInvoke|us-east-1"


async def test_post_json_body(api: TestServer) -> None:
    params = {
        "ApiEndpoint": str(api.make_url("/echo")),
        "Method": "POST",
        "RequestBody": {"order": {"id": 7, "items": ["a"]}},
    }
    result = await run(http_task(params))
    sent = result.output["ResponseBody"]
    assert json.loads(sent["body"]) == {"order": {"id": 7, "items": ["a"]}}
    assert sent["headers"]["Content-Type"] == "application/json; charset=UTF-8"


@pytest.mark.parametrize(
    ("array_format", "encoded"),
    [
        ("INDICES", "array%5B0%5D=a&array%5B1%5D=b&n=1"),
        ("REPEAT", "array=a&array=b&n=1"),
        ("COMMAS", "array=a%2Cb&n=1"),
        ("BRACKETS", "array%5B%5D=a&array%5B%5D=b&n=1"),
    ],
)
async def test_url_encoded_body(api: TestServer, array_format: str, encoded: str) -> None:
    params = {
        "ApiEndpoint": str(api.make_url("/echo")),
        "Method": "POST",
        "RequestBody": {"array": ["a", "b"], "n": 1},
        "Transform": {
            "RequestBodyEncoding": "URL_ENCODED",
            "RequestEncodingOptions": {"ArrayFormat": array_format},
        },
    }
    result = await run(http_task(params))
    sent = result.output["ResponseBody"]
    assert sent["body"] == encoded
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


async def test_text_response_stays_a_string(api: TestServer) -> None:
    result = await run(http_task({"ApiEndpoint": str(api.make_url("/text")), "Method": "GET"}))
    assert result.output["ResponseBody"] == "plain words"


# --- error mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [400, 401, 404, 409, 429, 500, 502, 503])
async def test_error_status_is_states_http_status_code(api: TestServer, code: int) -> None:
    url = str(api.make_url(f"/status/{code}"))
    result = await run(http_task({"ApiEndpoint": url, "Method": "GET"}))
    assert (result.status, result.error) == ("FAILED", f"States.Http.StatusCode.{code}")
    cause = json.loads(result.cause or "")
    assert cause["StatusCode"] == code
    assert cause["ResponseBody"] == {"message": f"status {code}"}


async def test_error_status_is_caught_by_name(api: TestServer) -> None:
    definition = http_task(
        {"ApiEndpoint": str(api.make_url("/status/404")), "Method": "DELETE"},
        Catch=[{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "Gone"}],
    )
    definition["States"]["Gone"] = {"Type": "Pass", "Result": "gone", "End": True}
    result = await run(definition)
    assert (result.status, result.output) == ("SUCCEEDED", "gone")


async def test_connection_refused_is_socket_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/x"
    result = await run(http_task({"ApiEndpoint": url, "Method": "GET"}))
    assert result.error == "States.Http.Socket"
    assert "127.0.0.1" in (result.cause or "")


async def test_no_answer_within_the_adapter_timeout_is_socket_error(api: TestServer) -> None:
    from express.tasks import HttpAdapter

    http = HttpAdapter(allow_hosts=LOCAL, timeout=0.1)
    result = await run(
        http_task({"ApiEndpoint": str(api.make_url("/never")), "Method": "GET"}), http=http
    )
    assert result.error == "States.Http.Socket"
    assert "0.1 seconds" in (result.cause or "")


async def test_timeout_seconds_is_states_timeout(api: TestServer) -> None:
    # The server never answers: only the state's timer can end the call, and the virtual
    # clock fires it without waiting a real second.
    clock = express.VirtualClock()
    try:
        definition = http_task(
            {"ApiEndpoint": str(api.make_url("/never")), "Method": "GET"}, TimeoutSeconds=1
        )
        result = await run(definition, clock=clock)
    finally:
        await clock.aclose()
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


async def test_heartbeat_seconds_does_not_bound_a_request_response_call(api: TestServer) -> None:
    # As on AWS, HeartbeatSeconds applies to tasks that report progress, not to HTTP calls.
    clock = express.VirtualClock()
    try:
        definition = http_task(
            {"ApiEndpoint": str(api.make_url("/never")), "Method": "GET"},
            TimeoutSeconds=10,
            HeartbeatSeconds=2,
        )
        result = await run(definition, clock=clock)
        assert clock.time() - result.start_time == 10
    finally:
        await clock.aclose()
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


async def test_retries_with_back_off_on_the_injected_clock(api: TestServer) -> None:
    definition = http_task(
        {"ApiEndpoint": str(api.make_url("/flaky/r1")) + "?fail=2", "Method": "GET"},
        Retry=[
            {
                "ErrorEquals": ["States.Http.StatusCode.503"],
                "IntervalSeconds": 2,
                "BackoffRate": 3,
                "MaxAttempts": 3,
            }
        ],
    )
    clock = SkipClock()
    result = await run(definition, clock=clock)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ResponseBody"] == {"attempt": 3}
    assert clock.slept == [2.0, 6.0]
    assert api.app[COUNTS]["r1"] == 3


async def test_response_over_the_payload_quota(api: TestServer) -> None:
    result = await run(http_task({"ApiEndpoint": str(api.make_url("/big")), "Method": "GET"}))
    assert result.error == "States.DataLimitExceeded"


@pytest.mark.parametrize(
    "params",
    [
        {"Method": "GET"},
        {"ApiEndpoint": "ftp://example.com/", "Method": "GET"},
        {"ApiEndpoint": "https://example.com/", "Method": "FETCH"},
        {"ApiEndpoint": "https://example.com/", "Method": "GET", "Headers": "x"},
    ],
)
async def test_unusable_parameters_fail_the_execution(params: dict[str, Any]) -> None:
    definition = http_task(params, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])
    definition["States"]["Caught"] = {"Type": "Succeed"}
    result = await run(definition)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


# --- outbound safety --------------------------------------------------------------------------


async def test_loopback_is_refused_without_the_allow_list(api: TestServer) -> None:
    for host in ("127.0.0.1", "localhost"):
        url = f"http://{host}:{api.port}/echo"
        result = await run(http_task({"ApiEndpoint": url, "Method": "GET"}), allow_hosts=())
        assert result.error == "States.Http.Socket", host
        assert "loopback" in (result.cause or "")
        assert "--allow-host" in (result.cause or "")
    assert seen(api) == []  # nothing reached the server


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://[::1]:1/"]
)
async def test_private_and_link_local_addresses_are_refused(target: str) -> None:
    result = await run(http_task({"ApiEndpoint": target, "Method": "GET"}), allow_hosts=())
    assert result.error == "States.Http.Socket"
    assert "Refused to connect" in (result.cause or "")


async def test_redirect_to_a_refused_address_is_refused(api: TestServer) -> None:
    for target in ("http://127.0.0.2:9/", "http://169.254.169.254/latest/meta-data/"):
        url = str(api.make_url("/redirect").with_query(to=target))
        result = await run(http_task({"ApiEndpoint": url, "Method": "GET"}))
        assert result.error == "States.Http.Socket", target
        assert "Refused to connect" in (result.cause or "")


async def test_redirect_within_allowed_hosts_is_followed(api: TestServer) -> None:
    url = str(api.make_url("/redirect").with_query(to="/echo?hop=2"))
    result = await run(http_task({"ApiEndpoint": url, "Method": "GET"}))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ResponseBody"]["query"] == [["hop", "2"]]


async def test_an_allowed_name_does_not_open_its_addresses_to_other_urls(
    api: TestServer,
) -> None:
    by_name = http_task({"ApiEndpoint": f"http://localhost:{api.port}/text", "Method": "GET"})
    by_address = http_task({"ApiEndpoint.$": "$.url", "Method": "GET"})
    async with TaskAdapters(allow_hosts={"localhost"}) as adapters:
        first = await express.StateMachine(by_name, adapters=adapters).execute({})
        assert first.status == "SUCCEEDED", first.cause
        # localhost resolved to a loopback address; a URL naming that address (say, one
        # taken from execution input) is still refused.
        second = await express.StateMachine(by_address, adapters=adapters).execute(
            {"url": f"http://127.0.0.1:{api.port}/text"}
        )
    assert second.error == "States.Http.Socket"
    assert "Refused to connect" in (second.cause or "")


async def test_allowed_network_reaches_loopback(api: TestServer) -> None:
    url = f"http://localhost:{api.port}/text"
    result = await run(
        http_task({"ApiEndpoint": url, "Method": "GET"}), allow_hosts={"127.0.0.0/8", "::1"}
    )
    assert result.status == "SUCCEEDED", result.cause


# --- connections ------------------------------------------------------------------------------


def connections(auth_type: str, params: dict[str, Any]) -> Connections:
    auth = {
        **params,
        "InvocationHttpParameters": {
            "HeaderParameters": [{"Key": "x-tenant", "Value": "from-connection"}],
            "QueryStringParameters": [{"Key": "region", "Value": "eu"}],
            "BodyParameters": [{"Key": "source", "Value": "express"}],
        },
    }
    return Connections(
        {"Connections": {CONN: {"AuthorizationType": auth_type, "AuthParameters": auth}}}
    )


def with_connection(url: str) -> dict[str, Any]:
    return http_task(
        {
            "ApiEndpoint": url,
            "Method": "POST",
            "Headers": {"x-tenant": "from-task"},
            "QueryParameters": {"region": "us", "page": 2},
            "RequestBody": {"id": 1},
            "Authentication": {"ConnectionArn": CONN},
        }
    )


async def test_api_key_connection(api: TestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_KEY", "k-123")
    conns = connections(
        "API_KEY",
        {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "${ORDERS_KEY}"}},
    )
    result = await run(with_connection(str(api.make_url("/echo"))), connections=conns)
    sent = result.output["ResponseBody"]
    assert sent["headers"]["x-api-key"] == "k-123"
    # The connection's invocation parameters win over the task's.
    assert sent["headers"]["x-tenant"] == "from-connection"
    assert sent["query"] == [["page", "2"], ["region", "eu"]]
    assert json.loads(sent["body"]) == {"id": 1, "source": "express"}


async def test_basic_connection(api: TestServer) -> None:
    conns = connections("BASIC", {"BasicAuthParameters": {"Username": "u", "Password": "p"}})
    result = await run(with_connection(str(api.make_url("/echo"))), connections=conns)
    assert result.output["ResponseBody"]["headers"]["Authorization"] == "Basic dTpw"


async def test_oauth_client_credentials_token_is_fetched_once(api: TestServer) -> None:
    conns = connections(
        "OAUTH_CLIENT_CREDENTIALS",
        {
            "OAuthParameters": {
                "AuthorizationEndpoint": str(api.make_url("/oauth/token")),
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "client", "ClientSecret": "s3cret"},
                "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "orders"}]},
            }
        },
    )
    async with TaskAdapters(allow_hosts=LOCAL, connections=conns) as adapters:
        machine = express.StateMachine(
            with_connection(str(api.make_url("/echo"))), adapters=adapters
        )
        first, second = [await machine.execute() for _ in range(2)]
    for result in (first, second):
        assert result.output["ResponseBody"]["headers"]["Authorization"] == "Bearer tok-1"
    token_request = next(e for e in seen(api) if e["path"] == "/oauth/token")
    assert "grant_type=client_credentials" in token_request["body"]
    assert "scope=orders" in token_request["body"]


async def test_oauth_failure_fails_the_task(api: TestServer) -> None:
    conns = connections(
        "OAUTH_CLIENT_CREDENTIALS",
        {
            "OAuthParameters": {
                "AuthorizationEndpoint": str(api.make_url("/oauth/token")),
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "client", "ClientSecret": "wrong"},
            }
        },
    )
    result = await run(with_connection(str(api.make_url("/echo"))), connections=conns)
    assert result.error == "Events.ConnectionResource.InvalidConnectionState"


async def test_unconfigured_connection_sends_without_credentials_and_warns(
    api: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="express.tasks.http"):
        result = await run(with_connection(str(api.make_url("/echo"))))
    sent = result.output["ResponseBody"]
    assert "Authorization" not in sent["headers"]
    assert sent["headers"]["x-tenant"] == "from-task"
    assert CONN in caplog.text and "not configured" in caplog.text


async def test_credentials_do_not_follow_a_redirect_to_another_origin(api: TestServer) -> None:
    async with running(api_app()) as other:
        conns = connections(
            "API_KEY",
            {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}},
        )
        url = str(api.make_url("/redirect").with_query(to=str(other.make_url("/echo"))))
        definition = with_connection(url)
        definition["States"]["Call"]["Parameters"]["Method"] = "GET"
        del definition["States"]["Call"]["Parameters"]["RequestBody"]
        result = await run(definition, connections=conns)
        assert result.status == "SUCCEEDED", result.cause
        assert seen(api)[0]["headers"]["x-api-key"] == "secret"
        headers = result.output["ResponseBody"]["headers"]
        assert "x-api-key" not in headers
        assert "x-tenant" not in headers


def test_connections_file_errors_are_clear(tmp_path: Any) -> None:
    from express.tasks import ConnectionsError

    bad = tmp_path / "c.json"
    bad.write_text(
        json.dumps({"Connections": {CONN: {"AuthorizationType": "API_KEY", "AuthParameters": {}}}})
    )
    with pytest.raises(ConnectionsError, match="ApiKeyAuthParameters is required"):
        Connections.load(bad)
    with pytest.raises(ConnectionsError, match="AuthorizationType must be one of"):
        Connections({"Connections": {"x": {"AuthorizationType": "IAM", "AuthParameters": {}}}})


async def test_adapter_session_is_pooled_and_closed(api: TestServer) -> None:
    adapters = TaskAdapters(allow_hosts=LOCAL)
    machine = express.StateMachine(
        http_task({"ApiEndpoint": str(api.make_url("/text")), "Method": "GET"}),
        adapters=adapters,
    )
    await asyncio.gather(*(machine.execute() for _ in range(5)))
    session = adapters.http._pool.get()
    assert session is adapters.http._pool.get()  # one session for every call
    await adapters.aclose()
    assert session.closed
