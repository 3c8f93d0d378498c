"""The interpreter: one loop over state indices.

Pass, Choice, Succeed and Fail are plain calls; only Task, Wait, Map and Parallel await.
A chain made only of pure states runs inside ``run_chain`` without suspending, so an
execution of such a machine completes within a single step of the event loop (with a
periodic check of its deadline so that a runaway loop still times out).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from express.compiler._paths import PathError
from express.compiler._states import (
    CHOICE,
    KIND_NAMES,
    MAP,
    PARALLEL,
    PASS,
    SUCCEED,
    TASK,
    WAIT,
    Chain,
    ChoiceState,
    FailState,
    State,
    WaitState,
)
from express.errors import ErrorName, StatesError

from ._events import payload_details
from ._frame import CHECK_EVERY, Frame
from ._wait import wait_seconds

__all__ = [
    "CHECK_EVERY",
    "Budget",
    "ExecutionTimedOut",
    "locate",
    "run_chain",
    "run_pure",
    "step_async",
    "step_pure",
    "Suspend",
    "resume",
]

_ENTERED = tuple(f"{k}StateEntered" for k in KIND_NAMES)
_EXITED = tuple(f"{k}StateExited" for k in KIND_NAMES)
_PREFIXED = frozenset({ErrorName.RUNTIME, ErrorName.QUERY_EVALUATION_ERROR})


class ExecutionTimedOut(Exception):
    """The execution's deadline passed (5 minutes for Express, or TimeoutSeconds)."""


def locate(
    err: StatesError, state: State, entered_id: int, frame: Frame | None = None
) -> StatesError:
    """Give a state's own processing error AWS's prefix and decide if it can be caught.

    AWS prefixes only ``States.Runtime`` and ``States.QueryEvaluationError`` causes; other
    errors raised by a state's processing keep their cause as it is. A JSONata failure also
    records AWS's ``EvaluationFailed`` event (it takes an event id).
    """
    if not err.located:
        if frame is not None and err.error == ErrorName.QUERY_EVALUATION_ERROR:
            frame.event("EvaluationFailed", _evaluation_failed(err, state))
        if err.error not in _PREFIXED:
            err.located = True
            err.terminal = err.error in ErrorName.UNCATCHABLE
            return err
        detail = err.cause or ""
        located = StatesError(
            err.error,
            f"An error occurred while executing the state '{state.name}' "
            f"(entered at the event id #{entered_id}). {detail}",
        )
        located.located = True
        located.terminal = err.error in ErrorName.UNCATCHABLE
        return located
    return err


class _Fallible:
    """Where ``run_fallible`` is found: it lives in a module that imports this one, so it
    registers itself here on import instead of being imported on every call."""

    run: Callable[[State, Any, Frame], Awaitable[tuple[int, Any]]]


_fallible = _Fallible()


class Budget(Exception):
    """``run_pure`` made ``CHECK_EVERY`` transitions: the caller must yield to the event
    loop, then go on with ``run_chain`` from state ``index`` with ``data``."""

    def __init__(self, index: int, data: Any) -> None:
        self.index = index
        self.data = data


class Suspend(Budget):
    """Generated code that runs as a plain call reached something it must await (an
    awaitable result, a retry's back-off, a Parallel branch that waits): ``rest``
    finishes the current state, giving ``(next index or -1, output)``. It is called only
    when awaited (a branch cancelled before it starts leaves no coroutine behind)."""

    def __init__(self, rest: Callable[..., Awaitable[tuple[int, Any]]], *args: Any) -> None:
        super().__init__(-1, None)
        self.rest = rest
        self.args = args


async def resume(frame: Frame, chain: Chain, stop: Budget) -> Any:
    """Go on with ``chain`` where its plain-call code stopped: its output."""
    if not isinstance(stop, Suspend):
        await asyncio.sleep(0)
        return await run_chain(frame, chain, stop.data, stop.index)
    try:
        nxt, data = await stop.rest(*stop.args)
    finally:
        frame.retry_count = 0
    frame.run.eid += 1  # the state's Exited event
    if nxt < 0:
        return data
    return await run_chain(frame, chain, data, nxt)


