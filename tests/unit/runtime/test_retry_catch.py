"""Retry and Catch, from the Developer Guide's error-handling page (retrier fields and
defaults, MaxDelaySeconds, JitterStrategy, States.ALL / States.TaskFailed / States.Timeout,
fallback states, error output, ResultPath in a catcher) and the States Language spec's
"complex retry scenarios"; timing is measured on the virtual clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN, located

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0


class Recorder:
    """A resource that fails with the given errors in turn, then returns ``"ok"``.

    It records the virtual time of each call so that the back-off can be checked.
    """

    def __init__(self, clock: express.VirtualClock, errors: Iterable[str | None]) -> None:
        self.clock = clock
        self.errors = iter(errors)
        self.times: list[float] = []
        self.inputs: list[Any] = []

    def __call__(self, data: Any) -> Any:
        self.times.append(self.clock.time() - START)
        self.inputs.append(data)
        error = next(self.errors, None)
        if error is not None:
            raise express.TaskFailed(error, f"{error} cause")
        return "ok"

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in itertools.pairwise(self.times)]


def always(error: str) -> Iterable[str]:
    return itertools.repeat(error)


def machine(
    errors: Iterable[str | None], clock: express.VirtualClock | None = None, **task: Any
) -> tuple[express.StateMachine, Recorder]:
    clock = clock or express.VirtualClock(start=START)
    recorder = Recorder(clock, errors)
    states: dict[str, Any] = {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True, **task}}
    # Fallback states, only those a catcher names (AWS refuses unreachable states).
    targets = {catcher["Next"] for catcher in task.get("Catch", ())}
    if "Z" in targets:
        states["Z"] = {"Type": "Pass", "End": True}
    if "Y" in targets:
        states["Y"] = {"Type": "Pass", "Result": "Y", "End": True}
    definition = {"StartAt": "T", "States": states}
    return (
        express.StateMachine(definition, resources={LAMBDA_ARN: recorder}, clock=clock),
        recorder,
    )


# --- Retry ----------------------------------------------------------------------------------


async def test_retry_defaults_are_interval_1_attempts_3_backoff_2() -> None:
    sm, rec = machine(always("E"), Retry=[{"ErrorEquals": ["E"]}])
    result = await sm.execute({})
    assert result.status == "FAILED"
    assert result.error == "E"
    assert result.cause == "E cause"
    assert rec.times == [0, 1, 3, 7]


async def test_retry_doc_example_waits_3_and_4_5_seconds() -> None:
    retry = {"ErrorEquals": ["E"], "IntervalSeconds": 3, "MaxAttempts": 2, "BackoffRate": 1.5}
    sm, rec = machine(always("E"), Retry=[retry])
    await sm.execute({})
    assert rec.gaps == [3, 4.5]


async def test_retry_succeeds_after_failures() -> None:
    sm, rec = machine(["E", "E"], Retry=[{"ErrorEquals": ["E"], "IntervalSeconds": 2}])
    result = await sm.execute({"in": 1})
    assert result.status == "SUCCEEDED"
    assert result.output == "ok"
    assert rec.times == [0, 2, 6]
    assert rec.inputs == [{"in": 1}] * 3


async def test_max_attempts_zero_never_retries() -> None:
    sm, rec = machine(always("E"), Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 0}])
    result = await sm.execute({})
    assert result.error == "E"
    assert rec.times == [0]


async def test_backoff_rate_one_keeps_the_interval() -> None:
    retry = {"ErrorEquals": ["E"], "IntervalSeconds": 5, "MaxAttempts": 3, "BackoffRate": 1}
    sm, rec = machine(always("E"), Retry=[retry])
    await sm.execute({})
    assert rec.gaps == [5, 5, 5]


async def test_max_delay_seconds_caps_each_delay() -> None:
    retry = {
        "ErrorEquals": ["E"],
        "IntervalSeconds": 2,
        "BackoffRate": 3,
        "MaxAttempts": 4,
        "MaxDelaySeconds": 10,
    }
    sm, rec = machine(always("E"), Retry=[retry])
    await sm.execute({})
    assert rec.gaps == [2, 6, 10, 10]


async def test_full_jitter_delays_are_bounded_by_the_computed_delay() -> None:
    retry = {
        "ErrorEquals": ["E"],
        "IntervalSeconds": 4,
        "BackoffRate": 2,
        "MaxAttempts": 6,
        "JitterStrategy": "FULL",
    }
    sm, rec = machine(always("E"), Retry=[retry])
    result = await sm.execute({})
    assert result.error == "E"
    ceilings = [4, 8, 16, 32, 64, 128]
    assert len(rec.gaps) == len(ceilings)
    assert all(0 <= gap <= ceiling for gap, ceiling in zip(rec.gaps, ceilings, strict=True))
    # Uniform in [0, d]: six draws all exactly at the ceiling would mean no jitter at all.
    assert any(gap < ceiling for gap, ceiling in zip(rec.gaps, ceilings, strict=True))


async def test_full_jitter_respects_max_delay_seconds() -> None:
    retry = {
        "ErrorEquals": ["E"],
        "IntervalSeconds": 10,
        "BackoffRate": 4,
        "MaxAttempts": 5,
        "MaxDelaySeconds": 12,
        "JitterStrategy": "FULL",
    }
    sm, rec = machine(always("E"), Retry=[retry])
    await sm.execute({})
    assert len(rec.gaps) == 5
    assert all(0 <= gap <= 12 for gap in rec.gaps)


async def test_jitter_none_is_exact() -> None:
    retry = {"ErrorEquals": ["E"], "MaxAttempts": 2, "JitterStrategy": "NONE"}
    sm, rec = machine(always("E"), Retry=[retry])
    await sm.execute({})
    assert rec.gaps == [1, 2]


async def test_each_retrier_keeps_its_own_counter_spec_example() -> None:
    # The spec's "complex retry scenarios": errors ErrorA, ErrorB, ErrorC, ErrorB. The first
    # two match the first retrier (waits 1 and 2 s), the third the second retrier (5 s); the
    # fourth matches the first retrier, whose MaxAttempts (2) is spent, so the Catch applies.
    sm, rec = machine(
        ["ErrorA", "ErrorB", "ErrorC", "ErrorB", "ErrorB"],
        Retry=[
            {
                "ErrorEquals": ["ErrorA", "ErrorB"],
                "IntervalSeconds": 1,
                "BackoffRate": 2.0,
                "MaxAttempts": 2,
            },
            {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5},
        ],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
    )
    result = await sm.execute({})
    assert rec.gaps == [1, 2, 5]
    assert result.status == "SUCCEEDED"
    assert result.output == {"Error": "ErrorB", "Cause": "ErrorB cause"}


async def test_backoff_of_a_retrier_continues_across_other_retriers() -> None:
    sm, rec = machine(
        ["A", "B", "A", None],
        Retry=[
            {"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 5},
            {"ErrorEquals": ["B"], "IntervalSeconds": 10, "MaxAttempts": 5},
        ],
    )
    result = await sm.execute({})
    assert result.status == "SUCCEEDED"
    # A: 1 s (first retry of retrier 0), B: 10 s, A: 2 s (second retry of retrier 0).
    assert rec.gaps == [1, 10, 2]


async def test_first_matching_retrier_decides_even_when_spent() -> None:
    # The Developer Guide's "retry any error except States.Timeout" pattern relies on this.
    sm, rec = machine(
        always("E"),
        Retry=[
            {"ErrorEquals": ["E"], "MaxAttempts": 1},
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
        ],
    )
    result = await sm.execute({})
    assert result.error == "E"
    assert len(rec.times) == 2


async def test_states_all_retries_any_error() -> None:
    sm, rec = machine(["Custom.Error", "Other"], Retry=[{"ErrorEquals": ["States.ALL"]}])
    result = await sm.execute({})
    assert result.status == "SUCCEEDED"
    assert len(rec.times) == 3


async def test_states_task_failed_matches_task_errors() -> None:
    sm, rec = machine(["HandledError"], Retry=[{"ErrorEquals": ["States.TaskFailed"]}])
    result = await sm.execute({})
    assert result.status == "SUCCEEDED"
    assert len(rec.times) == 2


async def test_unhandled_lambda_exception_is_matched_by_task_failed() -> None:
    calls: list[Any] = []

    def fn(d: Any) -> Any:
        calls.append(d)
        if len(calls) == 1:
            raise RuntimeError("transient")
        return "second time"

    sm = express.StateMachine(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Retry": [{"ErrorEquals": ["States.TaskFailed"]}],
                    "End": True,
                }
            },
        },
        resources={LAMBDA_ARN: fn},
        clock=express.VirtualClock(),
    )
    result = await sm.execute({})
    assert result.output == "second time"


async def test_retry_does_not_match_other_errors() -> None:
    sm, rec = machine(always("Other"), Retry=[{"ErrorEquals": ["E"]}])
    result = await sm.execute({})
    assert result.error == "Other"
    assert rec.times == [0]


async def test_retry_counters_reset_when_the_state_is_entered_again() -> None:
    clock = express.VirtualClock(start=START)
    # Each visit fails once, then succeeds: MaxAttempts 1 is enough only if counters reset.
    recorder = Recorder(clock, ["E", None, "E", None])
    sm = express.StateMachine(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                    "ResultPath": None,
                    "Next": "Count",
                },
                "Count": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "Flip"}],
                    "Default": "Done",
                },
                "Flip": {"Type": "Pass", "Result": False, "ResultPath": "$.again", "Next": "T"},
                "Done": {"Type": "Succeed"},
            },
        },
        resources={LAMBDA_ARN: recorder},
        clock=clock,
    )
    result = await sm.execute({"again": True})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(recorder.times) == 4


async def test_retry_count_in_the_context_object() -> None:
    sm, rec = machine(
        ["E", "E"],
        Retry=[{"ErrorEquals": ["E"]}],
        Parameters={"attempt.$": "$$.State.RetryCount"},
    )
    result = await sm.execute({})
    assert result.status == "SUCCEEDED"
    assert rec.inputs == [{"attempt": 0}, {"attempt": 1}, {"attempt": 2}]


# --- Timeout and TaskFailed -----------------------------------------------------------------


def timing_out(clock: express.VirtualClock, calls: list[float], **task: Any) -> Any:
    async def slow(d: Any) -> str:
        calls.append(clock.time() - START)
        await clock.sleep(60)
        return "late"

    states: dict[str, Any] = {
        "T": {"Type": "Task", "Resource": LAMBDA_ARN, "TimeoutSeconds": 2, "End": True, **task}
    }
    if "Catch" in task:
        states["Z"] = {"Type": "Pass", "End": True}
    return express.StateMachine(
        {"StartAt": "T", "States": states}, resources={LAMBDA_ARN: slow}, clock=clock
    )


async def test_task_failed_does_not_match_a_timeout_in_retry() -> None:
    clock = express.VirtualClock(start=START)
    calls: list[float] = []
    sm = timing_out(clock, calls, Retry=[{"ErrorEquals": ["States.TaskFailed"]}])
    result = await sm.execute({})
    assert result.error == "States.Timeout"
    assert calls == [0]


async def test_task_failed_does_not_match_a_timeout_in_catch() -> None:
    clock = express.VirtualClock(start=START)
    sm = timing_out(clock, [], Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Z"}])
    result = await sm.execute({})
    assert result.status == "FAILED"
    assert result.error == "States.Timeout"


async def test_states_timeout_is_retried_doc_example() -> None:
    clock = express.VirtualClock(start=START)
    calls: list[float] = []
    retry = {"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2}
    sm = timing_out(clock, calls, Retry=[retry])
    result = await sm.execute({})
    assert result.error == "States.Timeout"
    # Attempt at 0 times out at 2, waits 1; at 3 times out at 5, waits 2; at 7.
    assert calls == [0, 3, 7]


async def test_states_timeout_is_caught() -> None:
    clock = express.VirtualClock(start=START)
    sm = timing_out(clock, [], Catch=[{"ErrorEquals": ["States.Timeout"], "Next": "Z"}])
    result = await sm.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "States.Timeout"


async def test_states_all_catches_a_timeout() -> None:
    clock = express.VirtualClock(start=START)
    sm = timing_out(clock, [], Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Z"}])
    assert (await sm.execute({})).status == "SUCCEEDED"


# --- Catch ----------------------------------------------------------------------------------


async def test_catch_default_result_path_replaces_the_input_with_the_error_output() -> None:
    sm, _ = machine(["E"], Catch=[{"ErrorEquals": ["E"], "Next": "Z"}])
    result = await sm.execute({"original": 1})
    assert result.status == "SUCCEEDED"
    assert result.output == {"Error": "E", "Cause": "E cause"}


async def test_catch_result_path_merges_the_error_output_into_the_input() -> None:
    sm, _ = machine(["E"], Catch=[{"ErrorEquals": ["E"], "Next": "Z", "ResultPath": "$.err"}])
    result = await sm.execute({"original": 1})
    assert result.output == {"original": 1, "err": {"Error": "E", "Cause": "E cause"}}


async def test_catch_result_path_merges_into_the_raw_input_not_the_input_path() -> None:
    sm, _ = machine(
        ["E"],
        InputPath="$.part",
        Catch=[{"ErrorEquals": ["E"], "Next": "Z", "ResultPath": "$.error-info"}],
    )
    result = await sm.execute({"part": {"x": 1}, "other": 2})
    assert result.output == {
        "part": {"x": 1},
        "other": 2,
        "error-info": {"Error": "E", "Cause": "E cause"},
    }


async def test_catchers_are_scanned_in_order() -> None:
    sm, _ = machine(
        ["E"],
        Catch=[
            {"ErrorEquals": ["Other"], "Next": "Z"},
            {"ErrorEquals": ["E"], "Next": "Y"},
            {"ErrorEquals": ["States.ALL"], "Next": "Z"},
        ],
    )
    result = await sm.execute({})
    assert result.output == "Y"


async def test_catcher_with_several_errors() -> None:
    sm, _ = machine(["B"], Catch=[{"ErrorEquals": ["A", "B"], "Next": "Y"}])
    assert (await sm.execute({})).output == "Y"


async def test_no_matching_catcher_fails_the_execution() -> None:
    sm, _ = machine(["E"], Catch=[{"ErrorEquals": ["Other"], "Next": "Z"}])
    result = await sm.execute({})
    assert result.status == "FAILED"
    assert (result.error, result.cause) == ("E", "E cause")


async def test_catch_applies_after_retries_are_exhausted() -> None:
    sm, rec = machine(
        always("E"),
        Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 2}],
        Catch=[{"ErrorEquals": ["E"], "Next": "Z"}],
    )
    result = await sm.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output == {"Error": "E", "Cause": "E cause"}
    assert rec.times == [0, 1, 3]


async def test_catch_of_an_unhandled_exception_carries_the_lambda_error_document() -> None:
    def fn(d: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    sm = express.StateMachine(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Z"}],
                    "End": True,
                },
                "Z": {"Type": "Pass", "End": True},
            },
        },
        resources={LAMBDA_ARN: fn},
    )
    result = await sm.execute({})
    assert result.output["Error"] == "ZeroDivisionError"
    assert '"errorMessage":' in result.output["Cause"]


async def test_result_path_match_failure_can_be_caught() -> None:
    sm, _ = machine(
        [None],
        ResultPath="$.r",
        Catch=[{"ErrorEquals": ["States.ResultPathMatchFailure"], "Next": "Y"}],
    )
    result = await sm.execute([1, 2])
    assert result.status == "SUCCEEDED"
    assert result.output == "Y"


# --- States.Runtime -------------------------------------------------------------------------


async def test_states_runtime_is_never_caught_nor_retried() -> None:
    sm, rec = machine(
        [None],
        Parameters={"v.$": "$.missing"},
        Retry=[{"ErrorEquals": ["States.ALL"]}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
    )
    result = await sm.execute({"a": 1})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert (result.cause or "").startswith(located("T", 2))
    assert rec.times == []


async def test_states_runtime_is_not_caught_by_naming_it() -> None:
    sm, _ = machine(
        [None],
        Parameters={"v.$": "$.missing"},
        Catch=[{"ErrorEquals": ["States.Runtime"], "Next": "Z"}],
    )
    result = await sm.execute({})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
