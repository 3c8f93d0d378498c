"""Every operation of ``express serve`` through the real boto3 client: answers and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ._helpers import done, error_of, machine, poll
from .conftest import BOOM, ECHO, PASS, ROLE, Running

Unique = Callable[[str], str]

WAIT = machine(("W", {"Type": "Wait", "Seconds": 60, "End": True}))
FAIL = machine(
    ("A", {"Type": "Pass", "Next": "F"}),
    ("F", {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machine fails."}),
)


def create(sfn: Any, name: str, definition: str = PASS, kind: str = "EXPRESS", **kw: Any) -> str:
    out = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE, type=kind, **kw)
    return str(out["stateMachineArn"])


# --- state machines ----------------------------------------------------------------------


def test_create_describe_update_delete(sfn: Any, unique: Unique) -> None:
    name = unique("crud")
    arn = create(sfn, name)
    assert arn == f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["name"] == name
    assert described["status"] == "ACTIVE"
    assert described["type"] == "EXPRESS"
    assert described["definition"] == PASS
    assert described["roleArn"] == ROLE
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    assert described["tracingConfiguration"] == {"enabled": False}
    assert "revisionId" not in described
    # Creating the same machine again is idempotent; a different one under the name is not.
    assert create(sfn, name) == arn
    code, message, status = error_of(lambda: create(sfn, name, FAIL))
    assert (code, status) == ("StateMachineAlreadyExists", 400)
    assert message == f"State Machine Already Exists: '{arn}'"

    updated = sfn.update_state_machine(stateMachineArn=arn, definition=FAIL)
    assert updated["revisionId"]
    again = sfn.describe_state_machine(stateMachineArn=arn)
    assert again["definition"] == FAIL
    assert again["revisionId"] == updated["revisionId"]
    code, message, _ = error_of(lambda: sfn.update_state_machine(stateMachineArn=arn))
    assert code == "MissingRequiredParameter"
    assert message.startswith("Either the definition, the role ARN")

    assert (
        sfn.delete_state_machine(stateMachineArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    )
    code, message, _ = error_of(lambda: sfn.describe_state_machine(stateMachineArn=arn))
    assert (code, message) == ("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    sfn.delete_state_machine(stateMachineArn=arn)  # deleting what is gone is not an error


def test_create_errors(sfn: Any, unique: Unique) -> None:
    code, message, _ = error_of(lambda: create(sfn, "bad name"))
    assert (code, message) == ("InvalidName", "Invalid Name: 'bad name'")
    code, message, _ = error_of(lambda: create(sfn, unique("def"), json.dumps({"StartAt": "A"})))
    assert code == "InvalidDefinition"
    assert message.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ")
    assert message.endswith(" at /'")
    code, message, _ = error_of(
        lambda: create(sfn, unique("log"), loggingConfiguration={"level": "ALL"})
    )
    assert code == "InvalidLoggingConfiguration"
    assert message == "Invalid Logging Configuration: Must specify exactly one Log Destination."
    code, _, _ = error_of(
        lambda: sfn.create_state_machine(name=unique("role"), definition=PASS, roleArn="role")
    )
    assert code == "InvalidArn"


def test_describe_errors(sfn: Any) -> None:
    code, message, _ = error_of(lambda: sfn.describe_state_machine(stateMachineArn="not_an_arn"))
    assert (code, message) == ("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not_an_arn'")
    execution = "arn:aws:states:us-east-1:123456789012:execution:sm:run"
    code, message, _ = error_of(lambda: sfn.describe_state_machine(stateMachineArn=execution))
    assert message == "Invalid Arn: 'Resource type not valid in this context: execution'"


def test_list_state_machines_pages(sfn: Any, unique: Unique) -> None:
    prefix = unique("list")
    arns = [create(sfn, f"{prefix}-{i}") for i in range(3)]
    seen: list[str] = []
    for page in sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["stateMachines"]) <= 2
        seen += [m["stateMachineArn"] for m in page["stateMachines"]]
    assert len(seen) == len(set(seen))
    assert [a for a in seen if a in arns] == arns  # sorted by name
    item = next(
        m for m in sfn.list_state_machines()["stateMachines"] if m["stateMachineArn"] == arns[0]
    )
    assert set(item) == {"stateMachineArn", "name", "type", "creationDate"}
    code, message, _ = error_of(lambda: sfn.list_state_machines(maxResults=1001))
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000"
    )
    code, _, _ = error_of(lambda: sfn.list_state_machines(nextToken="garbage"))
    assert code == "InvalidToken"


def test_validate_state_machine_definition(sfn: Any) -> None:
    ok = sfn.validate_state_machine_definition(definition=PASS)
    assert (ok["result"], ok["diagnostics"], ok["truncated"]) == ("OK", [], False)
    bad = sfn.validate_state_machine_definition(definition=json.dumps({"States": {}}))
    assert bad["result"] == "FAIL"
    assert {d["severity"] for d in bad["diagnostics"]} == {"ERROR"}
    assert all({"code", "message", "location"} <= set(d) for d in bad["diagnostics"])
    garbage = sfn.validate_state_machine_definition(definition="not a definition")
    assert garbage["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION"


def test_tags(sfn: Any, unique: Unique) -> None:
    arn = create(sfn, unique("tags"), tags=[{"key": "team", "value": "a"}])
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "test"}])
    tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"key": "team", "value": "a"}, {"key": "env", "value": "test"}]
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "test"}]
    missing = arn + "-missing"
    code, message, _ = error_of(lambda: sfn.list_tags_for_resource(resourceArn=missing))
    assert (code, message) == ("ResourceNotFound", f"Resource not found: '{missing}'")
    code, _, _ = error_of(lambda: sfn.tag_resource(resourceArn="nope", tags=[]))
    assert code == "InvalidArn"
    code, _, _ = error_of(
        lambda: sfn.tag_resource(
            resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(60)]
        )
    )
    assert code == "TooManyTags"


# --- executions --------------------------------------------------------------------------


def test_start_sync_execution(sfn: Any, unique: Unique) -> None:
    name = unique("sync")
    arn = create(sfn, name)
    out = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 1}', name="run-1")
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"ok": True}
    assert out["input"] == '{"a": 1}'
    assert out["inputDetails"] == out["outputDetails"] == {"included": True}
    assert out["name"] == "run-1"
    assert out["stateMachineArn"] == arn
    prefix = f"arn:aws:states:us-east-1:123456789012:express:{name}:run-1:"
    assert out["executionArn"].startswith(prefix)
    assert out["billingDetails"] == {
        "billedMemoryUsedInMB": 64,
        "billedDurationInMilliseconds": 100,
    }
    assert out["startDate"] <= out["stopDate"]


def test_start_sync_execution_failure_is_http_200(sfn: Any, unique: Unique) -> None:
    arn = create(sfn, unique("fails"), FAIL)
    out = sfn.start_sync_execution(stateMachineArn=arn)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (out["status"], out["error"], out["cause"]) == (
        "FAILED",
        "SomeFailure",
        "This state machine fails.",
    )
    assert "output" not in out
    assert out["input"] == "{}"


def test_start_errors(sfn: Any, unique: Unique) -> None:
    arn = create(sfn, unique("errs"))
    standard = create(sfn, unique("std"), kind="STANDARD")
    code, message, _ = error_of(lambda: sfn.start_sync_execution(stateMachineArn=standard))
    assert (code, message) == (
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    )
    missing = arn + "-gone"
    code, message, _ = error_of(lambda: sfn.start_sync_execution(stateMachineArn=missing))
    assert (code, message) == (
        "StateMachineDoesNotExist",
        f"State Machine Does Not Exist: '{missing}'",
    )
    code, message, _ = error_of(lambda: sfn.start_execution(stateMachineArn="bad"))
    assert (code, message) == ("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: bad'")
    code, message, _ = error_of(lambda: sfn.start_sync_execution(stateMachineArn=arn, input="not"))
    assert code == "InvalidExecutionInput"
    assert message == (
        "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting "
        "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"
    )
    code, message, _ = error_of(lambda: sfn.start_execution(stateMachineArn=arn, input=""))
    assert message == "Invalid State Machine Execution Input: 'Invalid execution input.'"
    code, _, _ = error_of(lambda: sfn.start_execution(stateMachineArn=arn, name="a/b"))
    assert code == "InvalidName"


def test_start_execution_describe_list_history(sfn: Any, unique: Unique) -> None:
    arn = create(
        sfn,
        unique("async"),
        machine(
            ("A", {"Type": "Pass", "Result": 1, "ResultPath": "$.one", "Next": "B"}),
            ("B", {"Type": "Pass", "End": True}),
        ),
    )
    started = sfn.start_execution(stateMachineArn=arn, input='{"x": 0}')
    execution = started["executionArn"]
    assert ":express:" in execution
    described = poll(lambda: done(sfn, execution), what="the execution to finish")
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"x": 0, "one": 1}
    assert described["input"] == '{"x": 0}'
    assert described["redriveCount"] == 0

    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["executionArn"] for e in listed] == [execution]
    assert listed[0]["status"] == "SUCCEEDED"
    assert sfn.list_executions(stateMachineArn=arn, statusFilter="FAILED")["executions"] == []
    code, message, _ = error_of(
        lambda: sfn.list_executions(stateMachineArn=arn, statusFilter="succeeded")
    )
    assert code == "ValidationException"
    assert "Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT," in message

    events = sfn.get_execution_history(executionArn=execution)["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert json.loads(events[0]["executionStartedEventDetails"]["input"]) == {"x": 0}
    assert [e["previousEventId"] for e in events] == [0, 0, 2, 3, 4, 5]
    reverse = sfn.get_execution_history(executionArn=execution, reverseOrder=True)["events"]
    assert [e["id"] for e in reverse] == [6, 5, 4, 3, 2, 1]
    pages = list(
        sfn.get_paginator("get_execution_history").paginate(
            executionArn=execution, PaginationConfig={"PageSize": 4}
        )
    )
    assert [len(p["events"]) for p in pages] == [4, 2]
    bare = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)
    assert "input" not in bare["events"][0]["executionStartedEventDetails"]


def test_list_executions_pages_newest_first(sfn: Any, unique: Unique) -> None:
    arn = create(sfn, unique("pages"))
    runs = [sfn.start_sync_execution(stateMachineArn=arn)["executionArn"] for _ in range(5)]
    seen = [
        e["executionArn"]
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=arn, PaginationConfig={"PageSize": 2}
        )
        for e in page["executions"]
    ]
    assert seen == runs[::-1]


def test_stop_execution(sfn: Any, unique: Unique) -> None:
    arn = create(sfn, unique("stop"), WAIT)
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    stopped = sfn.stop_execution(executionArn=execution, error="Halt", cause="enough")
    assert stopped["stopDate"]
    described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], described["error"], described["cause"]) == (
        "ABORTED",
        "Halt",
        "enough",
    )
    events = sfn.get_execution_history(executionArn=execution)["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "ExecutionAborted",
    ]
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Halt", "cause": "enough"}


def test_standard_executions(sfn: Any, unique: Unique) -> None:
    name = unique("standard")
    arn = create(sfn, name, kind="STANDARD")
    execution = sfn.start_execution(stateMachineArn=arn, name="once")["executionArn"]
    assert execution == f"arn:aws:states:us-east-1:123456789012:execution:{name}:once"
    poll(lambda: done(sfn, execution), what="the execution to finish")
    code, message, _ = error_of(lambda: sfn.start_execution(stateMachineArn=arn, name="once"))
    assert (code, message) == ("ExecutionAlreadyExists", f"Execution Already Exists: '{execution}'")


def test_execution_errors(sfn: Any) -> None:
    code, message, _ = error_of(lambda: sfn.describe_execution(executionArn="nope"))
    assert (code, message) == ("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
    missing = "arn:aws:states:us-east-1:123456789012:execution:sm:missing"
    for call in (
        lambda: sfn.describe_execution(executionArn=missing),
        lambda: sfn.get_execution_history(executionArn=missing),
        lambda: sfn.stop_execution(executionArn=missing),
        lambda: sfn.describe_state_machine_for_execution(executionArn=missing),
    ):
        code, message, _ = error_of(call)
        assert (code, message) == (
            "ExecutionDoesNotExist",
            f"Execution Does Not Exist: '{missing}'",
        )
    machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm"
    code, message, _ = error_of(lambda: sfn.describe_execution(executionArn=machine_arn))
    assert message == "Invalid Arn: 'Resource type not valid in this context: stateMachine'"
    code, _, _ = error_of(lambda: sfn.list_executions(stateMachineArn=machine_arn + "-none"))
    assert code == "StateMachineDoesNotExist"


def test_describe_state_machine_for_execution(sfn: Any, unique: Unique) -> None:
    arn = create(sfn, unique("for-exec"))
    before = sfn.start_sync_execution(stateMachineArn=arn)["executionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=FAIL)
    after = sfn.start_sync_execution(stateMachineArn=arn)["executionArn"]
    old = sfn.describe_state_machine_for_execution(executionArn=before)
    new = sfn.describe_state_machine_for_execution(executionArn=after)
    assert (old["definition"], new["definition"]) == (PASS, FAIL)
    assert old["stateMachineArn"] == arn
    assert "revisionId" in new and "revisionId" not in old
    assert set(old) >= {"name", "roleArn", "updateDate", "loggingConfiguration"}


# --- TestState ---------------------------------------------------------------------------


def test_test_state(sfn: Any) -> None:
    passed = sfn.test_state(
        definition=json.dumps(
            {"Type": "Pass", "Result": {"v": 1}, "ResultPath": "$.r", "Next": "N"}
        ),
        roleArn=ROLE,
        input='{"a": 0}',
    )
    assert passed["status"] == "SUCCEEDED"
    assert json.loads(passed["output"]) == {"a": 0, "r": {"v": 1}}
    assert passed["nextState"] == "N"

    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
        "Default": "Small",
    }
    assert sfn.test_state(definition=json.dumps(choice), input='{"n": 5}')["nextState"] == "Big"

    failed = sfn.test_state(definition=json.dumps({"Type": "Fail", "Error": "E", "Cause": "C"}))
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "E", "C")

    task = {
        "Type": "Task",
        "Resource": BOOM,
        "Catch": [{"ErrorEquals": ["Boom"], "Next": "Handler", "ResultPath": "$.err"}],
        "End": True,
    }
    caught = sfn.test_state(definition=json.dumps(task), input="{}", inspectionLevel="DEBUG")
    assert (caught["status"], caught["error"], caught["nextState"]) == (
        "CAUGHT_ERROR",
        "Boom",
        "Handler",
    )
    assert json.loads(caught["output"]) == {"err": {"Error": "Boom", "Cause": "it broke"}}
    assert caught["inspectionData"]["input"] == "{}"

    retried = sfn.test_state(
        definition=json.dumps(
            {**task, "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2}]}
        )
    )
    assert (retried["status"], retried["error"]) == ("RETRIABLE", "Boom")

    mocked = sfn.test_state(
        definition=json.dumps({"Type": "Task", "Resource": ECHO, "End": True}),
        mock={"result": '{"mocked": true}'},
    )
    assert json.loads(mocked["output"]) == {"mocked": True}

    code, _, _ = error_of(lambda: sfn.test_state(definition=json.dumps({"Type": "Nope"})))
    assert code == "InvalidDefinition"


# --- logs and metrics --------------------------------------------------------------------


def _logged(server: Running, execution: str) -> list[dict[str, Any]]:
    lines = server.log_path.read_text().splitlines() if server.log_path.exists() else []
    return [e for e in map(json.loads, lines) if e["execution_arn"] == execution]


@pytest.mark.parametrize(
    ("level", "data", "expected"),
    [
        (
            "ALL",
            True,
            [
                "ExecutionStarted",
                "PassStateEntered",
                "PassStateExited",
                "FailStateEntered",
                "ExecutionFailed",
            ],
        ),
        ("ERROR", False, ["FailStateEntered", "ExecutionFailed"]),
        ("FATAL", False, ["ExecutionFailed"]),
        ("OFF", False, []),
    ],
)
def test_logging(
    sfn: Any, server: Running, unique: Unique, level: str, data: bool, expected: list[str]
) -> None:
    group = "arn:aws:logs:us-east-1:123456789012:log-group:express:*"
    logging = {
        "level": level,
        "includeExecutionData": data,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group}}],
    }
    arn = create(sfn, unique("logs"), FAIL, loggingConfiguration=logging)
    assert sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"] == logging
    execution = sfn.start_sync_execution(stateMachineArn=arn, input='{"k": "v"}')["executionArn"]
    events = _logged(server, execution)
    assert [e["type"] for e in events] == expected
    for e in events:
        assert set(e) == {
            "id",
            "type",
            "details",
            "previous_event_id",
            "event_timestamp",
            "execution_arn",
            "redrive_count",
        }
        assert isinstance(e["id"], str) and isinstance(e["event_timestamp"], str)
        assert e["redrive_count"] == "0"
    if level == "ALL":
        assert events[0]["details"]["input"] == {"k": "v"}  # embedded JSON, not text
        assert events[0]["details"]["roleArn"] == ROLE
    if expected:
        assert events[-1]["details"] == {
            "error": "SomeFailure",
            "cause": "This state machine fails.",
        }


def test_task_metrics(sfn: Any, server: Running, unique: Unique) -> None:
    import urllib.request

    name = unique("tasks")
    arn = create(
        sfn,
        name,
        machine(
            ("Echo", {"Type": "Task", "Resource": ECHO, "Next": "Boom"}),
            ("Boom", {"Type": "Task", "Resource": BOOM, "End": True}),
        ),
    )
    out = sfn.start_sync_execution(stateMachineArn=arn)
    assert (out["status"], out["error"]) == ("FAILED", "Boom")
    text = urllib.request.urlopen(server.url + "/metrics").read().decode()
    assert f'express_executions_total{{state_machine="{name}",status="FAILED"}} 1.0' in text
    assert f'express_state_transitions_total{{state_machine="{name}"}} 2.0' in text
    assert 'express_task_duration_seconds_count{outcome="succeeded",resource_kind="python"}' in text
    assert 'express_task_duration_seconds_count{outcome="failed",resource_kind="python"}' in text
