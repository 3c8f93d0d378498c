"""Small helpers shared by the server's integration tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

T = TypeVar("T")


def poll(fn: Callable[[], T | None], *, timeout: float = 10.0, what: str = "a result") -> T:
    """Call ``fn`` until it returns something other than None (bounded; never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def error_of(call: Callable[[], Any]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of the ClientError that ``call`` raises."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def machine(*states: tuple[str, dict[str, Any]], **top: Any) -> str:
    """A definition from (name, state) pairs, the first one starting it."""
    return json.dumps({"StartAt": states[0][0], "States": dict(states), **top})


def done(sfn: Any, arn: str) -> dict[str, Any] | None:
    """DescribeExecution once it is no longer RUNNING."""
    out: dict[str, Any] = sfn.describe_execution(executionArn=arn)
    return None if out["status"] == "RUNNING" else out
