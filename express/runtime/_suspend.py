"""Generated code that runs as a plain call, and what it hands over when it has to wait.

A chain whose states are pure or call plain functions (and Parallels of such chains)
gets a ``def``, not an ``async def``: no coroutine is created or driven per execution.
Where such code would have to await (an awaitable result, a retry's back-off, a branch
that waits), it raises ``Suspend`` with a coroutine finishing the current state; the
caller awaits it and goes on in the interpreter (``resume``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from express.compiler._io import MAX_PAYLOAD_BYTES, UNKNOWN_SIZE, payload_size
from express.compiler._paths import PathError
from express.compiler._retry import matches
from express.compiler._states import ParallelState, TaskState
from express.errors import ErrorName, StatesError, data_limit_exceeded

from ._execution import Budget, Suspend, locate
from ._fallible import awaited_result, catch, recover_located
from ._fanout import abandon_tasks, bounded, join_tasks
from ._frame import Frame

__all__ = ["finished", "parallel_from", "recover_sync", "run_parallel_sync", "task_rest"]


def recover_sync(st: Any, data: Any, frame: Frame, raw: StatesError) -> tuple[int, Any]:
    """``recover_located`` as a plain call: a catch happens here, a retry (it may wait)
    is handed to the caller as ``Suspend``."""
    err = locate(raw, st, frame.entered_id, frame)
    if err.terminal:
        raise err
    for retrier in st.retriers:
        if matches(retrier.error_equals, err.error):
            if retrier.max_attempts > 0:
                raise Suspend(recover_located, st, data, frame, err)
            break
    try:
        return catch(st, data, frame, err)
    except PathError as exc:
        raise locate(StatesError(ErrorName.RUNTIME, exc.detail), st, frame.entered_id) from None


async def task_rest(st: TaskState, data: Any, frame: Frame, pending: Any) -> tuple[int, Any]:
    """The rest of a Task whose plain function returned an awaitable: ``pending``'s value
    becomes the result, as ``run_task`` and ``_attempt`` would make it."""
    run = frame.run
    try:
        try:
            result = await awaited_result(st.binding, pending)
        except StatesError as exc:
            run.eid += 1  # TaskFailed
            exc.located = True
            raise
        if payload_size(result) > MAX_PAYLOAD_BYTES:
            run.eid += 1  # TaskFailed
            raise data_limit_exceeded(st.binding.label, terminal=False)
        run.eid += 1  # TaskSucceeded
    except StatesError as err:
        return await recover_located(st, data, frame, err)
    return finished(st, data, result, frame)


def finished(st: Any, data: Any, result: Any, frame: Frame) -> tuple[int, Any]:
    """A state's output from its result, checked against the quota."""
    try:
        out = st.finish(data, result, frame)
    except PathError as exc:
        raise locate(StatesError(ErrorName.RUNTIME, exc.detail), st, frame.entered_id) from None
    if payload_size(out) > MAX_PAYLOAD_BYTES:
        raise data_limit_exceeded(st.name, terminal=True)
    return st.next, out


def run_parallel_sync(
    st: ParallelState, eff: Any, frame: Frame, size: int, data: Any
) -> tuple[list[Any], int]:
    """``run_parallel_fast`` for branches whose generated code is a plain call, run one
    after the other. When one has to wait, it goes on as a task and the rest of the
    state (the join, ResultSelector, ResultPath, Retry, Catch) is raised as ``Suspend``."""
    frame.run.eid += 1  # ParallelStateStarted
    n = len(st.branches)
    return _branches(st, eff, frame, size, data, 0, [None] * n, [], n + 1)


def parallel_from(
    st: ParallelState,
    eff: Any,
    frame: Frame,
    size: int,
    data: Any,
    done: list[Any],
    child: Frame,
    stop: Budget,
) -> None:
    """Generated code ran the first ``len(done)`` branches in line and the next one
    stopped with ``stop``: it goes on as a task, the others as ``run_parallel_sync``
    runs them; always raises (``Suspend``, or the first failure)."""
    i = len(done)
    results = done + [None] * (len(st.branches) - i)
    task = asyncio.ensure_future(bounded(child, st.branches[i], stop))
    waiting: list[tuple[int, asyncio.Future[Any]]] = [(i, task)]
    _branches(st, eff, frame, size, data, i + 1, results, waiting, UNKNOWN_SIZE)


def _branches(
    st: ParallelState,
    eff: Any,
    frame: Frame,
    size: int,
    data: Any,
    start: int,
    results: list[Any],
    waiting: list[tuple[int, asyncio.Future[Any]]],
    total: int,
) -> tuple[list[Any], int]:
    run = frame.run
    branches = st.branches
    for i in range(start, len(branches)):
        chain = branches[i]
        child = frame.child()
        try:
            out, bound = chain.fast(child, eff, size)
        except Budget as stop:
            waiting.append((i, asyncio.ensure_future(bounded(child, chain, stop))))
            continue
        except StatesError as err:
            if waiting:
                raise Suspend(_parallel_rest, st, data, frame, results, waiting, err) from None
            run.eid += 1  # ParallelStateFailed
            raise
        results[i] = out
        total += bound
    if waiting:
        raise Suspend(_parallel_rest, st, data, frame, results, waiting, None)
    run.eid += 1  # ParallelStateSucceeded
    return results, total


async def _parallel_rest(
    st: ParallelState,
    data: Any,
    frame: Frame,
    results: list[Any],
    waiting: list[tuple[int, asyncio.Future[Any]]],
    failed: StatesError | None,
) -> tuple[int, Any]:
    run = frame.run
    try:
        try:
            if failed is not None:
                await abandon_tasks([t for _, t in waiting])
                raise failed
            outcomes = await join_tasks([t for _, t in waiting])
        except StatesError:
            run.eid += 1  # ParallelStateFailed
            raise
        run.eid += 1  # ParallelStateSucceeded
    except StatesError as err:
        return await recover_located(st, data, frame, err)
    for (i, _), (out, _bound) in zip(waiting, outcomes, strict=True):
        results[i] = out
    return finished(st, data, results, frame)
