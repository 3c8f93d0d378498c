"""Parallel state, from the Developer Guide's Parallel state page and the States Language
spec: every branch gets the same input, the output is an array in branch order, a failing
branch fails the state and stops the others, Retry/Catch/ResultSelector apply to the state."""

from __future__ import annotations

from typing import Any

import pytest

import express

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def branch(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A branch made of ``states`` chained in order."""
    names = [name for name, _ in states]
    out: dict[str, Any] = {}
    for i, (name, given) in enumerate(states):
        node = dict(given)
        if node["Type"] not in ("Succeed", "Fail", "Choice"):
            if i + 1 < len(names):
                node["Next"] = names[i + 1]
            else:
                node["End"] = True
        out[name] = node
    return {"StartAt": names[0], "States": out}


def call(fn: str) -> dict[str, Any]:
    return {"Type": "Task", "Resource": ARN + fn}


def parallel(
    branches: list[dict[str, Any]],
    resources: dict[str, Any] | None = None,
    clock: express.VirtualClock | None = None,
    extra_states: dict[str, Any] | None = None,
    **fields: Any,
) -> express.StateMachine:
    node = {"Type": "Parallel", "Branches": branches, "End": True, **fields}
    return express.StateMachine(
        {"StartAt": "Par", "States": {"Par": node, **(extra_states or {})}},
        resources={ARN + k: v for k, v in (resources or {}).items()},
        clock=clock or express.VirtualClock(start=START),
    )


async def test_results_are_in_branch_order() -> None:
    clock = express.VirtualClock(start=START)

    def after(seconds: float, value: str) -> Any:
        async def fn(d: Any) -> str:
            await clock.sleep(seconds)
            return value

        return fn

    machine = parallel(
        [branch(("A", call("slow"))), branch(("B", call("fast"))), branch(("C", call("mid")))],
        {"slow": after(30, "a"), "fast": after(1, "b"), "mid": after(10, "c")},
        clock,
    )
    result = await machine.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output == ["a", "b", "c"]
    # The branches ran at the same time: the state took as long as the slowest one.
    assert clock.time() - START == 30


async def test_every_branch_gets_the_same_input() -> None:
    machine = parallel(
        [
            branch(("A", {"Type": "Pass", "Parameters": {"a.$": "$.x"}})),
            branch(("B", {"Type": "Pass"})),
        ],
        InputPath="$.in",
    )
    result = await machine.execute({"in": {"x": 1}, "other": 2})
    assert result.output == [{"a": 1}, {"x": 1}]


async def test_parameters_build_the_branch_input() -> None:
    machine = parallel([branch(("A", {"Type": "Pass"}))], Parameters={"v.$": "$.x", "k": 1})
    result = await machine.execute({"x": 5})
    assert result.output == [{"v": 5, "k": 1}]


async def test_spec_example_fun_with_math() -> None:
    machine = parallel(
        [branch(("Add", call("add"))), branch(("Subtract", call("sub")))],
        {"add": lambda d: d[0] + d[1], "sub": lambda d: d[0] - d[1]},
    )
    result = await machine.execute([3, 2])
    assert result.output == [5, 1]


async def test_result_path_and_output_path() -> None:
    machine = parallel(
        [
            branch(("A", {"Type": "Pass", "Result": 1})),
            branch(("B", {"Type": "Pass", "Result": 2})),
        ],
        ResultPath="$.results",
        OutputPath="$.results",
    )
    assert (await machine.execute({"x": 0})).output == [1, 2]


async def test_result_path_merges_into_the_input() -> None:
    machine = parallel([branch(("A", {"Type": "Pass", "Result": 1}))], ResultPath="$.r")
    assert (await machine.execute({"x": 0})).output == {"x": 0, "r": [1]}


async def test_result_selector() -> None:
    machine = parallel(
        [
            branch(("A", {"Type": "Pass", "Result": {"price": 10}})),
            branch(("B", {"Type": "Pass", "Result": {"stock": 3}})),
        ],
        ResultSelector={"price.$": "$[0].price", "stock.$": "$[1].stock"},
    )
    assert (await machine.execute({})).output == {"price": 10, "stock": 3}


async def test_branches_with_several_states() -> None:
    machine = parallel(
        [
            branch(("A1", call("inc")), ("A2", call("inc"))),
            branch(("B1", {"Type": "Wait", "Seconds": 5}), ("B2", call("inc"))),
        ],
        {"inc": lambda n: n + 1},
    )
    assert (await machine.execute(0)).output == [2, 1]


# --- failures -------------------------------------------------------------------------------


async def test_a_failing_branch_fails_the_state_with_its_error() -> None:
    machine = parallel(
        [
            branch(("A", {"Type": "Pass"})),
            branch(("B", {"Type": "Fail", "Error": "BranchError", "Cause": "b failed"})),
        ]
    )
    result = await machine.execute({})
    assert result.status == "FAILED"
    assert result.error == "BranchError"
    assert result.cause == "b failed"


async def test_a_failing_branch_cancels_its_siblings() -> None:
    clock = express.VirtualClock(start=START)
    finished: list[str] = []

    async def slow(d: Any) -> str:
        await clock.sleep(100)
        finished.append("slow")
        return "slow"

    def boom(d: Any) -> Any:
        raise express.TaskFailed("Boom", "now")

    machine = parallel(
        [branch(("Slow", call("slow")), ("After", call("after"))), branch(("Boom", call("boom")))],
        {"slow": slow, "boom": boom, "after": finished.append},
        clock,
    )
    result = await machine.execute({})
    assert result.error == "Boom"
    assert finished == []
    assert clock.time() - START < 100


async def test_a_branch_failing_later_still_cancels_the_others() -> None:
    clock = express.VirtualClock(start=START)
    finished: list[str] = []

    async def fail_after_5(d: Any) -> Any:
        await clock.sleep(5)
        raise express.TaskFailed("Late", "")

    async def slow(d: Any) -> str:
        await clock.sleep(50)
        finished.append("slow")
        return "slow"

    machine = parallel(
        [branch(("S", call("slow"))), branch(("F", call("fail")))],
        {"slow": slow, "fail": fail_after_5},
        clock,
    )
    result = await machine.execute({})
    assert result.error == "Late"
    assert finished == []
    assert clock.time() - START == 5


async def test_catch_on_parallel() -> None:
    machine = parallel(
        [branch(("F", {"Type": "Fail", "Error": "E", "Cause": "c"}))],
        extra_states={"Handler": {"Type": "Pass", "End": True}},
        Catch=[{"ErrorEquals": ["E"], "Next": "Handler", "ResultPath": "$.error"}],
    )
    result = await machine.execute({"in": 1})
    assert result.status == "SUCCEEDED"
    assert result.output == {"in": 1, "error": {"Error": "E", "Cause": "c"}}


async def test_catch_all_on_parallel() -> None:
    machine = parallel(
        [branch(("T", call("boom")))],
        {"boom": lambda d: 1 / 0},
        extra_states={"Handler": {"Type": "Pass", "End": True}},
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handler"}],
    )
    result = await machine.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "ZeroDivisionError"


async def test_retry_on_parallel_reruns_every_branch() -> None:
    clock = express.VirtualClock(start=START)
    calls: list[str] = []

    def flaky(d: Any) -> str:
        calls.append("flaky")
        if calls.count("flaky") == 1:
            raise express.TaskFailed("Flaky", "")
        return "ok"

    def steady(d: Any) -> str:
        calls.append("steady")
        return "steady"

    machine = parallel(
        [branch(("A", call("steady"))), branch(("B", call("flaky")))],
        {"flaky": flaky, "steady": steady},
        clock,
        Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3}],
    )
    result = await machine.execute({})
    assert result.status == "SUCCEEDED"
    assert result.output == ["steady", "ok"]
    assert calls.count("flaky") == 2
    assert calls.count("steady") == 2
    assert clock.time() - START == 3


async def test_catch_inside_a_branch_keeps_the_parallel_running() -> None:
    inner = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": ARN + "boom",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recovered"}],
                "End": True,
            },
            "Recovered": {"Type": "Pass", "Result": "recovered", "End": True},
        },
    }
    machine = parallel(
        [inner, branch(("B", {"Type": "Pass", "Result": "b"}))],
        {"boom": lambda d: 1 / 0},
    )
    result = await machine.execute({})
    assert result.output == ["recovered", "b"]


async def test_parallel_inside_parallel() -> None:
    inner = {
        "StartAt": "Inner",
        "States": {
            "Inner": {
                "Type": "Parallel",
                "Branches": [
                    branch(("X", {"Type": "Pass", "Result": "x"})),
                    branch(("Y", {"Type": "Pass", "Result": "y"})),
                ],
                "End": True,
            }
        },
    }
    machine = parallel([inner, branch(("Z", {"Type": "Pass", "Result": "z"}))])
    assert (await machine.execute({})).output == [["x", "y"], "z"]
