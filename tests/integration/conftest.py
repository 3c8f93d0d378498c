"""Fixtures for the server's integration tests: real sockets, real clients, real services.

- ``server``: ``express serve``'s app in a background thread (its own uvloop loop) on a
  free loopback port, shared by the session; tests use ``unique`` names.
- ``sfn``: a real boto3 client for it (``inject_host_prefix=False``, no retries).
- ``aws``: runs the real AWS CLI against it (``--endpoint-url``, dummy credentials,
  ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``).
- ``serving()``: a server on the running test loop, for async tests on asyncio and uvloop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

import express
from express.server import Api, Server, ServerConfig, make_socket

from ._services import python_tool

ROLE = "arn:aws:iam::123456789012:role/express-tests"
ECHO = "arn:aws:lambda:us-east-1:123456789012:function:echo"
BOOM = "arn:aws:lambda:us-east-1:123456789012:function:boom"


def _boom(payload: Any) -> Any:
    raise express.TaskFailed("Boom", "it broke")


RESOURCES: dict[str, Callable[[Any], Any]] = {ECHO: lambda payload: payload, BOOM: _boom}


@dataclass
class Running:
    url: str
    api: Api
    log_path: Path
    loop: asyncio.AbstractEventLoop

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (to read its state without a race)."""

        async def go() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    import uvloop

    log_path = tmp_path_factory.mktemp("logs") / "express.log"
    config = ServerConfig(port=0, log_sink=str(log_path), max_in_flight=1000)
    loop = uvloop.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        api = Api(config, resources=RESOURCES)
        srv = Server(api, make_socket("127.0.0.1", 0))
        await srv.start()
        holder["running"] = Running(f"http://127.0.0.1:{srv.port}", api, log_path, loop)
        started.set()
        await stop.wait()
        await srv.drain(timeout=1)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(30), "the server did not start"
    yield holder["running"]
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)
    loop.close()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """``unique("sm")`` -> a fresh name (the session's server is shared)."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:12]}"


def client(url: str) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture(scope="session")
def sfn(server: Running) -> Any:
    return client(server.url)


def cli_env() -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }


@dataclass
class CliResult:
    code: int
    out: Any
    err: str


@pytest.fixture(scope="session")
def aws(server: Running) -> Callable[..., CliResult]:
    """``aws("list-state-machines", "--max-results", "5")`` through the real AWS CLI."""
    binary = python_tool("aws")
    env = cli_env()

    def run(*args: str) -> CliResult:
        done = subprocess.run(
            [binary, "stepfunctions", *args, "--endpoint-url", server.url, "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        out = json.loads(done.stdout) if done.stdout.strip() else None
        return CliResult(done.returncode, out, done.stderr)

    return run


PASS = json.dumps(
    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
)


@contextlib.asynccontextmanager
async def serving(config: ServerConfig | None = None, **api_options: Any) -> AsyncIterator[Server]:
    """A server on the running loop (for async tests); drained on exit."""
    api = Api(config or ServerConfig(port=0, log_sink=os.devnull), **api_options)
    srv = Server(api, make_socket("127.0.0.1", 0))
    await srv.start()
    try:
        yield srv
    finally:
        await srv.drain(timeout=1)
