"""``express serve --workers 2``: one port, shared machines, executions found on any
worker, metrics summed over workers, and SIGTERM draining."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from ._helpers import machine, poll
from .conftest import PASS, ROLE
from .test_server_prometheus import promtool_check

GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:workers:*"
LOGGING = {
    "level": "ALL",
    "includeExecutionData": False,
    "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": GROUP}}],
}


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    stderr: IO[bytes]


def start(tmp_path: Path, *args: str, workers: int = 2) -> Served:
    log = tmp_path / "events.log"
    err_path = tmp_path / "stderr.txt"
    stderr = err_path.open("wb")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "express", "serve", "--port", "0", "--workers", str(workers)),
            *("--log-sink", str(log), "--state-dir", str(tmp_path / "state"), *args),
        ],
        stderr=stderr,
    )

    def listening() -> str | None:
        m = re.search(r"listening on (http://\S+) \(\d+ worker", err_path.read_text())
        if m is None and proc.poll() is not None:
            pytest.fail(f"express serve exited with {proc.returncode}: {err_path.read_text()}")
        return m.group(1) if m else None

    try:
        url = poll(listening, timeout=60, what="express serve to listen")
    except BaseException:
        proc.kill()
        proc.wait()
        stderr.close()
        raise
    return Served(proc, url, log, stderr)


def stop(served: Served) -> int:
    served.proc.send_signal(signal.SIGTERM)
    try:
        return served.proc.wait(60)
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()
        served.stderr.close()


def call(url: str, op: str, body: dict[str, Any]) -> tuple[int, Any]:
    """One request on a new connection: the kernel picks the worker."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"X-Amz-Target": f"AWSStepFunctions.{op}", "Connection": "close"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def ok(url: str, op: str, body: dict[str, Any]) -> Any:
    status, out = call(url, op, body)
    assert status == 200, out
    return out


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start(tmp_path_factory.mktemp("workers"))
    yield served
    assert stop(served) == 0


def test_two_workers_serve_one_api(workers: Served) -> None:
    url = workers.url
    arn = ok(
        url,
        "CreateStateMachine",
        {"name": "shared", "definition": PASS, "roleArn": ROLE, "type": "EXPRESS"},
    )["stateMachineArn"]
    runs = [ok(url, "StartSyncExecution", {"stateMachineArn": arn}) for _ in range(20)]
    assert {r["status"] for r in runs} == {"SUCCEEDED"}
    for run in runs:  # each on a new connection: whichever worker ran it answers
        assert ok(url, "DescribeExecution", {"executionArn": run["executionArn"]})["status"] == (
            "SUCCEEDED"
        )
    listed: list[str] = []
    token = None
    while True:
        body: dict[str, Any] = {"stateMachineArn": arn, "maxResults": 7}
        if token:
            body["nextToken"] = token
        page = ok(url, "ListExecutions", body)
        listed += [e["executionArn"] for e in page["executions"]]
        token = page.get("nextToken")
        if not token:
            break
    assert listed == [r["executionArn"] for r in reversed(runs)]

    # An update made through one worker is what every worker runs next.
    failing = machine(("F", {"Type": "Fail", "Error": "Updated"}))
    ok(url, "UpdateStateMachine", {"stateMachineArn": arn, "definition": failing})
    after = [ok(url, "StartSyncExecution", {"stateMachineArn": arn}) for _ in range(10)]
    assert {r.get("error") for r in after} == {"Updated"}

    text = urllib.request.urlopen(url + "/metrics").read()
    assert b'express_executions_total{state_machine="shared",status="SUCCEEDED"} 20.0' in text
    assert b'express_executions_total{state_machine="shared",status="FAILED"} 10.0' in text
    promtool_check(text)


def test_stop_reaches_the_worker_running_the_execution(workers: Served) -> None:
    url = workers.url
    waits = machine(("W", {"Type": "Wait", "Seconds": 60, "End": True}))
    arn = ok(
        url,
        "CreateStateMachine",
        {"name": "waits", "definition": waits, "roleArn": ROLE, "type": "EXPRESS"},
    )["stateMachineArn"]
    executions = [
        ok(url, "StartExecution", {"stateMachineArn": arn})["executionArn"] for _ in range(4)
    ]
    for execution in executions:
        ok(url, "StopExecution", {"executionArn": execution, "error": "Stop"})
        described = ok(url, "DescribeExecution", {"executionArn": execution})
        assert (described["status"], described["error"]) == ("ABORTED", "Stop")


def test_sigterm_drains_then_aborts(tmp_path: Path) -> None:
    served = start(tmp_path, "--drain-timeout", "3")
    url = served.url
    short = machine(("W", {"Type": "Wait", "Seconds": 1, "End": True}))
    long = machine(("W", {"Type": "Wait", "Seconds": 120, "End": True}))
    arns = [
        ok(
            url,
            "CreateStateMachine",
            {
                "name": name,
                "definition": definition,
                "roleArn": ROLE,
                "type": "EXPRESS",
                "loggingConfiguration": LOGGING,
            },
        )["stateMachineArn"]
        for name, definition in (("short", short), ("long", long))
    ]
    finishes, outlives = (
        ok(url, "StartExecution", {"stateMachineArn": a})["executionArn"] for a in arns
    )
    began = time.monotonic()
    assert stop(served) == 0
    assert time.monotonic() - began < 30

    def final(execution: str) -> str | None:
        lines = served.log.read_text().splitlines() if served.log.exists() else []
        kinds = [e["type"] for e in map(json.loads, lines) if e["execution_arn"] == execution]
        return kinds[-1] if kinds and kinds[-1] != "WaitStateEntered" else None

    assert poll(lambda: final(finishes), what="the short execution's last event") == (
        "ExecutionSucceeded"
    )
    assert poll(lambda: final(outlives), what="the long execution's last event") == (
        "ExecutionAborted"
    )


def test_single_process_drains_on_sigterm(tmp_path: Path) -> None:
    served = start(tmp_path, "--drain-timeout", "0.1", workers=1)
    waits = machine(("W", {"Type": "Wait", "Seconds": 120, "End": True}))
    arn = ok(
        served.url,
        "CreateStateMachine",
        {
            "name": "single",
            "definition": waits,
            "roleArn": ROLE,
            "type": "EXPRESS",
            "loggingConfiguration": {**LOGGING, "level": "FATAL"},
        },
    )["stateMachineArn"]
    execution = ok(served.url, "StartExecution", {"stateMachineArn": arn})["executionArn"]
    assert stop(served) == 0
    logged = [json.loads(line) for line in served.log.read_text().splitlines()]
    assert [(e["execution_arn"], e["type"]) for e in logged] == [(execution, "ExecutionAborted")]
