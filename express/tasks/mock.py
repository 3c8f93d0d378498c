"""Mocked responses in the Step Functions Local ``MockConfigFile`` format.

::

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<Task state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": ...}, "1-2": {"Throw": {...}}}}}

A machine compiled with a mock config runs a test case per execution
(``machine.with_test_case("HappyPath")``, ``express run --mock-config F --test-case N``).
As in Step Functions Local:

- each Task state named in the test case answers from its mocked response and never calls
  its resource; the others use their real adapter (the documentation's "HybridPath");
- invocations are counted per state per execution, retries and Map iterations included, so
  ``"0"`` answers the first call, ``"1-2"`` the next two;
- ``Return`` is the task's result as is (for ``lambda:invoke`` that is the whole Invoke
  response, ``{"StatusCode": 200, "Payload": ...}``); ``Throw`` fails the task with its
  ``Error`` and ``Cause``, which Retry and Catch see like any other error;
- an invocation beyond the mocked ones fails the execution with ``States.Runtime``.

Stricter than Step Functions Local, a file is checked whole when it is loaded: ranges must
start at 0 and leave no gap or overlap, each step has exactly one of ``Return``/``Throw``,
and every response a test case names exists. The machine also checks, when compiled, that
the states its test cases name are Task states of its definition.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson

from express.errors import ErrorName, StatesError, TaskFailed

from ._base import TaskBinding, TaskCall

__all__ = [
    "MockConfig",
    "MockConfigError",
    "MockTestCase",
    "MockedBinding",
    "case_active",
    "run_test_case",
]

_KEY = re.compile(r"^(\d+)(?:-(\d+))?$")
T = TypeVar("T")


class MockConfigError(ValueError):
    """The mock config is unusable; the message names the entry and what to change."""


@dataclass(frozen=True, slots=True)
class _Step:
    returned: bytes | None  # the Return value, serialised (a fresh copy per answer)
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class MockTestCase:
    """One test case of one state machine: state name -> (response name, steps)."""

    machine: str
    name: str
    states: Mapping[str, tuple[str, tuple[_Step, ...]]]


class MockConfig:
    """A validated MockConfigFile."""

    def __init__(self, data: Any, source: str = "mock config") -> None:
        self.source = source
        if not isinstance(data, Mapping):
            raise MockConfigError(
                f"{source}: expected an object with StateMachines and MockedResponses"
            )
        machines, responses = data.get("StateMachines"), data.get("MockedResponses")
        if not isinstance(machines, Mapping) or not isinstance(responses, Mapping):
            raise MockConfigError(
                f"{source}: both StateMachines and MockedResponses must be objects"
            )
        self._responses = {name: _steps(name, value, source) for name, value in responses.items()}
        self._cases: dict[str, dict[str, dict[str, str]]] = {}
        for machine, entry in machines.items():
            where = f"{source}: StateMachines/{machine}"
            cases = entry.get("TestCases") if isinstance(entry, Mapping) else None
            if not isinstance(cases, Mapping):
                raise MockConfigError(f'{where}: expected {{"TestCases": {{...}}}}')
            self._cases[machine] = {}
            for case, states in cases.items():
                if not isinstance(states, Mapping) or not all(
                    isinstance(v, str) for v in states.values()
                ):
                    raise MockConfigError(
                        f"{where}/TestCases/{case}: expected an object of Task state name "
                        "-> mocked response name"
                    )
                for state, response in states.items():
                    if response not in self._responses:
                        known = ", ".join(sorted(self._responses)) or "none"
                        raise MockConfigError(
                            f"{where}/TestCases/{case}/{state}: no mocked response named "
                            f"'{response}' in MockedResponses (defined: {known})"
                        )
                self._cases[machine][case] = dict(states)

    @classmethod
    def load(cls, path: str | Path) -> MockConfig:
        try:
            data = orjson.loads(Path(path).read_bytes())
        except OSError as exc:
            raise MockConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except orjson.JSONDecodeError as exc:
            raise MockConfigError(f"{path}: not valid JSON: {exc}") from None
        return cls(data, str(path))

    @classmethod
    def of(cls, value: MockConfig | str | Path | Mapping[str, Any]) -> MockConfig:
        """A config from a config, a file path or the parsed document."""
        if isinstance(value, MockConfig):
            return value
        if isinstance(value, str | Path):
            return cls.load(value)
        return cls(value)

    def mocked_states(self, machine: str) -> set[str]:
        """Every state any test case of ``machine`` mocks."""
        return {s for case in self._cases.get(machine, {}).values() for s in case}

    def check_states(self, machine: str, task_states: set[str]) -> None:
        """Refuse test cases naming states that are not Task states of the machine."""
        for case, states in self._cases.get(machine, {}).items():
            unknown = sorted(set(states) - task_states)
            if unknown:
                raise MockConfigError(
                    f"{self.source}: StateMachines/{machine}/TestCases/{case}: "
                    f"{', '.join(repr(s) for s in unknown)} "
                    f"{'is not a Task state' if len(unknown) == 1 else 'are not Task states'} "
                    f"of this state machine (Task states: {', '.join(sorted(task_states))})"
                )

    def test_case(self, machine: str, name: str) -> MockTestCase:
        cases = self._cases.get(machine)
        if cases is None:
            known = ", ".join(sorted(self._cases)) or "none"
            raise MockConfigError(
                f"{self.source}: no state machine named '{machine}' in StateMachines "
                f"(defined: {known}); the state machine's name must match"
            )
        if name not in cases:
            known = ", ".join(sorted(cases)) or "none"
            raise MockConfigError(
                f"{self.source}: state machine '{machine}' has no test case '{name}' "
                f"(defined: {known})"
            )
        states = {s: (r, self._responses[r]) for s, r in cases[name].items()}
        return MockTestCase(machine, name, states)


def _steps(name: str, value: Any, source: str) -> tuple[_Step, ...]:
    where = f"{source}: MockedResponses/{name}"
    if not isinstance(value, Mapping):
        raise MockConfigError(f"{where}: expected an object of invocation keys ('0', '1-2')")
    ranges: list[tuple[int, int, _Step]] = []
    for key, entry in value.items():
        m = _KEY.match(key)
        if m is None:
            raise MockConfigError(
                f"{where}/{key}: an invocation key is a number ('0') or an inclusive range ('1-2')"
            )
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) is not None else first
        if last < first:
            raise MockConfigError(f"{where}/{key}: the range ends before it starts")
        ranges.append((first, last, _step(f"{where}/{key}", entry)))
    ranges.sort(key=lambda r: r[0])
    steps: list[_Step] = []
    for first, last, step in ranges:
        if first != len(steps):
            what = "overlap" if first < len(steps) else "gap"
            raise MockConfigError(
                f"{where}: invocation keys must be consecutive from 0, but there is a {what} "
                f"at invocation {min(first, len(steps))} (a key must start at {len(steps)})"
            )
        steps.extend([step] * (last - first + 1))
    return tuple(steps)


def _step(where: str, entry: Any) -> _Step:
    if (
        not isinstance(entry, Mapping)
        or len(entry) != 1
        or next(iter(entry))
        not in (
            "Return",
            "Throw",
        )
    ):
        raise MockConfigError(f"{where}: a step holds exactly one of Return or Throw")
    if "Return" in entry:
        return _Step(orjson.dumps(entry["Return"]))
    throw = entry["Throw"]
    if not isinstance(throw, Mapping) or not isinstance(throw.get("Error"), str):
        raise MockConfigError(f'{where}/Throw: expected {{"Error": string, "Cause": string}}')
    cause = throw.get("Cause", "")
    if not isinstance(cause, str):
        raise MockConfigError(f"{where}/Throw/Cause: must be a string")
    return _Step(None, throw["Error"], cause)


# --- running a test case ------------------------------------------------------------------------


class _Session:
    """The test case of one execution and its invocation counters (one per state)."""

    __slots__ = ("case", "counts")

    def __init__(self, case: MockTestCase) -> None:
        self.case = case
        self.counts: dict[str, int] = {}

    def answer(self, state: str) -> Any:
        response, steps = self.case.states[state]
        n = self.counts.get(state, 0)
        self.counts[state] = n + 1
        if n >= len(steps):
            err = StatesError(
                ErrorName.RUNTIME,
                f"No mocked response for invocation {n} of state '{state}' in test case "
                f"'{self.case.name}': mocked response '{response}' covers "
                + (f"invocations 0-{len(steps) - 1}." if steps else "no invocation."),
            )
            err.located = True
            err.terminal = True
            raise err
        step = steps[n]
        if step.returned is None:
            assert step.error is not None
            raise TaskFailed(step.error, step.cause or "")
        return orjson.loads(step.returned)


_ACTIVE: contextvars.ContextVar[_Session | None] = contextvars.ContextVar(
    "express_mock_session", default=None
)


def case_active(case: MockTestCase) -> bool:
    session = _ACTIVE.get()
    return session is not None and session.case is case


async def run_test_case(case: MockTestCase, execution: Callable[[], Awaitable[T]]) -> T:
    """Run ``execution()`` with ``case`` active (fresh counters) in this task's context.

    Map and Parallel workers are tasks started from it, so they share the session.
    """
    token = _ACTIVE.set(_Session(case))
    try:
        return await execution()
    finally:
        _ACTIVE.reset(token)


class MockedBinding:
    """A Task state that some test case mocks: answers from the active test case when it
    names this state, otherwise calls the real binding."""

    __slots__ = (
        "_machine",
        "_real",
        "_state",
        "call_sync",
        "heartbeats",
        "label",
        "lambda_events",
        "resource",
    )

    def __init__(self, machine: str, state: str, real: TaskBinding) -> None:
        self._machine = machine
        self._state = state
        self._real = real
        self.resource = real.resource
        self.lambda_events = real.lambda_events
        self.label = real.label
        self.heartbeats: bool = getattr(real, "heartbeats", False)
        self.call_sync: Callable[[Any, TaskCall], Any] | None = (
            self._call_sync if real.call_sync is not None else None
        )

    def _session(self) -> _Session | None:
        session = _ACTIVE.get()
        if (
            session is not None
            and session.case.machine == self._machine
            and self._state in session.case.states
        ):
            return session
        return None

    def _call_sync(self, payload: Any, call: TaskCall) -> Any:
        session = self._session()
        if session is not None:
            return session.answer(self._state)
        assert self._real.call_sync is not None
        return self._real.call_sync(payload, call)

    async def invoke(self, payload: Any, call: TaskCall) -> Any:
        session = self._session()
        if session is not None:
            return session.answer(self._state)
        return await self._real.invoke(payload, call)
