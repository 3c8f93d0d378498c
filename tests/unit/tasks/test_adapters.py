"""The adapter protocol itself: custom adapters, HeartbeatSeconds for adapters that report
progress, and the per-adapter metrics hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import express
from express.tasks import TaskCall

pytestmark = pytest.mark.anyio

RESOURCE = "arn:aws:states:::custom:work"


class Beating:
    """A custom adapter that reports progress ``beats`` times, ``every`` seconds apart."""

    resource = RESOURCE
    lambda_events = False
    label = "custom"
    call_sync: Callable[[Any, TaskCall], Any] | None = None
    heartbeats = True

    def __init__(self, clock: express.VirtualClock, beats: int, every: float) -> None:
        self.clock = clock
        self.beats = beats
        self.every = every

    async def invoke(self, payload: Any, call: TaskCall) -> Any:
        for _ in range(self.beats):
            await self.clock.sleep(self.every)
            call.heartbeat()
        await self.clock.sleep(self.every)
        return {"done": payload, "state": call.state_name}


def task(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": RESOURCE, "End": True, **fields}},
    }


async def run(adapter_args: tuple[int, float], **fields: Any) -> express.ExecutionResult:
    clock = express.VirtualClock()
    try:
        adapter = Beating(clock, *adapter_args)
        machine = express.StateMachine(task(**fields), {RESOURCE: adapter}, clock=clock)
        return await machine.execute(1)
    finally:
        await clock.aclose()


async def test_custom_adapter_object_is_used_as_the_binding() -> None:
    result = await run((0, 1.0))
    assert result.output == {"done": 1, "state": "Work"}


async def test_heartbeats_keep_a_long_task_alive() -> None:
    result = await run((5, 1.5), HeartbeatSeconds=2, TimeoutSeconds=60)
    assert result.status == "SUCCEEDED", result.cause


async def test_missing_heartbeat_is_states_heartbeat_timeout() -> None:
    result = await run((1, 3.0), HeartbeatSeconds=2, TimeoutSeconds=60)
    assert (result.status, result.error) == ("FAILED", "States.HeartbeatTimeout")


async def test_heartbeat_seconds_path() -> None:
    definition = task(HeartbeatSecondsPath="$.hb")
    clock = express.VirtualClock()
    try:
        machine = express.StateMachine(definition, {RESOURCE: Beating(clock, 0, 3.0)}, clock=clock)
        result = await machine.execute({"hb": 2})
    finally:
        await clock.aclose()
    assert result.error == "States.HeartbeatTimeout"


async def test_heartbeat_timeout_is_caught_by_name() -> None:
    clock = express.VirtualClock()
    definition = task(
        HeartbeatSeconds=2,
        Catch=[{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Late"}],
    )
    definition["States"]["Late"] = {"Type": "Pass", "End": True}
    try:
        machine = express.StateMachine(definition, {RESOURCE: Beating(clock, 1, 3.0)}, clock=clock)
        result = await machine.execute(1)
    finally:
        await clock.aclose()
    assert result.output == {"Error": "States.HeartbeatTimeout", "Cause": ""}


async def test_observer_sees_every_adapter_call() -> None:
    calls: list[tuple[str, str]] = []

    def observer(kind: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        calls.append((kind, outcome))

    def fail(event: Any) -> Any:
        raise express.TaskFailed("Boom", "no")

    async def ok(event: Any) -> Any:
        return event

    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::a:b", "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::c:d", "End": True},
        },
    }
    machine = express.StateMachine(
        definition,
        {"arn:aws:states:::a:b": ok, "arn:aws:states:::c:d": fail},
        task_observer=observer,
    )
    result = await machine.execute({})
    assert result.error == "Boom"
    assert calls == [("python", "succeeded"), ("python", "failed")]
