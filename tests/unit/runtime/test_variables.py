"""Workflow variables and JSONata states, end to end.

Written from the Developer Guide: "Passing data between states with variables" (Assign in
both query languages, evaluation against the values on state entry, ``$name`` in JSONPath
paths, Parameters and intrinsics, scopes of Map and Parallel, Distributed Map isolation,
Catch assigning the outer scope, the size limits) and "Transforming data with JSONata"
(QueryLanguage, ``{% %}`` in every field that takes one, ``$states``), with causes as AWS
records them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import express
from express.compiler import _jsonata

from ._support import LAMBDA_ARN, located

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0
QEE = "States.QueryEvaluationError"


def machine(
    states: dict[str, Any],
    resources: dict[str, Any] | None = None,
    **top: Any,
) -> express.StateMachine:
    return express.StateMachine(
        {"StartAt": next(iter(states)), "States": states, **top},
        resources=resources,
        clock=express.VirtualClock(start=START),
    )


def jsonata(states: dict[str, Any], resources: dict[str, Any] | None = None) -> Any:
    return machine(states, resources, QueryLanguage="JSONata")


async def output(sm: express.StateMachine, data: Any = None) -> Any:
    result = await sm.execute(data if data is not None else {})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


async def failure(sm: express.StateMachine, data: Any = None) -> tuple[Any, Any]:
    result = await sm.execute(data if data is not None else {})
    assert result.status == "FAILED", result.output
    return result.error, result.cause


def identity(event: Any) -> Any:
    return event


def boom(event: Any) -> Any:
    raise express.TaskFailed("Boom", "it broke")


# --- JSONPath: Assign and $name references --------------------------------------------------


async def test_reference_in_parameters_intrinsic_input_and_output_path() -> None:
    sm = machine(
        {
            "Init": {
                "Type": "Pass",
                "Assign": {"name": "World", "obj": {"answer": 42}, "tmpl": "Hello {}!"},
                "Next": "Use",
            },
            "Use": {
                "Type": "Pass",
                "Parameters": {
                    "greeting.$": "States.Format($tmpl, $name)",
                    "answer.$": "$obj.answer",
                },
                "Next": "Paths",
            },
            "Paths": {"Type": "Pass", "InputPath": "$obj", "OutputPath": "$obj", "End": True},
        }
    )
    assert await output(sm) == {"answer": 42}


async def test_reference_in_a_choice_rule() -> None:
    sm = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"guess": "a", "answer": "a"}, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$guess", "StringEqualsPath": "$answer", "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        }
    )
    assert await output(sm) == "yes"


async def test_every_assign_reads_the_values_on_state_entry() -> None:
    # The swap from the Developer Guide: both values are read before either is written.
    sm = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"x": 1, "y": 2}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": {"x.$": "$y", "y.$": "$x"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y"}, "End": True},
        }
    )
    assert await output(sm) == {"x": 2, "y": 1}


async def test_output_path_reads_variables_before_the_state_assigns_them() -> None:
    sm = machine(
        {
            "S0": {"Type": "Pass", "Assign": {"answer": 42}, "Next": "S1"},
            "S1": {
                "Type": "Pass",
                "InputPath": "$answer",
                "ResultPath": "$.theAnswer",
                "OutputPath": "$answer",
                "Assign": {"answer": "<omitted>"},
                "End": True,
            },
        }
    )
    assert await output(sm) == 42


async def test_pass_assign_reads_its_result_not_its_input() -> None:
    sm = machine(
        {
            "R": {
                "Type": "Pass",
                "Result": {"v": 1},
                "ResultPath": "$.r",
                "Assign": {"fromResult.$": "$.v"},
                "Next": "P",
            },
            "P": {
                "Type": "Pass",
                "Parameters": {"w.$": "$.r.v"},
                "Assign": {"fromParameters.$": "$.w"},
                "Next": "Show",
            },
            "Show": {
                "Type": "Pass",
                "Parameters": {"a.$": "$fromResult", "b.$": "$fromParameters"},
                "End": True,
            },
        }
    )
    assert await output(sm, {"in": 0}) == {"a": 1, "b": 1}


async def test_task_assign_reads_the_raw_result() -> None:
    sm = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "ResultSelector": {"selected.$": "$.v"},
                "Assign": {"raw.$": "$.v"},
                "Next": "Show",
            },
            "Show": {"Type": "Pass", "Parameters": {"raw.$": "$raw", "out.$": "$"}, "End": True},
        },
        {LAMBDA_ARN: identity},
    )
    assert await output(sm, {"v": 7}) == {"raw": 7, "out": {"selected": 7}}


async def test_jsonpath_catch_assign_reads_the_error_output() -> None:
    sm = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Assign": {"never": 1},
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "Next": "D"}
                ],
                "End": True,
            },
            "D": {"Type": "Pass", "Parameters": {"err.$": "$err"}, "End": True},
        },
        {LAMBDA_ARN: boom},
    )
    assert await output(sm) == {"err": "Boom"}


async def test_an_unassigned_variable_fails_at_run_time() -> None:
    sm = machine({"P": {"Type": "Pass", "Parameters": {"v.$": "$missing"}, "End": True}})
    assert sm.warnings and sm.warnings[0].code == "UNDEFINED_VARIABLE_REFERENCE"
    error, _ = await failure(sm)
    assert error == "States.Runtime"


# --- scopes ---------------------------------------------------------------------------------


def _map(processor_states: dict[str, Any], **fields: Any) -> dict[str, Any]:
    start = next(iter(processor_states))
    return {
        "Type": "Map",
        "ItemProcessor": {"StartAt": start, "States": processor_states, **fields.pop("pc", {})},
        **fields,
    }


async def test_map_iterations_read_outer_variables_and_do_not_leak_theirs() -> None:
    sm = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"bias": 10, "items": [1, 2]}, "Next": "M"},
            "M": _map(
                {
                    "Inner": {
                        "Type": "Pass",
                        "Parameters": {"v.$": "States.MathAdd($, $bias)"},
                        "Assign": {"bias": 0, "innerOnly": True},
                        "End": True,
                    }
                },
                ItemsPath="$items",
                Next="After",
            ),
            "After": {
                "Type": "Pass",
                "Parameters": {"bias.$": "$bias", "results.$": "$"},
                "End": True,
            },
        }
    )
    assert await output(sm) == {"bias": 10, "results": [{"v": 11}, {"v": 12}]}


async def test_parallel_branches_are_isolated_from_each_other_and_the_outer_scope() -> None:
    def branch(n: int) -> dict[str, Any]:
        return {
            "StartAt": f"B{n}",
            "States": {
                f"B{n}": {"Type": "Pass", "Assign": {"x": n}, "Next": f"C{n}"},
                f"C{n}": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": True},
            },
        }

    sm = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Par"},
            "Par": {"Type": "Parallel", "Branches": [branch(2), branch(3)], "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"x.$": "$x", "r.$": "$"}, "End": True},
        }
    )
    assert await output(sm) == {"x": 1, "r": [{"x": 2}, {"x": 3}]}


async def test_a_catch_on_a_map_assigns_the_outer_scope() -> None:
    sm = machine(
        {
            "M": _map(
                {"F": {"Type": "Fail", "Error": "Inner", "Cause": "c"}},
                Catch=[
                    {"ErrorEquals": ["States.ALL"], "Assign": {"caught.$": "$.Error"}, "Next": "D"}
                ],
                End=True,
            ),
            "D": {"Type": "Pass", "Parameters": {"caught.$": "$caught"}, "End": True},
        }
    )
    assert await output(sm, [1]) == {"caught": "Inner"}


async def test_a_distributed_map_iteration_cannot_read_outer_variables() -> None:
    sm = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
            "M": _map(
                {"P": {"Type": "Pass", "InputPath": "$outer", "End": True}},
                pc={"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}},
                End=True,
            ),
        }
    )
    error, _ = await failure(sm, [1])
    assert error == "States.Runtime"


# --- limits ---------------------------------------------------------------------------------


async def test_a_variable_over_256_kib_fails_the_execution() -> None:
    sm = machine(
        {"P": {"Type": "Pass", "Assign": {"big.$": "States.Array($.s, $.s)"}, "End": True}}
    )
    error, cause = await failure(sm, {"s": "a" * 200_000})
    assert error == "States.DataLimitExceeded"
    assert "'big'" in cause


async def test_one_assign_over_256_kib_fails() -> None:
    sm = machine({"P": {"Type": "Pass", "Assign": {"a.$": "$.s", "b.$": "$.s"}, "End": True}})
    error, _ = await failure(sm, {"s": "a" * 140_000})
    assert error == "States.DataLimitExceeded"


async def test_all_variables_over_10_mib_fail() -> None:
    chunk = "a" * 250_000
    states: dict[str, Any] = {}
    for i in range(45):
        states[f"S{i}"] = {"Type": "Pass", "Assign": {f"v{i}.$": "$.s"}, "Next": f"S{i + 1}"}
    states["S45"] = {"Type": "Succeed"}
    error, cause = await failure(machine(states), {"s": chunk})
    assert error == "States.DataLimitExceeded"
    assert "10485760" in cause


async def test_a_variable_name_over_80_characters_is_refused() -> None:
    with pytest.raises(express.DefinitionError):
        machine({"P": {"Type": "Pass", "Assign": {"v" * 81: 1}, "End": True}})


# --- QueryLanguage --------------------------------------------------------------------------


async def test_a_jsonpath_machine_may_upgrade_one_state() -> None:
    sm = machine(
        {
            "A": {"Type": "Pass", "Parameters": {"x.$": "$.in"}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.x * 2 %}",
                "End": True,
            },
        }
    )
    assert await output(sm, {"in": 21}) == 42


async def test_a_jsonata_machine_cannot_downgrade_a_state() -> None:
    with pytest.raises(express.DefinitionError) as info:
        jsonata({"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}})
    assert "can not be 'JSONPath'" in str(info.value)


async def test_states_inside_a_map_follow_the_machine_not_the_map() -> None:
    # A JSONata Map in a JSONPath machine: its processor's states are JSONPath.
    sm = machine(
        {
            "M": {
                "Type": "Map",
                "QueryLanguage": "JSONata",
                "Items": "{% $states.input.xs %}",
                "ItemProcessor": {
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
                },
                "End": True,
            }
        }
    )
    assert await output(sm, {"xs": [1, 2]}) == [{"v": 1}, {"v": 2}]


# --- JSONata fields -------------------------------------------------------------------------


async def test_arguments_output_and_assign_with_nested_expressions() -> None:
    sm = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"k": 1}, "Next": "T"},
            "T": {
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": LAMBDA_ARN,
                "Arguments": {
                    "literal": "$.not.a.path",
                    "nested": {"list": [1, "{% $states.input.a %}", {"k": "{% $k %}"}]},
                    "spaced": " {% not an expression %} ",
                },
                "Output": {"input": "{% $states.input %}", "result": "{% $states.result %}"},
                "Assign": {"k": "{% $k + 1 %}", "seen": "{% $states.result.nested.list[1] %}"},
                "Next": "Show",
            },
            "Show": {"Type": "Pass", "Parameters": {"k.$": "$k", "seen.$": "$seen"}, "End": True},
        },
        {LAMBDA_ARN: identity},
    )
    assert await output(sm, {"a": "A"}) == {"k": 2, "seen": "A"}


async def test_output_and_arguments_of_a_task() -> None:
    sm = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Arguments": "{% {'doubled': $states.input.n * 2} %}",
                "Output": "{% $states.result.doubled + $states.input.n %}",
                "End": True,
            }
        },
        {LAMBDA_ARN: identity},
    )
    assert await output(sm, {"n": 5}) == 15


async def test_without_output_a_task_returns_its_result_and_a_pass_its_input() -> None:
    sm = jsonata(
        {
            "P": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": LAMBDA_ARN, "Arguments": {"r": 1}, "End": True},
        },
        {LAMBDA_ARN: identity},
    )
    assert await output(sm, {"x": 1}) == {"r": 1}


async def test_context_is_available_as_states_context() -> None:
    sm = jsonata({"P": {"Type": "Pass", "Output": "{% $states.context.State.Name %}", "End": True}})
    assert await output(sm) == "P"


async def test_choice_condition_with_rule_and_state_level_output_and_assign() -> None:
    states = {
        "C": {
            "Type": "Choice",
            "Choices": [
                {
                    "Condition": "{% $states.input.n > 10 %}",
                    "Output": {"rule": "{% $states.input.n %}"},
                    "Assign": {"which": "rule"},
                    "Next": "Show",
                },
                {"Condition": "{% $states.input.n = 0 %}", "Next": "Show"},
            ],
            "Default": "Show",
            "Output": "default output",
            "Assign": {"which": "default"},
        },
        "Show": {
            "Type": "Pass",
            "Output": {"out": "{% $states.input %}", "which": "{% $which %}"},
            "End": True,
        },
    }
    sm = jsonata({"Init": {"Type": "Pass", "Assign": {"which": "none"}, "Next": "C"}, **states})
    assert await output(sm, {"n": 11}) == {"out": {"rule": 11}, "which": "rule"}
    # A matched rule without Output passes its input on, and no Assign applies.
    assert await output(sm, {"n": 0}) == {"out": {"n": 0}, "which": "none"}
    assert await output(sm, {"n": 5}) == {"out": "default output", "which": "default"}


async def test_a_condition_must_be_a_boolean() -> None:
    sm = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.v %}", "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        }
    )
    error, cause = await failure(sm, {"v": "yes"})
    assert error == QEE
    assert cause == located("C", 2) + (
        "The JSONata expression '$states.input.v' specified for the field "
        "'Choices[0]/Condition' returned an unexpected result type. Expected 'boolean', but "
        "was 'string' for value: \"yes\""
    )


async def test_map_items_item_selector_and_limits_as_expressions() -> None:
    sm = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "M"},
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value * $factor %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                },
                "MaxConcurrency": "{% $states.input.width %}",
                "ToleratedFailureCount": "{% 0 %}",
                "ToleratedFailurePercentage": "{% 100 %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "Output": "{% $states.result.value %}",
                "End": True,
            },
        }
    )
    assert await output(sm, {"xs": [1, 2, 3], "width": 2}) == [10, 20, 30]


async def test_map_items_of_the_wrong_type() -> None:
    sm = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% {'foo': 'bar'} %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        }
    )
    assert await failure(sm) == (
        QEE,
        located("M", 2)
        + "The JSONata expression '{'foo': 'bar'}' specified for the field 'Items' returned "
        "an unexpected result type. Expected 'array', but was 'object' for value: "
        '{"foo":"bar"}',
    )


async def test_a_map_without_items_needs_an_array_input() -> None:
    sm = jsonata(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        }
    )
    assert await failure(sm, {"a": 1}) == (
        QEE,
        located("M", 2) + 'Map state input must be an array but was: {"a":1}',
    )


async def test_wait_seconds_and_timestamp_as_expressions() -> None:
    clock = express.VirtualClock(start=START)
    sm = express.StateMachine(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "W1",
            "States": {
                "W1": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "W2"},
                "W2": {"Type": "Wait", "Timestamp": "{% $states.input.t %}", "End": True},
            },
        },
        clock=clock,
    )
    result = await sm.execute({"s": 10, "t": "2023-11-14T22:15:00Z"})
    assert result.status == "SUCCEEDED"
    assert clock.time() == pytest.approx(1_700_000_100.0)


async def test_wait_timestamp_must_be_an_rfc_3339_timestamp() -> None:
    sm = jsonata({"W": {"Type": "Wait", "Timestamp": "{% $states.input.t %}", "End": True}})
    error, _ = await failure(sm, {"t": "2016-12-05 21:29:29Z"})
    assert error == QEE


async def test_fail_error_and_cause_as_expressions() -> None:
    sm = jsonata(
        {
            "F": {
                "Type": "Fail",
                "Error": "{% $states.input.code %}",
                "Cause": "{% 'because ' & $states.input.why %}",
            }
        }
    )
    assert await failure(sm, {"code": "E1", "why": "reasons"}) == ("E1", "because reasons")


async def test_task_timeout_as_an_expression_reads_the_state_input() -> None:
    clock = express.VirtualClock(start=START)

    async def slow(event: Any) -> Any:
        await clock.sleep(5)
        return event

    sm = express.StateMachine(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA_ARN,
                    "Arguments": {"other": 1},
                    "TimeoutSeconds": "{% $states.input.limit %}",
                    "HeartbeatSeconds": "{% 1 %}",
                    "End": True,
                }
            },
        },
        resources={LAMBDA_ARN: slow},
        clock=clock,
    )
    result = await sm.execute({"limit": 2})
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


async def test_catch_output_and_assign_see_the_error_output() -> None:
    sm = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Assign": {"never": 1},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": {"in": "{% $states.input %}", "err": "{% $states.errorOutput %}"},
                        "Assign": {"error": "{% $states.errorOutput.Error %}"},
                        "Next": "D",
                    }
                ],
                "End": True,
            },
            "D": {
                "Type": "Pass",
                "Output": {"out": "{% $states.input %}", "error": "{% $error %}"},
                "End": True,
            },
        },
        {LAMBDA_ARN: boom},
    )
    assert await output(sm, {"x": 1}) == {
        "out": {"in": {"x": 1}, "err": {"Error": "Boom", "Cause": "it broke"}},
        "error": "Boom",
    }


async def test_parallel_arguments_feed_every_branch() -> None:
    def branch(name: str) -> dict[str, Any]:
        return {"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}}

    sm = jsonata(
        {
            "P": {
                "Type": "Parallel",
                "Arguments": {"v": "{% $states.input.v + 1 %}"},
                "Branches": [branch("B1"), branch("B2")],
                "Output": "{% $states.result.v %}",
                "End": True,
            }
        }
    )
    assert await output(sm, {"v": 1}) == [2, 2]


# --- JSONata errors -------------------------------------------------------------------------


async def test_an_undefined_assign_fails_as_aws_records_it() -> None:
    sm = jsonata(
        {"State0": {"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}, "End": True}}
    )
    assert await failure(sm) == (
        QEE,
        "An error occurred while executing the state 'State0' (entered at the event id #2). "
        "The JSONata expression '$doesNotExist' specified for the field 'Assign/result' "
        "returned nothing (undefined).",
    )


async def test_a_nested_undefined_names_its_path() -> None:
    sm = jsonata({"S": {"Type": "Pass", "Output": {"a": {"b": [0, "{% $nope %}"]}}, "End": True}})
    _, cause = await failure(sm)
    assert "specified for the field 'Output/a/b[1]' returned nothing" in cause


async def test_a_query_evaluation_error_can_be_caught() -> None:
    sm = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA_ARN,
                "Output": "{% $states.result.missing %}",
                "Catch": [{"ErrorEquals": [QEE], "Next": "D"}],
                "End": True,
            },
            "D": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": True},
        },
        {LAMBDA_ARN: identity},
    )
    assert await output(sm) == QEE


async def test_an_evaluation_failure_is_recorded_as_an_event() -> None:
    sm = jsonata({"S": {"Type": "Pass", "Output": "{% $nope %}", "End": True}})
    result = await sm.execute({}, record_events=True)
    assert result.events is not None
    assert [e.type for e in result.events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "EvaluationFailed",
        "ExecutionFailed",
    ]


@pytest.fixture
def short_timeout() -> Iterator[None]:
    saved = _jsonata.LIMITS.timeout_ms
    _jsonata.LIMITS.timeout_ms = 50
    try:
        yield
    finally:
        _jsonata.LIMITS.timeout_ms = saved


@pytest.mark.parametrize(
    "expression",
    [
        "[1..10000000]",
        "$range(0, 100000000, 1)",
        "($f := function($n){ 1 + $f($n + 1) }; $f(0))",
        "($f := function($n){ $f($n + 1) }; $f(0))",
        "$pad('x', 2000000000)",
    ],
)
async def test_a_runaway_expression_ends_with_an_error(
    expression: str, short_timeout: None
) -> None:
    sm = jsonata({"S": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}})
    error, cause = await failure(sm)
    assert error == QEE
    assert "threw an error during evaluation" in cause


async def test_expressions_are_compiled_once_per_definition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sm = jsonata({"S": {"Type": "Pass", "Output": "{% $states.input.n + 1 %}", "End": True}})

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled during an execution")

    monkeypatch.setattr(_jsonata.jsonatapy, "compile", refuse)
    for n in range(3):
        assert await output(sm, {"n": n}) == n + 1
