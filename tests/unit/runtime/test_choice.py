"""Choice state end to end, from the Developer Guide's Choice state page (comparison
operators, And/Or/Not, Default, States.NoChoiceMatched) and the States Language spec."""

from __future__ import annotations

from typing import Any

import pytest

import express

from ._support import located

pytestmark = pytest.mark.anyio


def chooser(rules: list[dict[str, Any]], default: bool = True, **choice: Any) -> dict[str, Any]:
    """A Choice named C whose rules go to Pass states that report which one was taken."""
    states: dict[str, Any] = {"C": {"Type": "Choice", "Choices": [], **choice}}
    for i, rule in enumerate(rules):
        target = f"R{i}"
        states["C"]["Choices"].append({**rule, "Next": target})
        states[target] = {"Type": "Pass", "Result": target, "End": True}
    if default:
        states["C"]["Default"] = "D"
        states["D"] = {"Type": "Pass", "Result": "D", "End": True}
    return {"StartAt": "C", "States": states}


async def taken(rules: list[dict[str, Any]], data: Any) -> str:
    result = await express.StateMachine(chooser(rules)).execute(data)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return str(result.output)


@pytest.mark.parametrize(
    ("rule", "data", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "abc"}, {"s": "abc"}, "R0"),
        ({"Variable": "$.s", "StringEquals": "abc"}, {"s": "abd"}, "D"),
        ({"Variable": "$.s", "StringLessThan": "b"}, {"s": "a"}, "R0"),
        ({"Variable": "$.s", "StringGreaterThanEquals": "b"}, {"s": "a"}, "D"),
        ({"Variable": "$.s", "StringMatches": "log-*.txt"}, {"s": "log-2024.txt"}, "R0"),
        ({"Variable": "$.s", "StringMatches": "log-*.txt"}, {"s": "log-2024.csv"}, "D"),
        ({"Variable": "$.n", "NumericEquals": 1}, {"n": 1.0}, "R0"),
        ({"Variable": "$.n", "NumericGreaterThan": 10}, {"n": 10}, "D"),
        ({"Variable": "$.n", "NumericLessThanEquals": 10}, {"n": 10}, "R0"),
        ({"Variable": "$.b", "BooleanEquals": True}, {"b": True}, "R0"),
        ({"Variable": "$.b", "BooleanEquals": False}, {"b": True}, "D"),
        (
            {"Variable": "$.t", "TimestampLessThan": "2024-01-01T00:00:00Z"},
            {"t": "2023-12-31T23:59:59Z"},
            "R0",
        ),
        (
            {"Variable": "$.t", "TimestampEquals": "2024-01-01T00:00:00Z"},
            {"t": "2024-01-01T01:00:00+01:00"},
            "R0",
        ),
        ({"Variable": "$.x", "IsPresent": False}, {"y": 1}, "R0"),
        ({"Variable": "$.x", "IsPresent": True}, {"y": 1}, "D"),
        ({"Variable": "$.x", "IsNull": True}, {"x": None}, "R0"),
        ({"Variable": "$.x", "IsNumeric": True}, {"x": "1"}, "D"),
        ({"Variable": "$.x", "IsString": True}, {"x": "1"}, "R0"),
        ({"Variable": "$.x", "IsBoolean": True}, {"x": 0}, "D"),
        ({"Variable": "$.x", "IsTimestamp": True}, {"x": "2024-01-01T00:00:00Z"}, "R0"),
        ({"Variable": "$.n", "NumericEqualsPath": "$.m"}, {"n": 2, "m": 2}, "R0"),
        ({"Variable": "$.s", "StringEqualsPath": "$.m"}, {"s": "a", "m": "b"}, "D"),
    ],
)
async def test_operator(rule: dict[str, Any], data: Any, expected: str) -> None:
    assert await taken([rule], data) == expected


async def test_operators_do_not_coerce_types() -> None:
    # The interpreter will not match a numeric field against a string value.
    assert await taken([{"Variable": "$.n", "NumericEquals": 1}], {"n": "1"}) == "D"
    assert await taken([{"Variable": "$.s", "StringEquals": "1"}], {"s": 1}) == "D"


async def test_timestamps_are_strings_so_string_equals_matches_them() -> None:
    rule = {"Variable": "$.t", "StringEquals": "2024-01-01T00:00:00Z"}
    assert await taken([rule], {"t": "2024-01-01T00:00:00Z"}) == "R0"


