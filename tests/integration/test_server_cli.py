"""Every operation of ``express serve`` through the real AWS CLI (``--endpoint-url``).

StartSyncExecution and TestState carry the ``sync-`` host prefix in the service model; the
CLI reaches the server with ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (see the README).
Independent invocations run side by side: each is a fresh Python process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ._helpers import machine
from .conftest import PASS, ROLE, CliResult

Aws = Callable[..., CliResult]
Unique = Callable[[str], str]

FAIL = machine(("F", {"Type": "Fail", "Error": "SomeFailure", "Cause": "fails"}))
WAIT = machine(("W", {"Type": "Wait", "Seconds": 60, "End": True}))


def ok(result: CliResult) -> object:
    assert result.code == 0, result.err
    return result.out


def failed(result: CliResult, code: str, message: str | None = None) -> None:
    assert result.code != 0
    assert f"An error occurred ({code})" in result.err, result.err
    if message is not None:
        assert result.err.strip().endswith(message), result.err


def create(aws: Aws, name: str, definition: str = PASS, kind: str = "EXPRESS", *extra: str) -> str:
    out = ok(
        aws(
            "create-state-machine",
            "--name",
            name,
            "--definition",
            definition,
            "--role-arn",
            ROLE,
            "--type",
            kind,
            *extra,
        )
    )
    assert isinstance(out, dict)
    return str(out["stateMachineArn"])


def test_state_machine_operations(aws: Aws, unique: Unique) -> None:
    name = unique("cli")
    arn = create(aws, name, PASS, "EXPRESS", "--tags", "key=team,value=a")
    with ThreadPoolExecutor(4) as pool:
        described, listed, validated, tags = pool.map(
            lambda args: aws(*args),
            [
                ("describe-state-machine", "--state-machine-arn", arn),
                ("list-state-machines", "--max-results", "1000"),
                ("validate-state-machine-definition", "--definition", PASS),
                ("list-tags-for-resource", "--resource-arn", arn),
            ],
        )
    out = ok(described)
    assert isinstance(out, dict)
    assert (out["name"], out["type"], out["status"], out["definition"]) == (
        name,
        "EXPRESS",
        "ACTIVE",
        PASS,
    )
    assert arn in [m["stateMachineArn"] for m in ok(listed)["stateMachines"]]  # type: ignore[index]
    assert ok(validated) == {"result": "OK", "diagnostics": [], "truncated": False}
    assert ok(tags) == {"tags": [{"key": "team", "value": "a"}]}

    ok(aws("tag-resource", "--resource-arn", arn, "--tags", "key=env,value=dev"))
    ok(aws("untag-resource", "--resource-arn", arn, "--tag-keys", "team"))
    assert ok(aws("list-tags-for-resource", "--resource-arn", arn)) == {
        "tags": [{"key": "env", "value": "dev"}]
    }
    updated = ok(aws("update-state-machine", "--state-machine-arn", arn, "--definition", FAIL))
    assert "revisionId" in updated  # type: ignore[operator]
    ok(aws("delete-state-machine", "--state-machine-arn", arn))
    failed(
        aws("describe-state-machine", "--state-machine-arn", arn),
        "StateMachineDoesNotExist",
        f"State Machine Does Not Exist: '{arn}'",
    )


def test_execution_operations(aws: Aws, unique: Unique) -> None:
    arn = create(aws, unique("cli-run"))
    waits = create(aws, unique("cli-wait"), WAIT)
    synced = ok(aws("start-sync-execution", "--state-machine-arn", arn, "--input", '{"a":1}'))
    assert isinstance(synced, dict)
    assert synced["status"] == "SUCCEEDED"
    assert json.loads(synced["output"]) == {"ok": True}
    execution = synced["executionArn"]
    started = ok(aws("start-execution", "--state-machine-arn", waits, "--name", "w1"))
    assert isinstance(started, dict)
    running = started["executionArn"]
    with ThreadPoolExecutor(4) as pool:
        described, history, listed, for_execution = pool.map(
            lambda args: aws(*args),
            [
                ("describe-execution", "--execution-arn", execution),
                ("get-execution-history", "--execution-arn", execution),
                ("list-executions", "--state-machine-arn", arn),
                ("describe-state-machine-for-execution", "--execution-arn", execution),
            ],
        )
    assert ok(described)["status"] == "SUCCEEDED"  # type: ignore[index]
    types = [e["type"] for e in ok(history)["events"]]  # type: ignore[index]
    assert types == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["executionArn"] for e in ok(listed)["executions"]] == [execution]  # type: ignore[index]
    assert ok(for_execution)["definition"] == PASS  # type: ignore[index]

    stopped = ok(aws("stop-execution", "--execution-arn", running, "--error", "E", "--cause", "C"))
    assert "stopDate" in stopped  # type: ignore[operator]
    assert ok(aws("describe-execution", "--execution-arn", running))["status"] == "ABORTED"  # type: ignore[index]


def test_test_state(aws: Aws) -> None:
    out = ok(
        aws(
            "test-state",
            "--definition",
            json.dumps({"Type": "Pass", "Result": 1, "Next": "After"}),
            "--role-arn",
            ROLE,
        )
    )
    assert out == {"output": "1", "nextState": "After", "status": "SUCCEEDED"}


def test_error_shapes(aws: Aws, unique: Unique) -> None:
    standard = create(aws, unique("cli-std"), PASS, "STANDARD")
    express = create(aws, unique("cli-exp"))
    missing = "arn:aws:states:us-east-1:123456789012:execution:sm:none"
    cases: list[tuple[tuple[str, ...], str, str | None]] = [
        (
            ("describe-state-machine", "--state-machine-arn", "bad"),
            "InvalidArn",
            "Invalid Arn: 'Invalid ARN prefix: bad'",
        ),
        (
            ("create-state-machine", "--name", "a b", "--definition", PASS, "--role-arn", ROLE),
            "InvalidName",
            "Invalid Name: 'a b'",
        ),
        (
            (
                "create-state-machine",
                "--name",
                unique("x"),
                "--definition",
                "{}",
                "--role-arn",
                ROLE,
            ),
            "InvalidDefinition",
            None,
        ),
        (
            ("start-sync-execution", "--state-machine-arn", standard),
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ),
        (
            ("start-execution", "--state-machine-arn", express, "--input", "{oops"),
            "InvalidExecutionInput",
            None,
        ),
        (
            ("describe-execution", "--execution-arn", missing),
            "ExecutionDoesNotExist",
            f"Execution Does Not Exist: '{missing}'",
        ),
        (
            ("list-executions", "--state-machine-arn", express, "--status-filter", "nope"),
            "ValidationException",
            None,
        ),
        (("list-tags-for-resource", "--resource-arn", express + "x"), "ResourceNotFound", None),
    ]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda case: aws(*case[0]), cases))
    for (_, code, message), result in zip(cases, results, strict=True):
        failed(result, code, message)
