"""What generated code calls: the helpers of its slow, rare paths, and the namespace
every generated function starts from (``_HELPERS``)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from express.compiler._fuse import FAST_FAILURES
from express.compiler._io import MAX_PAYLOAD_BYTES, UNKNOWN_SIZE, payload_size
from express.compiler._paths import PathError
from express.compiler._states import State
from express.errors import ErrorName, StatesError, data_limit_exceeded

from ._execution import (
    CHECK_EVERY,
    Budget,
    ExecutionTimedOut,
    Suspend,
    _no_choice_matched,
    locate,
    step_async,
    step_pure,
)
from ._fallible import as_failure, awaited_result, recover_located, run_task
from ._fanout import run_parallel_fast
from ._frame import Frame, Run, new_frame
from ._outcome import aborted, crashed, failed, filed, succeeded, timed_out
from ._suspend import parallel_from, recover_sync, run_parallel_sync, task_rest

__all__ = ["HELPERS"]


def _failed(run: Run, n: int, err: StatesError, st: State, frame: Frame) -> StatesError:
    """A written-out pure state failed: count it as entered, then locate its error."""
    e = run.eid + n + n + 1
    run.eid = e
    run.transitions += n + 1
    frame.state = st
    frame.entered_id = e
    return locate(err, st, e, frame)


def _failed_path(run: Run, n: int, exc: PathError, st: State, frame: Frame) -> StatesError:
    return _failed(run, n, StatesError(ErrorName.RUNTIME, exc.detail), st, frame)


def _path_error(exc: PathError, st: State, entered: int) -> StatesError:
    return locate(StatesError(ErrorName.RUNTIME, exc.detail), st, entered)


def _generic_pure(st: State, data: Any, frame: Frame, entered: int) -> tuple[int, Any]:
    try:
        return step_pure(st, data, frame)
    except StatesError as err:
        raise locate(err, st, entered, frame) from None
    except PathError as exc:
        raise _path_error(exc, st, entered) from None


async def _generic_async(st: State, data: Any, frame: Frame, entered: int) -> tuple[int, Any]:
    try:
        return await step_async(st, data, frame)
    except StatesError as err:
        raise locate(err, st, entered, frame) from None
    except PathError as exc:
        raise _path_error(exc, st, entered) from None


def _too_large(name: str) -> StatesError:
    return data_limit_exceeded(name, terminal=True)


def _result_too_large(label: str) -> StatesError:
    return data_limit_exceeded(label, terminal=False)


async def _sleep0() -> None:
    await asyncio.sleep(0)


HELPERS: dict[str, Any] = {
    "FAST_FAILURES": FAST_FAILURES,
    "PathError": PathError,
    "StatesError": StatesError,
    "Budget": Budget,
    "TIMED_OUT": ExecutionTimedOut,
    "FAILED": _failed,
    "FAILED_PATH": _failed_path,
    "PATH_ERROR": _path_error,
    "GENERIC": _generic_pure,
    "GENERIC_ASYNC": _generic_async,
    "NO_MATCH": _no_choice_matched,
    "RECOVER": recover_located,
    "RUN_TASK": run_task,
    "AWAITED": awaited_result,
    "AS_FAILURE": as_failure,
    "PARALLEL": run_parallel_fast,
    "PARALLEL_SYNC": run_parallel_sync,
    "PARALLEL_FROM": parallel_from,
    "FRAME": new_frame,
    "RECOVER_SYNC": recover_sync,
    "SUSPEND": Suspend,
    "TASK_REST": task_rest,
    "SIZE": payload_size,
    "DUMPS": orjson.dumps,
    # What a function returns most often: never awaitable, and a set lookup is cheaper
    # than the failed attribute lookup of ``hasattr``.
    "JSON_TYPES": frozenset((dict, list, str, int, float, bool, type(None))),
    "MAX": MAX_PAYLOAD_BYTES,
    "UNKNOWN": UNKNOWN_SIZE,
    "CHECK_EVERY": CHECK_EVERY,
    "TOO_LARGE": _too_large,
    "RESULT_TOO_LARGE": _result_too_large,
    "SLEEP0": _sleep0,
    "FILED": filed,
    "END_OK": succeeded,
    "END_FAILED": failed,
    "END_TIMED_OUT": timed_out,
    "END_ABORTED": aborted,
    "END_CRASHED": crashed,
    "CancelledError": asyncio.CancelledError,
}
