"""Task, Parallel and Map: the states with Retry and Catch.

Retriers keep their attempt counters while the state is being retried; the first
retrier whose ErrorEquals matches decides (when its attempts are spent, the error goes
to the catchers). A retry does not re-enter the state: AWS emits no new StateEntered.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from typing import Any

from express.compiler._io import MAX_PAYLOAD_BYTES, payload_size
from express.compiler._paths import PathError
from express.compiler._payload import dumps_compact
from express.compiler._retry import matches
from express.compiler._states import MAP, PARALLEL, MapState, ParallelState, State, TaskState
from express.errors import ErrorName, StatesError
from express.tasks._base import TaskCall

from ._clock import Clock
from ._events import payload_details
from ._execution import locate
from ._frame import Frame

__all__ = ["run_fallible"]


async def run_fallible(st: State, data: Any, frame: Frame) -> tuple[int, Any]:
    assert isinstance(st, TaskState | MapState | ParallelState)
    attempts: list[int] | None = None
    while True:
        try:
            eff = data if st.prepare is None else st.prepare(data, frame)
            if st.kind == MAP:
                from ._fanout import run_map

                assert isinstance(st, MapState)
                result = await run_map(st, eff, frame)
            elif st.kind == PARALLEL:
                from ._fanout import run_parallel

                assert isinstance(st, ParallelState)
                result = await run_parallel(st, eff, frame)
            else:
                assert isinstance(st, TaskState)
                result = await _run_task(st, eff, frame)
            assert st.finish is not None
            out = st.finish(data, result, frame)
            if st.assign is not None:
                frame.variables.update(st.assign(data, result, frame))
            return st.next, out
        except StatesError as raw:
            err = locate(raw, st, frame.entered_id)
            if err.terminal:
                raise err from None
        if attempts is None:
            attempts = [0] * len(st.retriers)
        delay = _retry_delay(st, err, attempts)
        if delay is not None:
            frame.retry_count += 1
            if delay > 0:
                await frame.run.clock.sleep(delay)
            continue
        for catcher in st.catchers:
            if matches(catcher.error_equals, err.error):
                # AWS's error output always has a Cause, empty when the error has none.
                error_output: dict[str, Any] = {}
                if err.error is not None:
                    error_output["Error"] = err.error
                error_output["Cause"] = err.cause if err.cause is not None else ""
                assert catcher.result_path is not None
                out = catcher.result_path(data, error_output, frame)
                return catcher.next, out
        raise err


def _retry_delay(
    st: TaskState | MapState | ParallelState, err: StatesError, attempts: list[int]
) -> float | None:
    """Seconds to wait before retrying, or None when no retrier applies (or it is spent).

    The first retrier whose ErrorEquals matches decides; each keeps its own count.
    """
    for i, retrier in enumerate(st.retriers):
        if matches(retrier.error_equals, err.error):
            if attempts[i] >= retrier.max_attempts:
                return None
            attempts[i] += 1
            return retrier.delay(attempts[i], random.random())
    return None


async def _run_task(st: TaskState, eff: Any, frame: Frame) -> Any:
    binding = st.binding
    lam = binding.lambda_events
    recording = frame.run.events is not None
    if recording:
        if lam:
            frame.event(
                "LambdaFunctionScheduled",
                {"resource": binding.resource, **payload_details("input", eff)},
            )
        else:
            frame.event(
                "TaskScheduled",
                {
                    "resourceType": _resource_type(binding.resource),
                    "resource": _resource_name(binding.resource),
                    "region": "us-east-1",
                    "parameters": dumps_compact(eff),
                },
            )
        frame.event("LambdaFunctionStarted" if lam else "TaskStarted", None)
    else:
        frame.run.eid += 2
    timeout = _seconds(st, frame, eff)
    call = TaskCall(st.name, binding.resource, frame.context)
    try:
        if binding.call_sync is not None and timeout is None:
            result = binding.call_sync(eff, call)
        elif timeout is None:
            result = await binding.invoke(eff, call)
        else:
            result = await _with_timeout(frame.run.clock, binding.invoke(eff, call), timeout)
    except TimeoutError:
        frame.event("LambdaFunctionTimedOut" if lam else "TaskTimedOut", None)
        err = StatesError(ErrorName.TIMEOUT, None)
        err.located = True
        raise err from None
    except StatesError as exc:
        frame.event(
            "LambdaFunctionFailed" if lam else "TaskFailed",
            {"error": exc.error, "cause": exc.cause} if recording else None,
        )
        exc.located = True
        raise
    if payload_size(result) > MAX_PAYLOAD_BYTES:
        frame.event("LambdaFunctionFailed" if lam else "TaskFailed", None)
        err = StatesError(
            ErrorName.DATA_LIMIT_EXCEEDED,
            f"The state/task '{binding.label}' returned a result with a size exceeding the "
            "maximum number of bytes service limit.",
        )
        err.located = True
        raise err
    frame.event(
        "LambdaFunctionSucceeded" if lam else "TaskSucceeded",
        payload_details("output", result) if recording else None,
    )
    return result


def _resource_type(resource: str) -> str:
    parts = resource.split(":")
    return parts[5] if len(parts) > 6 and parts[2] == "states" else "lambda"


def _resource_name(resource: str) -> str:
    parts = resource.split(":")
    return parts[6] if len(parts) > 6 and parts[2] == "states" else resource


def _seconds(st: TaskState, frame: Frame, eff: Any) -> float | None:
    if st.timeout_path is not None:
        assert callable(st.timeout)
        try:
            value = st.timeout(eff, frame)
        except PathError:
            raise StatesError(
                ErrorName.RUNTIME,
                f"The TimeoutSecondsPath parameter does not reference an input value: "
                f"{st.timeout_path}",
            ) from None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StatesError(
                ErrorName.RUNTIME,
                "The TimeoutSecondsPath parameter does not reference a positive integer: "
                f"{st.timeout_path} == {dumps_compact(value)}",
            )
        return float(value)
    if st.timeout is not None:
        assert isinstance(st.timeout, int | float)
        return float(st.timeout)
    return None


async def _with_timeout(clock: Clock, work: Awaitable[Any], seconds: float) -> Any:
    task = asyncio.ensure_future(work)
    expired: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def expire() -> None:
        if not expired.done():
            expired.set_result(None)

    timer = clock.call_later(seconds, expire)
    try:
        await asyncio.wait((task, expired), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        timer.cancel()
    if task.done():
        return task.result()
    task.cancel()
    raise TimeoutError
