"""Task, Parallel and Map: the states with Retry and Catch.

Retriers keep their attempt counters while the state is being retried; the first
retrier whose ErrorEquals matches decides (when its attempts are spent, the error goes
to the catchers). A retry does not re-enter the state: AWS emits no new StateEntered.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from express.compiler._io import MAX_PAYLOAD_BYTES, payload_size
from express.compiler._paths import PathError
from express.compiler._payload import dumps_compact
from express.compiler._retry import matches
from express.compiler._states import MAP, PARALLEL, MapState, ParallelState, TaskState
from express.errors import ErrorName, StatesError, data_limit_exceeded
from express.tasks._base import TaskCall

from ._clock import Clock, Deadline
from ._events import payload_details
from ._execution import _fallible as _execution_registry
from ._execution import locate
from ._fanout import run_map, run_parallel
from ._frame import Frame

__all__ = [
    "as_failure",
    "awaited_result",
    "catch",
    "recover",
    "recover_located",
    "run_fallible",
    "run_task",
]


async def run_fallible(st: Any, data: Any, frame: Frame) -> tuple[int, Any]:
    """Run a Task, Parallel or Map state (``st``) with its retriers and catchers.

    The caller resets ``frame.retry_count`` after the state (``$$.State.RetryCount``).
    """
    try:
        return await _attempt(st, data, frame)
    except StatesError as raw:
        return await recover(st, data, frame, raw)


async def _attempt(st: Any, data: Any, frame: Frame) -> tuple[int, Any]:
    eff = data if st.prepare is None else st.prepare(data, frame)
    kind = st.kind
    if kind == MAP:
        result = await run_map(st, eff, frame)
    elif kind == PARALLEL:
        result = await run_parallel(st, eff, frame)
    else:
        result = (await run_task(st, eff, frame, data))[0]
    out = st.finish(data, result, frame)
    if payload_size(out) > MAX_PAYLOAD_BYTES:
        raise _too_large(st.name)
    if st.assign is not None:
        frame.variables.update(st.assign(data, result, frame))
    return st.next, out


async def recover(st: Any, data: Any, frame: Frame, raw: StatesError) -> tuple[int, Any]:
    """After an attempt of ``st`` failed with ``raw``: retry it as its retriers say, or
    hand the error to the first matching catcher; re-raise it when neither applies."""
    attempts = [0] * len(st.retriers)
    while True:
        err = locate(raw, st, frame.entered_id, frame)
        if err.terminal:
            raise err from None
        delay = _retry_delay(st, err, attempts)
        if delay is not None:
            frame.retry_count += 1
            if delay > 0:
                await frame.run.clock.sleep(delay)
            try:
                return await _attempt(st, data, frame)
            except StatesError as again:
                raw = again
                continue
        return catch(st, data, frame, err)


def catch(st: Any, data: Any, frame: Frame, err: StatesError) -> tuple[int, Any]:
    """Hand ``err`` to the first matching catcher of ``st``; re-raise it when none does."""
    for catcher in st.catchers:
        if matches(catcher.error_equals, err.error):
            # AWS's error output always has a Cause, empty when the error has none.
            error_output: dict[str, Any] = {}
            if err.error is not None:
                error_output["Error"] = err.error
            error_output["Cause"] = err.cause if err.cause is not None else ""
            assert catcher.result_path is not None
            out = catcher.result_path(data, error_output, frame)
            if catcher.assign is not None:  # into this state's scope, not the inner one
                frame.variables.update(catcher.assign(data, error_output, frame))
            return catcher.next, out
    raise err


async def recover_located(st: Any, data: Any, frame: Frame, raw: StatesError) -> tuple[int, Any]:
    """``recover`` for generated code, which has no interpreter loop around it to word a
    path error of a retried attempt."""
    try:
        return await recover(st, data, frame, raw)
    except PathError as exc:
        raise locate(StatesError(ErrorName.RUNTIME, exc.detail), st, frame.entered_id) from None


async def awaited_result(binding: Any, result: Any) -> Any:
    """The value of the awaitable a plain resource function returned."""
    try:
        return await result
    except (StatesError, asyncio.CancelledError):
        raise
    except Exception as exc:
        raise as_failure(binding, exc) from None


def as_failure(binding: Any, exc: Exception) -> StatesError:
    """How an exception from a resource fails its task (as Lambda reports it, by default)."""
    failure = getattr(binding, "failure", None)
    if failure is not None:
        err: StatesError = failure(exc)
        return err
    from express.tasks.local import lambda_failure

    return lambda_failure(exc)


def _too_large(name: str) -> StatesError:
    """A state's own input or output over the quota: the execution fails, uncaught."""
    return data_limit_exceeded(name, terminal=True)


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