#: Kinds that await (Task, Wait, Parallel, Map), by kind number.
_AWAITS = tuple(k in (TASK, WAIT, PARALLEL, MAP) for k in range(len(KIND_NAMES)))


def step_pure(st: State, data: Any, frame: Frame) -> tuple[int, Any]:
    """One Pass, Choice, Succeed or Fail state: ``(next index or -1, output)``."""
    kind = st.kind
    if kind == PASS:
        step = st.run  # type: ignore[attr-defined]
        out = data if step is None else step(data, frame)
        if st.assign is not None:
            frame.variables.update(st.assign(data, out, frame))
        return st.next, out
    if kind == CHOICE:
        if st.simple:  # type: ignore[attr-defined]
            i = st.select(data, frame)  # type: ignore[attr-defined]
            nxt: int = st.targets[i] if i >= 0 else st.default  # type: ignore[attr-defined]
            if nxt < 0:
                raise _no_choice_matched()
            return nxt, data
        return _choose(st, data, frame)  # type: ignore[arg-type]
    if kind == SUCCEED:
        step = st.run  # type: ignore[attr-defined]
        return -1, data if step is None else step(data, frame)
    raise _failure(st, data, frame)  # type: ignore[arg-type]


async def step_async(st: State, data: Any, frame: Frame) -> tuple[int, Any]:
    """One Wait, Task, Parallel or Map state: ``(next index or -1, output)``."""
    if st.kind == WAIT:
        return st.next, await _wait(st, data, frame)  # type: ignore[arg-type]
    try:
        return await _fallible.run(st, data, frame)
    finally:
        frame.retry_count = 0


async def run_chain(frame: Frame, chain: Chain, data: Any, start: int = -1) -> Any:
    """Run ``chain`` from its start with ``data``; return its output or raise StatesError.

    This is the reference interpreter: it records events when the execution asks for
    them (executions that do not run the chain's generated code, ``_specialise``); the
    clock is read only when something can observe the time.
    """
    states = chain.states
    idx = chain.start if start < 0 else start
    run = frame.run
    clock = run.clock
    recording = run.events is not None
    timed = run.timed
    while True:
        st = states[idx]
        kind = st.kind
        frame.state = st
        run.transitions += 1
        if timed:
            frame.entered_time = clock.time()
        if recording:
            entered = frame.event(
                _ENTERED[kind], {"name": st.name, **payload_details("input", data)}
            )
        else:
            run.eid += 1
            entered = run.eid
        frame.entered_id = entered
        try:
            if _AWAITS[kind]:
                nxt, out = await step_async(st, data, frame)
            else:
                nxt, out = step_pure(st, data, frame)
        except StatesError as err:
            raise locate(err, st, entered, frame) from None
        except PathError as exc:
            # Compiled fields word their own path errors; this is the safety net.
            raise locate(StatesError(ErrorName.RUNTIME, exc.detail), st, entered) from None
        if recording:
            frame.event(_EXITED[kind], {"name": st.name, **payload_details("output", out)})
        else:
            run.eid += 1
        if nxt < 0:
            return out
        idx = nxt
        data = out
        # The check is the execution's, shared by its branches and iterations: a Map of
        # many short iterations must yield and time out as a long loop does.
        if run.transitions >= run.check_at:
            run.check_at = run.transitions + CHECK_EVERY
            if clock.time() >= run.deadline:
                raise ExecutionTimedOut
            await asyncio.sleep(0)


