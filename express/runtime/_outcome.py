"""How an execution ends: its result for each way out.

Shared by ``StateMachine.execute`` and by the generated code that runs a waiting
machine's whole execution as one coroutine (``_specialise``, top-level mode). Each
function completes the run (its events, stop time, status) and returns it as the
result; ``run.run`` is cleared, so a finished run holds no reference to itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from express.compiler._io import MAX_PAYLOAD_BYTES, payload_size
from express.errors import ErrorName, StatesError, data_limit_exceeded

from ._events import payload_details
from ._expiry import Expiry
from ._result import ExecutionResult

__all__ = ["aborted", "crashed", "failed", "filed", "succeeded", "timed_out"]

_log = logging.getLogger("express")
_running_loop = asyncio.get_running_loop


def filed(run: ExecutionResult) -> tuple[Expiry, int]:
    """File ``run`` for its deadline on the running loop: the expiry and its slot."""
    loop = _running_loop()
    machine = run.machine
    expiry = machine._expiries.get(loop) if run.clock is machine.clock else None
    if expiry is None:
        expiry = machine._expiry(run.clock, loop)
    return expiry, expiry.add(run)


def succeeded(run: ExecutionResult, output: Any, size: int) -> ExecutionResult:
    """The execution returned ``output`` (``size``: its size bound)."""
    if size > MAX_PAYLOAD_BYTES and payload_size(output) > MAX_PAYLOAD_BYTES:
        raise data_limit_exceeded("Execution", terminal=True)
    if run.events is not None:
        run.event("ExecutionSucceeded", payload_details("output", output))
    else:
        run.eid += 1
    run.stop_time = run.clock.time()
    run.status = "SUCCEEDED"
    run.output = output
    run.error = run.cause = None
    run.run = None  # type: ignore[assignment]
    return run


def failed(run: ExecutionResult, err: StatesError) -> ExecutionResult:
    details = _error_details(err.error, err.cause) if run.events is not None else None
    run.event("ExecutionFailed", details)
    return _ended(run, "FAILED", err.error, err.cause)


def timed_out(run: ExecutionResult) -> ExecutionResult:
    run.event("ExecutionTimedOut", {"error": ErrorName.TIMEOUT} if run.events is not None else None)
    return _ended(run, "TIMED_OUT", ErrorName.TIMEOUT, None)


def aborted(run: ExecutionResult, expiry: Expiry | None) -> ExecutionResult:
    """The execution's task was cancelled: by its deadline (a result), or by its caller
    (raises ``CancelledError``, to be called in the ``except`` that caught it)."""
    if expiry is not None and expiry.expired(run) and _uncancel() == 0:
        return timed_out(run)
    run.event("ExecutionAborted", None)
    run.stop_time = run.clock.time()
    run.run = None  # type: ignore[assignment]
    raise  # noqa: PLE0704 - re-raises the CancelledError being handled


def crashed(run: ExecutionResult, exc: Exception) -> ExecutionResult:
    """A bug, or data no JSON engine can hold: a failed execution, never a crash."""
    _log.exception("execution %s failed unexpectedly", run.name)
    cause = f"Internal error: {type(exc).__name__}: {exc}"
    details = _error_details(ErrorName.RUNTIME, cause) if run.events is not None else None
    run.event("ExecutionFailed", details)
    return _ended(run, "FAILED", ErrorName.RUNTIME, cause)


def _ended(
    run: ExecutionResult, status: str, error: str | None, cause: str | None
) -> ExecutionResult:
    run.stop_time = run.clock.time()
    run.end(status, None, error, cause)
    run.run = None  # type: ignore[assignment]
    return run


def _uncancel() -> int:
    """Withdraw the deadline's cancellation of the current task: what is left."""
    task = asyncio.current_task()
    return task.uncancel() if task is not None else 0


def _error_details(error: str | None, cause: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if error is not None:
        details["error"] = error
    if cause is not None:
        details["cause"] = cause
    return details