async def test_first_matching_rule_wins() -> None:
    rules = [
        {"Variable": "$.n", "NumericGreaterThan": 100},
        {"Variable": "$.n", "NumericGreaterThan": 1},
        {"Variable": "$.n", "NumericGreaterThan": 0},
    ]
    assert await taken(rules, {"n": 5}) == "R1"


async def test_and_or_not_spec_example() -> None:
    rules = [
        {"Not": {"Variable": "$.type", "StringEquals": "Private"}},
        {
            "And": [
                {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                {"Variable": "$.value", "NumericLessThan": 30},
            ]
        },
    ]
    # From the spec: {"type": "Private", "value": 22} goes to ValueInTwenties.
    assert await taken(rules, {"type": "Private", "value": 22}) == "R1"
    assert await taken(rules, {"type": "Public", "value": 22}) == "R0"
    assert await taken(rules, {"type": "Private", "value": 30}) == "D"


async def test_or() -> None:
    rule = {
        "Or": [
            {"Variable": "$.n", "NumericLessThan": 0},
            {"Variable": "$.n", "NumericGreaterThan": 10},
        ]
    }
    assert await taken([rule], {"n": -1}) == "R0"
    assert await taken([rule], {"n": 11}) == "R0"
    assert await taken([rule], {"n": 5}) == "D"


async def test_nested_combinators() -> None:
    rule = {
        "And": [
            {"Variable": "$.a", "IsPresent": True},
            {
                "Not": {
                    "Or": [
                        {"Variable": "$.a", "StringEquals": "x"},
                        {"Variable": "$.a", "IsNull": True},
                    ]
                }
            },
        ]
    }
    assert await taken([rule], {"a": "y"}) == "R0"
    assert await taken([rule], {"a": "x"}) == "D"
    assert await taken([rule], {"a": None}) == "D"
    assert await taken([rule], {}) == "D"


async def test_default_is_taken_when_nothing_matches() -> None:
    assert await taken([{"Variable": "$.n", "NumericEquals": 1}], {"n": 2}) == "D"


async def test_no_match_without_default_fails_the_execution() -> None:
    # The Developer Guide names States.NoChoiceMatched, but executions on AWS are recorded
    # failing with States.Runtime and this cause (LocalStack/Floci/aws-local-stepfunctions
    # all reproduce the recorded text).
    machine = express.StateMachine(
        chooser([{"Variable": "$.n", "NumericEquals": 1}], default=False)
    )
    result = await machine.execute({"n": 2})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause == located("C", 2) + (
        "Failed to transition out of the state. The state does not point to a next state."
    )


async def test_choice_output_is_its_input() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "E"}],
                },
                "E": {"Type": "Succeed"},
            },
        }
    )
    result = await machine.execute({"n": 1, "other": [1, 2]})
    assert result.output == {"n": 1, "other": [1, 2]}


async def test_input_path_and_output_path_on_choice() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "InputPath": "$.sub",
                    "OutputPath": "$.payload",
                    # The rule sees the InputPath-filtered input: $.n is $.sub.n.
                    "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "E"}],
                    "Default": "F",
                },
                "E": {"Type": "Succeed"},
                "F": {"Type": "Fail", "Error": "Wrong"},
            },
        }
    )
    result = await machine.execute({"n": 2, "sub": {"n": 1, "payload": {"ok": True}}})
    assert result.status == "SUCCEEDED"
    assert result.output == {"ok": True}


async def test_missing_variable_is_a_runtime_error() -> None:
    machine = express.StateMachine(chooser([{"Variable": "$.missing", "NumericEquals": 1}]))
    result = await machine.execute({"n": 1})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


async def test_choice_loop_runs_until_the_condition_changes() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.i", "NumericGreaterThanEquals": 3, "Next": "Done"},
                    ],
                    "Default": "Inc",
                },
                "Inc": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:inc",
                    "Next": "C",
                },
                "Done": {"Type": "Succeed"},
            },
        },
        resources={
            "arn:aws:lambda:us-east-1:123456789012:function:inc": lambda d: {"i": d["i"] + 1}
        },
    )
    result = await machine.execute({"i": 0})
    assert result.output == {"i": 3}