def run_pure(frame: Frame, chain: Chain, data: Any, start: int = -1) -> Any:
    """``run_chain`` for a chain of pure states, as a plain call (no coroutine to create
    and drive); raises ``Budget`` when the event loop is due a turn."""
    states = chain.states
    idx = chain.start if start < 0 else start
    run = frame.run
    clock = run.clock
    recording = run.events is not None
    timed = run.timed
    while True:
        st = states[idx]
        kind = st.kind
        frame.state = st
        run.transitions += 1
        if timed:
            frame.entered_time = clock.time()
        if recording:
            entered = frame.event(
                _ENTERED[kind], {"name": st.name, **payload_details("input", data)}
            )
        else:
            run.eid += 1
            entered = run.eid
        frame.entered_id = entered
        try:
            nxt, out = step_pure(st, data, frame)
        except StatesError as err:
            raise locate(err, st, entered, frame) from None
        except PathError as exc:
            raise locate(StatesError(ErrorName.RUNTIME, exc.detail), st, entered) from None
        if recording:
            frame.event(_EXITED[kind], {"name": st.name, **payload_details("output", out)})
        else:
            run.eid += 1
        if nxt < 0:
            return out
        idx = nxt
        data = out
        if run.transitions >= run.check_at:
            run.check_at = run.transitions + CHECK_EVERY
            if clock.time() >= run.deadline:
                raise ExecutionTimedOut
            # A long (or endless) loop must not hold the event loop: hand it back.
            raise Budget(idx, data)


def _evaluation_failed(err: StatesError, state: State) -> dict[str, Any]:
    details: dict[str, Any] = {"error": err.error, "cause": err.cause or "", "state": state.name}
    cause = err.cause or ""
    marker = "specified for the field '"
    start = cause.find(marker)
    if start >= 0:
        start += len(marker)
        details["location"] = cause[start : cause.find("'", start)]
    return details


def _choose(st: ChoiceState, data: Any, frame: Frame) -> tuple[int, Any]:
    eff = data if st.input is None else st.input(data, frame)
    select = st.select
    if select is not None:
        i = select(eff, frame)
        if i >= 0:
            out = eff if st.output is None else st.output(eff, frame)
            assign = st.rule_assign[i] if st.rule_assign else None
            if assign is not None:
                frame.variables.update(assign(eff, out, frame))
            return st.rules[i][1], out
        return _no_match(st, eff, frame)
    for i, (predicate, target) in enumerate(st.rules):
        if predicate(eff, frame):
            if st.rule_output:  # JSONata: the rule's own Output, else the input
                step = st.rule_output[i]
                out = eff if step is None else step(eff, frame)
            else:
                out = eff if st.output is None else st.output(eff, frame)
            assign = st.rule_assign[i] if st.rule_assign else None
            if assign is not None:
                frame.variables.update(assign(eff, out, frame))
            return target, out
    return _no_match(st, eff, frame)


def _no_match(st: ChoiceState, eff: Any, frame: Frame) -> tuple[int, Any]:
    if st.default < 0:
        raise _no_choice_matched()
    out = eff if st.output is None else st.output(eff, frame)
    if st.assign is not None:
        frame.variables.update(st.assign(eff, out, frame))
    return st.default, out


def _no_choice_matched() -> StatesError:
    # The Developer Guide names States.NoChoiceMatched, but AWS is reported to fail with
    # States.Runtime and this text (verified against us-east-1 by other engines).
    return StatesError(
        ErrorName.RUNTIME,
        "Failed to transition out of the state. The state does not point to a next state.",
    )


def _failure(st: FailState, data: Any, frame: Frame) -> StatesError:
    error = st.error(data, frame) if st.error is not None else None
    cause = st.cause(data, frame) if st.cause is not None else None
    err = StatesError(error, cause)
    err.located = True
    return err


async def _wait(st: WaitState, data: Any, frame: Frame) -> Any:
    eff = data if st.input is None else st.input(data, frame)
    clock = frame.run.clock
    seconds = wait_seconds(st, eff, frame, clock.time())
    if seconds > 0:
        await clock.sleep(seconds)
    out = eff if st.output is None else st.output(eff, frame)
    if st.assign is not None:
        frame.variables.update(st.assign(eff, out, frame))
    return out