async def run_task(
    st: TaskState, eff: Any, frame: Frame, data: Any = None, eff_size: int = -1
) -> tuple[Any, int]:
    """Call a Task's resource with its effective input: ``(result, its JSON size)``.

    ``eff_size`` is an upper bound on the input's size when the caller knows one."""
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
    # JSONPath reads TimeoutSecondsPath in the effective input, JSONata the state input.
    if not 0 <= eff_size <= MAX_PAYLOAD_BYTES and payload_size(eff) > MAX_PAYLOAD_BYTES:
        raise _too_large(st.name)
    timeout = _seconds(st, frame, data if st.jsonata else eff)
    # HeartbeatSeconds bounds adapters that report progress (``heartbeats = True``); as on
    # AWS, where it applies to activities and callbacks, request-response calls ignore it.
    heartbeat = None
    if st.heartbeat is not None and getattr(binding, "heartbeats", False):
        heartbeat = _field_seconds(
            st.heartbeat, st.heartbeat_path, "HeartbeatSeconds", frame, data if st.jsonata else eff
        )
    try:
        if binding.call_sync is not None:
            # A plain function returns before any timer could fire.
            result = binding.call_sync(eff, TaskCall(st.name, binding.resource, frame.context))
            if hasattr(result, "__await__"):  # a plain function that returned a coroutine
                result = await awaited_result(binding, result)
        elif (direct := getattr(binding, "call_async", None)) is not None and heartbeat is None:
            deadline = None
            try:
                if timeout is None:
                    result = await direct(eff)
                else:
                    with Deadline(frame.run.clock, timeout) as deadline:
                        result = await direct(eff)
            except (StatesError, asyncio.CancelledError):
                raise
            except Exception as exc:
                if deadline is not None and deadline.expired:
                    raise  # TimeoutSeconds: States.Timeout below
                # The function's own exceptions (a TimeoutError too) fail it as Lambda says.
                raise as_failure(binding, exc) from None
        elif timeout is None and heartbeat is None:
            result = await binding.invoke(eff, TaskCall(st.name, binding.resource, frame.context))
        elif heartbeat is None:
            assert timeout is not None
            call = TaskCall(st.name, binding.resource, frame.context)
            with Deadline(frame.run.clock, timeout):
                result = await binding.invoke(eff, call)
        else:
            call = TaskCall(st.name, binding.resource, frame.context)
            result = await _with_heartbeat(binding, eff, call, frame.run.clock, timeout, heartbeat)
    except TimeoutError:
        frame.event("LambdaFunctionTimedOut" if lam else "TaskTimedOut", None)
        err = StatesError(ErrorName.TIMEOUT, None)
        err.located = True
        raise err from None
    except _HeartbeatMissed:
        frame.event(
            "LambdaFunctionTimedOut" if lam else "TaskTimedOut",
            {"error": ErrorName.HEARTBEAT_TIMEOUT} if recording else None,
        )
        err = StatesError(ErrorName.HEARTBEAT_TIMEOUT, None)
        err.located = True
        raise err from None
    except StatesError as exc:
        frame.event(
            "LambdaFunctionFailed" if lam else "TaskFailed",
            {"error": exc.error, "cause": exc.cause} if recording else None,
        )
        exc.located = True
        raise
    size = payload_size(result)
    if size > MAX_PAYLOAD_BYTES:
        frame.event("LambdaFunctionFailed" if lam else "TaskFailed", None)
        raise data_limit_exceeded(binding.label, terminal=False)
    frame.event(
        "LambdaFunctionSucceeded" if lam else "TaskSucceeded",
        payload_details("output", result) if recording else None,
    )
    return result, size


def _resource_type(resource: str) -> str:
    parts = resource.split(":")
    return parts[5] if len(parts) > 6 and parts[2] == "states" else "lambda"


def _resource_name(resource: str) -> str:
    parts = resource.split(":")
    return parts[6] if len(parts) > 6 and parts[2] == "states" else resource


def _seconds(st: TaskState, frame: Frame, eff: Any) -> float | None:
    return _field_seconds(st.timeout, st.timeout_path, "TimeoutSeconds", frame, eff)


def _field_seconds(
    value: Any, path: str | None, field: str, frame: Frame, eff: Any
) -> float | None:
    """A ``TimeoutSeconds``/``HeartbeatSeconds`` value, or its ``...Path`` read in ``eff``."""
    if path is not None:
        assert callable(value)
        try:
            value = value(eff, frame)
        except PathError:
            raise StatesError(
                ErrorName.RUNTIME,
                f"The {field}Path parameter does not reference an input value: {path}",
            ) from None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StatesError(
                ErrorName.RUNTIME,
                f"The {field}Path parameter does not reference a positive integer: "
                f"{path} == {dumps_compact(value)}",
            )
        return float(value)
    if value is not None:
        assert isinstance(value, int | float)
        return float(value)
    return None


# --- HeartbeatSeconds (tasks/ adapters report progress through ``TaskCall.heartbeat``) ---


class _HeartbeatMissed(Exception):
    """No heartbeat within HeartbeatSeconds: the task fails with States.HeartbeatTimeout."""


class _Heartbeat:
    """Cancel the current task when ``seconds`` pass without ``beat()``; one timer at a time."""

    __slots__ = ("_clock", "_fired", "_seconds", "_task", "_timer")

    def __init__(self, clock: Clock, seconds: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._clock = clock
        self._seconds = seconds
        self._fired = False
        self._timer = clock.call_later(seconds, self._fire)

    def _fire(self) -> None:
        self._fired = True
        self._task.cancel()

    def beat(self) -> None:
        if not self._fired:
            self._timer.cancel()
            self._timer = self._clock.call_later(self._seconds, self._fire)

    def __enter__(self) -> _Heartbeat:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: object, tb: object) -> None:
        self._timer.cancel()
        if exc_type is asyncio.CancelledError and self._fired and self._task.uncancel() == 0:
            raise _HeartbeatMissed from None


async def _with_heartbeat(
    binding: Any, eff: Any, call: TaskCall, clock: Clock, timeout: float | None, heartbeat: float
) -> Any:
    with _Heartbeat(clock, heartbeat) as beat:
        call.heartbeat = beat.beat
        if timeout is None:
            return await binding.invoke(eff, call)
        with Deadline(clock, timeout):
            return await binding.invoke(eff, call)


_execution_registry.run = run_fallible
