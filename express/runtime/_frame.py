"""The state of one execution (``Run``) and of each scope running in it (``Frame``).

A ``Run`` is shared by everything in the execution: the event counter, the clock, the
recorded events. A scope is one chain being run: the top level (the ``Run`` itself), a
Parallel branch or a Map iteration (a ``ChildFrame``); it carries that scope's variables and
its part of the context object.
"""

from __future__ import annotations

from typing import Any

from express._ids import uuid4
from express.compiler._states import State

from ._clock import Clock
from ._events import HistoryEvent, iso_timestamp

__all__ = ["CHECK_EVERY", "ChildFrame", "Frame", "Run", "execution_arn", "new_frame", "start_run"]

#: How many transitions an execution makes between checks of its deadline.
CHECK_EVERY = 1024


_new = object.__new__


def start_run(
    run: Any,
    machine: Any,
    input: Any,
    name: str | None,
    clock: Clock,
    start_time: float,
    deadline: float,
    timed: bool,
) -> None:
    """Fill in a ``Run`` (or ``ExecutionResult``) made by ``object.__new__``: a plain
    call costs less than calling the class."""
    run.machine = machine  # its name, ARN and role are read when first needed
    run.input = input
    run._name = name  # None: a random UUID, drawn when first read
    run.clock = clock
    run.start_time = start_time
    run.stop_time = start_time
    run.deadline = deadline
    run.eid = 1  # ExecutionStarted: the first state's events follow no previous event
    run.check_at = CHECK_EVERY  # the transition count of the next deadline check
    run.transitions = 0  # states entered (the unit AWS bills Standard workflows by)
    run.timed = timed  # read the clock at each state entry (something can observe it)
    run.events = None
    run._execution_ctx = None
    run.fixed_arn = None  # an ARN the caller chose (the API server mints AWS-shaped ids)
    # The execution's top-level scope (``new_frame``'s fields, written here too: one
    # call per execution, not two).
    run.run = run
    run.variables = {}
    run.item = None
    run.state = None
    run.entered_id = 0
    run.entered_time = 0.0
    run.retry_count = 0
    run.last_event = 0


def new_frame(
    run: Run, variables: dict[str, Any], item: tuple[int, Any, str | None] | None = None
) -> Frame:
    """A ``ChildFrame``, made without calling the class."""
    frame: Frame = _new(ChildFrame)
    frame.run = run
    frame.variables = variables
    frame.item = item
    frame.state = None
    frame.entered_id = 0
    frame.entered_time = 0.0
    frame.retry_count = 0
    frame.last_event = 0
    return frame


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:aws:states:<region>:<account>:express:<machine>:<name>:<id>``, as AWS forms
    the ARN of an Express execution (the execution name stands in for the id)."""
    prefix, _, machine = state_machine_arn.partition(":stateMachine:")
    return f"{prefix}:express:{machine}:{name}:{name}"


class Frame:
    """One scope of an execution (the compiler's ``Frame`` protocol): the top level, a
    Parallel branch or a Map iteration, with its variables and its part of the context
    object. The top level is the ``Run`` itself, so an execution makes no frame of its
    own; ``run.run`` is the run while it runs, and None after.
    """

    __slots__ = (
        "entered_id",
        "entered_time",
        "item",
        "last_event",
        "retry_count",
        "run",
        "state",
        "variables",
    )

    run: Run
    variables: dict[str, Any]
    item: tuple[int, Any, str | None] | None
    state: State | None
    entered_id: int
    entered_time: float
    retry_count: int
    last_event: int

    def child(self, item: tuple[int, Any, str | None] | None = None) -> Frame:
        """A frame for a branch or an iteration: reads outer variables, writes its own."""
        return new_frame(self.run, self.variables.copy() if self.variables else {}, item)

    def context(self) -> Any:
        base = self.run.execution_context()
        ctx: dict[str, Any] = dict(base)
        state = self.state
        if state is not None:
            ctx["State"] = {
                "EnteredTime": iso_timestamp(self.entered_time),
                "Name": state.name,
                "RetryCount": self.retry_count,
            }
        if self.item is not None:
            index, value, key = self.item
            item: dict[str, Any] = {"Index": index, "Value": value}
            if key is not None:
                item["Key"] = key
            ctx["Map"] = {"Item": item}
        return ctx

    def event(self, event_type: str, details: dict[str, Any] | None = None) -> int:
        """Count (and record, when recording) one event; return its id."""
        run = self.run
        run.eid += 1
        if run.events is not None:
            run.record(event_type, details, self.last_event)
        self.last_event = run.eid
        return run.eid


class ChildFrame(Frame):
    """A Parallel branch's or a Map iteration's scope (made by ``new_frame``)."""

    __slots__ = ()


class Run(Frame):
    __slots__ = (
        "_execution_ctx",
        "_name",
        "check_at",
        "clock",
        "deadline",
        "eid",
        "events",
        "fixed_arn",
        "input",
        "machine",
        "start_time",
        "stop_time",
        "timed",
        "transitions",
    )

    machine: Any
    input: Any
    _name: str | None
    clock: Clock
    start_time: float
    stop_time: float
    deadline: float
    eid: int
    check_at: int
    transitions: int
    timed: bool
    events: list[HistoryEvent] | None
    _execution_ctx: dict[str, Any] | None
    fixed_arn: str | None

    run: Run

    def __init__(
        self,
        machine: Any,
        input: Any,
        name: str | None,
        clock: Clock,
        start_time: float,
        deadline: float,
        record: bool,
        timed: bool,
    ) -> None:
        start_run(self, machine, input, name, clock, start_time, deadline, timed or record)
        if record:
            self.events = []

    @property
    def name(self) -> str:
        """The execution's name: a random UUID, drawn only when something reads it."""
        if self._name is None:
            self._name = uuid4()
        return self._name

    @property
    def arn(self) -> str:
        return self.fixed_arn or execution_arn(self.machine.arn, self.name)

    def record(self, event_type: str, details: dict[str, Any] | None, previous: int) -> None:
        """Append event number ``self.eid`` (the caller has already counted it)."""
        assert self.events is not None
        self.events.append(HistoryEvent(self.eid, previous, event_type, self.clock.time(), details))

    def execution_context(self) -> dict[str, Any]:
        ctx = self._execution_ctx
        if ctx is None:
            ctx = self._execution_ctx = {
                "Execution": {
                    "Id": self.arn,
                    "Input": self.input,
                    "StartTime": iso_timestamp(self.start_time),
                    "Name": self.name,
                    "RoleArn": self.machine.role_arn,
                    "RedriveCount": 0,
                },
                "StateMachine": {
                    "Id": self.machine.arn,
                    "Name": self.machine.name,
                },
            }
        return ctx
