"""Conformance driver: the JSON-lines protocol of ../shared/conformance/README.md.

Reads one case per line on stdin, runs it as an Express execution and prints one result
line. Lambda behaviours become resources; time is virtual, so Wait states, back-off and
sleeping functions take no wall time.
"""

from __future__ import annotations

import asyncio
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import orjson

from express import (
    DefinitionError,
    LambdaFunctionError,
    StateMachine,
    VirtualClock,
)


def behaviour(spec: dict[str, Any], clock: VirtualClock) -> Callable[[Any], Any]:
    kind = spec.get("behavior")
    if kind == "identity":
        return lambda event: event
    if kind == "constant":
        value = spec.get("value")
        return lambda event: value
    if kind == "raise":
        error = LambdaFunctionError(
            spec.get("errorType", "Exception"),
            spec.get("errorMessage", ""),
            spec.get("stackTrace"),
            spec.get("requestId"),
        )

        def fail(event: Any) -> Any:
            raise error

        return fail
    if kind == "sleep":
        then = behaviour({"behavior": spec.get("then", "identity")}, clock)
        seconds = float(spec.get("seconds", 0))

        async def sleep(event: Any) -> Any:
            await clock.sleep(seconds)
            return then(event)

        return sleep
    if kind == "oversized":
        size = int(spec.get("bytes", 0))
        return lambda event: "a" * size
    if kind == "python_format":
        fmt = spec.get("format", "{event}")
        return lambda event: fmt.replace("{event}", str(event))
    raise ValueError(f"unknown behaviour {kind!r}")


async def run_case(case: dict[str, Any]) -> dict[str, Any]:
    # Virtual time starts at the real time: recorded cases wait for absolute timestamps
    # that were in the past when AWS ran them.
    clock = VirtualClock(start=time.time())
    resources = {k: behaviour(v, clock) for k, v in case.get("resources", {}).items()}
    try:
        machine = StateMachine(case["definition"], resources, clock=clock)
    except DefinitionError as exc:
        return {"status": "ERROR", "error": "DefinitionError", "cause": str(exc)}
    try:
        result = await machine.execute(case.get("input"))
    finally:
        await clock.aclose()
    if result.status == "SUCCEEDED":
        return {"status": "SUCCEEDED", "output": result.output}
    return {"status": result.status, "error": result.error, "cause": result.cause}


def main() -> None:
    loop = asyncio.new_event_loop()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            case = orjson.loads(line)
            result = loop.run_until_complete(run_case(case))
        except Exception as exc:  # report, never die: the runner counts it as a failure
            traceback.print_exc(file=sys.stderr)
            result = {"status": "ERROR", "error": type(exc).__name__, "cause": str(exc)}
        out.write(orjson.dumps(result) + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
