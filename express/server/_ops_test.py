"""TestState: one state run on its own, as the console's "Test state" runs it.

The state is placed in a small machine whose transition targets are stub Pass states, so
the engine runs it unchanged and the stub entered names ``nextState``. Retry is taken out
(AWS does not retry in TestState: a matching retrier makes the status RETRIABLE) and Wait
does not wait. ``variables`` are assigned by a Pass state placed before it. A ``mock``
answers a Task whose ``Resource`` is a direct function or service ARN; a mock for
``lambda:invoke`` is not supported.
"""

from __future__ import annotations

from typing import Any

import orjson

from express.compiler._retry import matches
from express.errors import ApiError, DefinitionError, ErrorName, TaskFailed
from express.runtime._events import HistoryEvent
from express.runtime._machine import StateMachine

from . import _errors
from ._api import Api, dumps, parse_input
from ._wire import Member, check

__all__ = ["OPS"]

TEST_STATE = {
    "definition": Member(str, required=True, min=1, max=1_048_576),
    "roleArn": Member(str, min=1, max=256),
    "input": Member(str, max=262_144),
    "inspectionLevel": Member(str, enum=("INFO", "DEBUG", "TRACE")),
    "revealSecrets": Member(bool),
    "variables": Member(str, max=262_144),
    "stateName": Member(str, min=1, max=80),
    "mock": Member(dict),
    "context": Member(str, max=262_144),
    "stateConfiguration": Member(dict),
}
_VARS = "TestStateVariables"


def _json(text: str, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            "InvalidDefinition",
            f"Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {what}: {exc}'",
        ) from None


def _targets(state: dict[str, Any]) -> list[str]:
    names = [state.get("Next"), state.get("Default")]
    names += [rule.get("Next") for rule in state.get("Choices", ()) if isinstance(rule, dict)]
    names += [c.get("Next") for c in state.get("Catch", ()) if isinstance(c, dict)]
    return [n for n in dict.fromkeys(names) if isinstance(n, str)]


def _machine(p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(the original state, the test machine, the names of its stub states)."""
    definition = _json(p["definition"], "definition")
    if not isinstance(definition, dict):
        raise _errors.invalid_definition([])
    language = None
    name = p.get("stateName")
    if name is not None:
        states = definition.get("States")
        if not isinstance(states, dict) or not isinstance(states.get(name), dict):
            raise _errors.validation("stateName", name, "State not found in the definition")
        original = states[name]
        language = definition.get("QueryLanguage")
    else:
        name, original = "TestState", definition
    state = {k: v for k, v in original.items() if k != "Retry"}
    if state.get("Type") == "Wait":
        for key in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath"):
            state.pop(key, None)
        state["Seconds"] = 0
    stubs = [t for t in _targets(state) if t != name]
    machine: dict[str, Any] = {"StartAt": name, "States": {name: state}}
    for stub in stubs:
        machine["States"][stub] = {"Type": "Pass", "End": True}
    if language is not None:
        machine["QueryLanguage"] = language
    if p.get("variables"):
        variables = _json(p["variables"], "variables")
        if isinstance(variables, dict) and variables:
            machine["States"][_VARS] = {"Type": "Pass", "Assign": variables, "Next": name}
            machine["StartAt"] = _VARS
    return original, machine, stubs


def _mock(original: dict[str, Any], mock: dict[str, Any] | None) -> dict[str, Any]:
    if not mock or original.get("Type") != "Task" or not isinstance(original.get("Resource"), str):
        return {}
    if "errorOutput" in mock:
        err = mock["errorOutput"] or {}

        def fail(_: Any) -> Any:
            raise TaskFailed(str(err.get("error", "")), str(err.get("cause", "")))

        return {original["Resource"]: fail}
    value = parse_input(mock.get("result"))
    return {original["Resource"]: lambda _: value}


def _retrier(original: dict[str, Any], error: str | None) -> tuple[int, float] | None:
    """(index, first back-off) of the retrier AWS would retry ``error`` with, if any."""
    if error in ErrorName.UNCATCHABLE:
        return None
    for i, retrier in enumerate(original.get("Retry") or ()):
        if matches(frozenset(retrier.get("ErrorEquals", ())), error):
            if retrier.get("MaxAttempts", 3) == 0:
                return None
            return i, float(retrier.get("IntervalSeconds", 1))
    return None


def _failure(events: list[HistoryEvent]) -> dict[str, Any] | None:
    for event in reversed(events):
        if event.type.startswith("Execution"):
            continue
        if event.details and "error" in event.details:
            return event.details
    return None


async def test_state(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(TEST_STATE, p)
    original, definition, stubs = _machine(p)
    text = p.get("input")
    data = parse_input(text)
    resources = {**api.resources, **_mock(original, p.get("mock"))}
    try:
        machine = StateMachine(
            definition,
            resources,
            name="TestState",
            role_arn=p.get("roleArn"),
            adapters=api.adapters,
        )
    except DefinitionError as exc:
        raise _errors.invalid_definition(exc.diagnostics) from None
    # TestState runs like any execution: it takes an in-flight slot or is throttled.
    if api.draining or not api.admission.acquire():
        raise _errors.throttled(
            "the server is draining"
            if api.draining
            else f"{api.admission.limit} executions in flight"
        )
    try:
        result = await machine.execute(data, record_events=True)
    finally:
        api.admission.release()
    events = result.events or []
    entered = [
        e.details["name"]
        for e in events
        if e.type == "PassStateEntered" and e.details and e.details.get("name") in stubs
    ]
    failure = _failure(events)
    out: dict[str, Any] = {}
    debug = p.get("inspectionLevel", "INFO") != "INFO"
    inspection: dict[str, Any] = {"input": "{}" if text is None else text}
    for e in events:
        if e.type == "TaskScheduled" and e.details:
            inspection["afterParameters"] = e.details.get("parameters")
        elif e.type in ("TaskSucceeded", "LambdaFunctionSucceeded") and e.details:
            inspection["result"] = e.details.get("output")
    retry = _retrier(original, failure.get("error")) if failure else None
    if failure is not None and retry is not None:
        out["status"] = "RETRIABLE"
        out["error"], out["cause"] = failure.get("error"), failure.get("cause")
        inspection["errorDetails"] = {
            "retryIndex": retry[0],
            "retryBackoffIntervalSeconds": int(retry[1]),
        }
    elif result.status == "SUCCEEDED" and failure is not None:
        out["status"] = "CAUGHT_ERROR"
        out["error"], out["cause"] = failure.get("error"), failure.get("cause")
        out["output"] = dumps(result.output)
        if entered:
            out["nextState"] = entered[0]
    elif result.status == "SUCCEEDED":
        out["status"] = "SUCCEEDED"
        out["output"] = dumps(result.output)
        if entered:
            out["nextState"] = entered[0]
    else:
        out["status"] = "FAILED"
        if result.error is not None:
            out["error"] = result.error
        if result.cause is not None:
            out["cause"] = result.cause
    if debug:
        out["inspectionData"] = inspection
    return out


OPS = {"TestState": test_state}
