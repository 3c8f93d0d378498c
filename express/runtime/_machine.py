"""``StateMachine``: a definition validated and compiled once, executed many times."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from express.asl._load import load_definition
from express.asl._validate import validate
from express.compiler._io import MAX_PAYLOAD_BYTES, UNKNOWN_SIZE, payload_size
from express.compiler._machine import compile_machine
from express.errors import DefinitionError, Diagnostic, ErrorName, StatesError
from express.tasks._base import TaskObserver
from express.tasks._resolve import TaskAdapters, build_resolver
from express.tasks.local import Resource
from express.tasks.mock import MockConfig, MockTestCase, run_test_case

from ._clock import Clock, RealClock
from ._events import HistoryEvent, payload_details
from ._execution import Budget, ExecutionTimedOut, resume, run_chain, run_pure
from ._expiry import Expiry
from ._fallible import run_fallible as _registers_itself  # noqa: F401
from ._fanout import Resumed
from ._frame import Frame, start_run
from ._outcome import aborted, crashed, failed, filed, succeeded, timed_out
from ._result import ExecutionResult
from ._specialise import specialise, top_level

__all__ = ["EXPRESS_LIMIT_SECONDS", "ExecutionResult", "StateMachine"]

#: An Express execution runs for at most five minutes.
EXPRESS_LIMIT_SECONDS = 300.0
_log = logging.getLogger("express")
_new = object.__new__
_dumps = orjson.dumps
_running_loop = asyncio.get_running_loop
REGION = "us-east-1"
ACCOUNT = "123456789012"


class StateMachine:
    """A validated, compiled state machine.

    ``resources`` maps a Task's ``Resource`` (or, for ``arn:aws:states:::lambda:invoke``,
    the function name or ARN) to a callable, sync or async, taking the task input.
    Raises ``DefinitionError`` listing every problem when the definition is invalid.
    """

    def __init__(
        self,
        definition: str | bytes | dict[str, Any],
        resources: Mapping[str, Resource] | None = None,
        *,
        name: str = "StateMachine",
        clock: Clock | None = None,
        role_arn: str | None = None,
        adapters: TaskAdapters | None = None,
        mock_config: MockConfig | str | Path | Mapping[str, Any] | None = None,
        task_observer: TaskObserver | None = None,
    ) -> None:
        data = load_definition(definition)
        diagnostics = validate(data)
        if any(d.severity == "ERROR" for d in diagnostics):
            raise DefinitionError(diagnostics)
        self.warnings: list[Diagnostic] = diagnostics
        self.definition = data
        self.name = name
        self.arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        self.role_arn = role_arn or f"arn:aws:iam::{ACCOUNT}:role/express-{name}"
        self.clock: Clock = clock or RealClock()
        self._expiries: dict[asyncio.AbstractEventLoop, Expiry] = {}
        # --- task adapters (express/tasks): resolved per Task state, here, once ---
        self._owns_adapters = adapters is None
        self.adapters = adapters if adapters is not None else TaskAdapters()
        self.mock_config = MockConfig.of(mock_config) if mock_config is not None else None
        self._test_case: MockTestCase | None = None
        resolver = build_resolver(
            data,
            resources,
            adapters=self.adapters,
            machine_name=name,
            mock_config=self.mock_config,
            observer=task_observer,
        )
        self._compiled = compile_machine(data, resolver)
        specialise(self._compiled.chain)
        self._top = top_level(self._compiled.chain)
        if self._top is not None:
            # An awaitable either way; this one makes one coroutine per execution, not two.
            self.execute = self._execute_top  # type: ignore[method-assign]
        text = orjson.dumps(data)
        # State entry times are only observable through the context object (and by
        # resources, which may read it): skip the clock read per state otherwise.
        self._timed = b"$$" in text or b"$states" in text or b'"Type":"Task"' in text
        timeout = self._compiled.timeout_seconds
        self.timeout_seconds = (
            min(timeout, EXPRESS_LIMIT_SECONDS) if timeout else (EXPRESS_LIMIT_SECONDS)
        )

    def with_test_case(self, test_case: str) -> StateMachine:
        """This machine running test case ``test_case`` of its mock config in every
        execution (Step Functions Local's ``stateMachineArn#test_case``)."""
        if self.mock_config is None:
            raise ValueError(f"state machine '{self.name}' has no mock_config")
        view = _TestCaseMachine.__new__(_TestCaseMachine)
        view.__dict__.update(self.__dict__)
        view.__dict__.pop("execute", None)  # the test case's own execute applies
        view._test_case = self.mock_config.test_case(self.name, test_case)
        view._owns_adapters = False
        return view

    async def aclose(self) -> None:
        """Close the HTTP sessions of the adapters this machine created for itself."""
        if self._owns_adapters:
            await self.adapters.aclose()

    async def __aenter__(self) -> StateMachine:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _execute_top(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        record_events: bool = False,
        clock: Clock | None = None,
        arn: str | None = None,
        events: list[HistoryEvent] | None = None,
    ) -> Coroutine[Any, Any, ExecutionResult]:
        """``execute`` through the generated coroutine that runs a whole execution (one
        coroutine, not two), from the time of the call."""
        if not record_events and events is None and clock is None:
            if input is None:
                input = {}
            run = _begun(self, input, name, self.clock, self._timed)
            if arn is not None:
                run.fixed_arn = arn
            try:
                size = len(_dumps(input))
            except TypeError:
                size = UNKNOWN_SIZE
            if size <= MAX_PAYLOAD_BYTES:
                return self._top(run, input, size)  # type: ignore[no-any-return]
        return StateMachine.execute(
            self,
            input,
            name=name,
            record_events=record_events,
            clock=clock,
            arn=arn,
            events=events,
        )

    async def execute(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        record_events: bool = False,
        clock: Clock | None = None,
        arn: str | None = None,
        events: list[HistoryEvent] | None = None,
    ) -> ExecutionResult:
        """Run one execution to its end and return its result (never raises for ASL errors).

        ``arn`` replaces the derived execution ARN (in ``$$.Execution.Id`` too); ``events``
        records the history into the caller's list, which stays readable when the
        execution is cancelled (the result is then not returned).
        """
        if events is not None:
            record_events = True
        if input is None:
            input = {}
        if clock is None:
            clock = self.clock
        run = _begun(self, input, name, clock, record_events or self._timed)
        if record_events:
            run.events = [] if events is None else events
        if arn is not None:
            run.fixed_arn = arn
        frame: Frame = run  # the top-level scope (``run.run`` is cleared when it ends)
        recording = record_events
        if recording:
            run.record(
                "ExecutionStarted",
                {**payload_details("input", input), "roleArn": self.role_arn},
                0,
            )
        chain = self._compiled.chain
        expiry: Expiry | None = None
        try:
            try:
                size = len(_dumps(input))
            except TypeError:  # what orjson cannot write: measured (or refused) as AWS would
                size = payload_size(input)
            if size > MAX_PAYLOAD_BYTES:
                raise StatesError(
                    ErrorName.DATA_LIMIT_EXCEEDED,
                    f"The execution input exceeds the limit of {MAX_PAYLOAD_BYTES} bytes.",
                )
            # What the execution still has to wait for, if anything; ``paired``: it
            # gives the output and its size bound.
            pending: Awaitable[Any] | None = None
            paired = True
            fast = None if recording else chain.fast
            if chain.sync and fast is not None:
                try:
                    output, size = fast(frame, input, size)
                except Budget as stop:
                    pending, paired = resume(frame, chain, stop), False
            elif fast is not None and chain.waits:
                pending = fast(frame, input, size)
            elif fast is not None:
                # Driven by hand until it first waits: an execution that never does (pure
                # states, plain-function tasks) is never filed for its deadline.
                coro = fast(frame, input, size)
                try:
                    first = coro.send(None)
                except StopIteration as stop:
                    output, size = stop.value
                else:
                    pending = Resumed(coro, first)
            elif chain.pure:
                try:
                    output, size = run_pure(frame, chain, input), UNKNOWN_SIZE
                except Budget as budget:
                    pending, paired = resume(frame, chain, budget), False
            else:
                pending, paired = run_chain(frame, chain, input), False
            if pending is not None:
                expiry, slot = filed(run)
                try:
                    if paired:
                        output, size = await pending
                    else:
                        output, size = await pending, UNKNOWN_SIZE
                finally:
                    expiry.discard(run, slot)
            return succeeded(run, output, size)
        except StatesError as err:
            return failed(run, err)
        except (ExecutionTimedOut, TimeoutError):
            return timed_out(run)
        except asyncio.CancelledError:
            return aborted(run, expiry)
        except Exception as exc:  # a bug, or data no JSON engine can hold: never a crash
            return crashed(run, exc)

    def _expiry(self, clock: Clock, loop: asyncio.AbstractEventLoop) -> Expiry:
        """Where executions on ``clock`` wait for their deadline: one per event loop
        for the machine's own clock."""
        if clock is not self.clock:
            return Expiry(clock, loop)
        expiry = self._expiries.get(loop)
        if expiry is None:
            for old in [old for old in self._expiries if old.is_closed()]:
                del self._expiries[old]
            expiry = self._expiries[loop] = Expiry(clock, loop)
        return expiry


def _begun(
    machine: StateMachine, input: Any, name: str | None, clock: Clock, timed: bool
) -> ExecutionResult:
    """A new execution's run, started now on ``clock``."""
    start = clock.time()
    run: ExecutionResult = _new(ExecutionResult)
    deadline = start + machine.timeout_seconds
    start_run(run, machine, input, name, clock, start, deadline, timed)
    return run


class _TestCaseMachine(StateMachine):
    """A view of a machine whose executions all run one mocked test case."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        assert self._test_case is not None
        run = super().execute
        return await run_test_case(self._test_case, lambda: run(*args, **kwargs))
