"""The moto peer (``moto[stepfunctions]==5.2.5``, LocalStack's interpreter), in process.

moto runs a state machine only when asked (``execute_state_machine``), on a thread of
its own, and has no StartSyncExecution: each execution is started, then polled until it
ends. Its Task states would invoke Lambda functions in Docker, so only workloads without
resources are run here.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from benchmarks._common import strip

ROLE = "arn:aws:iam::123456789012:role/benchmarks"


def moto_row(w: dict[str, Any], target_s: float) -> dict[str, Any]:
    """``{"moto_exec_per_s", "moto_output_ok"}``, or why moto was not run."""
    if w.get("resources"):
        return {"moto_skipped": "its Tasks would invoke Lambda functions in Docker"}
    try:
        import boto3
        from moto import mock_aws
    except ImportError:
        return {"moto_skipped": "pip install 'moto[stepfunctions]==5.2.5'"}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(
            name=w["name"], definition=orjson.dumps(w["definition"]).decode(), roleArn=ROLE
        )["stateMachineArn"]
        text = orjson.dumps(w["input"]).decode()
        names = iter(range(1 << 30))

        def one() -> Any:
            # moto needs a name: without one, every execution gets the same
            name = f"e{next(names)}"
            run = client.start_execution(stateMachineArn=arn, input=text, name=name)["executionArn"]
            while True:
                done = client.describe_execution(executionArn=run)
                if done["status"] != "RUNNING":
                    return done
                time.sleep(0.001)

        first = one()
        n, t0 = 0, time.perf_counter()
        while n < 3 or time.perf_counter() - t0 < target_s:
            one()
            n += 1
        rate = n / (time.perf_counter() - t0)
    ignore = w.get("nondeterministic_output_paths", [])
    output = orjson.loads(first["output"]) if "output" in first else None
    ok = first["status"] == "SUCCEEDED" and strip(output, ignore) == strip(
        w["expected_output"], ignore
    )
    return {"moto_exec_per_s": rate, "moto_output_ok": ok}
