"""The compiled form of a state machine: states in a tuple, addressed by index.

Every field holds something ready to call; the runtime only dispatches on ``kind``.
``node`` keeps the state's definition for messages and ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._frame import Frame, Getter
from ._io import Finisher
from ._retry import Catcher, Retrier

__all__ = [
    "CHOICE",
    "FAIL",
    "KIND_NAMES",
    "MAP",
    "PARALLEL",
    "PASS",
    "SUCCEED",
    "TASK",
    "WAIT",
    "Chain",
    "ChoiceState",
    "CompiledMachine",
    "FailState",
    "MapState",
    "ParallelState",
    "PassState",
    "State",
    "SucceedState",
    "TaskState",
    "WaitState",
]

PASS, TASK, CHOICE, WAIT, SUCCEED, FAIL, PARALLEL, MAP = range(8)
KIND_NAMES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")

Assigner = Callable[[Any, Any, Frame], dict[str, Any]]
"""``assign(state_input, result, frame) -> new variables`` (evaluated on state entry values)."""

IntValue = int | float | Getter | None
"""A number known at compile time, or a getter for its ``...Path`` form."""


@dataclass(eq=False, slots=True)
class State:
    name: str
    kind: int
    next: int
    """Index of the next state in the same chain; -1 when the state ends the chain."""
    node: dict[str, Any] = field(repr=False)
    assign: Assigner | None = field(default=None, repr=False)
    jsonata: bool = False
    """The state's query language is JSONata (its fields hold ``{% %}`` expressions)."""

    @property
    def is_async(self) -> bool:
        return self.kind in (TASK, WAIT, PARALLEL, MAP)


@dataclass(eq=False, slots=True)
class PassState(State):
    run: Getter | None = field(default=None, repr=False)
    """``run(input, frame) -> output``; None means the output is the input."""


@dataclass(eq=False, slots=True)
class SucceedState(State):
    run: Getter | None = field(default=None, repr=False)


@dataclass(eq=False, slots=True)
class ChoiceState(State):
    input: Getter | None = field(default=None, repr=False)
    rules: tuple[tuple[Callable[[Any, Frame], bool], int], ...] = ()
    default: int = -1
    """Index of ``Default``; -1 when absent (``States.NoChoiceMatched``)."""
    output: Getter | None = field(default=None, repr=False)
    rule_assign: tuple[Assigner | None, ...] = ()
    rule_output: tuple[Getter | None, ...] = ()
    select: Callable[[Any, Frame], int] | None = field(default=None, repr=False)
    """JSONPath: all rules fused into one function giving the first match's index, or -1."""
    targets: tuple[int, ...] = ()
    """The ``Next`` of each rule, by rule index."""
    simple: bool = False
    """Nothing but the rules: no InputPath/OutputPath, no Assign (the interpreter then
    routes with ``select`` and ``targets`` inline)."""
    """JSONata: the matched rule's ``Output`` (or the input); empty for JSONPath, where
    ``output`` (OutputPath) applies to every outcome."""


@dataclass(eq=False, slots=True)
class FailState(State):
    error: Getter | None = field(default=None, repr=False)
    cause: Getter | None = field(default=None, repr=False)


@dataclass(eq=False, slots=True)
class WaitState(State):
    input: Getter | None = field(default=None, repr=False)
    seconds: IntValue = None
    seconds_path: str | None = None
    timestamp: str | None = None
    timestamp_path: Getter | None = field(default=None, repr=False)
    timestamp_path_text: str | None = None
    output: Getter | None = field(default=None, repr=False)
    dynamic: Callable[[Any, Frame, float], float] | None = field(default=None, repr=False)
    """JSONata ``Seconds``/``Timestamp`` expression: ``(input, frame, now) -> seconds``."""


@dataclass(eq=False, slots=True)
class _Fallible(State):
    """A state with Retry and Catch: Task, Parallel and Map."""

    prepare: Getter | None = field(default=None, repr=False)
    """InputPath + Parameters/ItemSelector input: ``prepare(input, frame)``."""
    finish: Finisher | None = field(default=None, repr=False)
    retriers: tuple[Retrier, ...] = ()
    catchers: tuple[Catcher, ...] = ()


@dataclass(eq=False, slots=True)
class TaskState(_Fallible):
    binding: Any = None
    """What the resource resolver returned for ``Resource`` (the runtime calls it)."""
    timeout: IntValue = None
    timeout_path: str | None = None
    heartbeat: IntValue = None
    heartbeat_path: str | None = None


@dataclass(eq=False, slots=True)
class ParallelState(_Fallible):
    branches: tuple[Chain, ...] = ()


@dataclass(eq=False, slots=True)
class MapState(_Fallible):
    items: Getter | None = field(default=None, repr=False)
    items_path: str = "$"
    selector: Getter | None = field(default=None, repr=False)
    processor: Chain | None = None
    max_concurrency: IntValue = 0
    max_concurrency_path: str | None = None
    tolerated_count: IntValue = None
    tolerated_count_path: str | None = None
    tolerated_percentage: IntValue = None
    tolerated_percentage_path: str | None = None
    batcher: dict[str, Any] | None = None
    distributed: bool = False
    label: str | None = None


@dataclass(eq=False, slots=True)
class Chain:
    """The states of one scope (the machine, a Parallel branch or a Map processor)."""

    states: tuple[State, ...]
    start: int
    pure: bool
    """No state awaits: the chain can run to completion as a plain call."""
    inline: bool = False
    """Every state normally completes without suspending (pure states, Tasks bound to plain
    functions): branches and iterations of such chains run one after the other instead of
    as tasks; only a Retry back-off would suspend them."""
    fast: Any = field(default=None, repr=False)
    """The chain as one generated function, for executions that record no events:
    ``fast(frame, data, size) -> (output, size)`` (a coroutine function unless ``sync``),
    ``size`` an upper bound on the data's JSON size or -1. Set by the runtime."""
    sync: bool = False
    """``fast`` is a plain function: it raises ``Budget`` (or ``Suspend``) where it has
    to let the event loop run, and the caller goes on from there."""
    waits: bool = False
    """The generated code suspends on its usual path (an awaited resource, a Wait, a
    Map): run it as a task from the start rather than step it eagerly."""


@dataclass(eq=False, slots=True)
class CompiledMachine:
    chain: Chain
    definition: dict[str, Any] = field(repr=False)
    timeout_seconds: float | None = None
    uses_context: bool = True
    uses_variables: bool = False
