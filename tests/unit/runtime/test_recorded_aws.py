"""Executions recorded against real AWS, replayed on express.

Every case below is one execution from LocalStack's AWS-validated snapshot tests
(``tests/aws/services/stepfunctions/v2/**``): the definition is the template the test ran
(``tests/aws/services/stepfunctions/templates/**``), the input is the one the test started
the execution with, and the expected status/output/error/cause is what the snapshot
recorded from AWS. The comment above each case names the snapshot file and its key. None
of them is an exact duplicate of a case in the public conformance corpus (the wait
timestamp cases that are in it there have their cause unchecked; here the recorded cause
is checked too).

Cases that express gets wrong are marked ``xfail(strict=True)`` with what AWS does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import express

pytestmark = pytest.mark.anyio

V2 = "tests/aws/services/stepfunctions/v2"


def ok(output: Any) -> dict[str, Any]:
    return {"status": "SUCCEEDED", "output": output}


def failed(error: str | None, cause: str | None) -> dict[str, Any]:
    return {"status": "FAILED", "error": error, "cause": cause}


def function_pass(comment: str, expression: str) -> dict[str, Any]:
    """LocalStack's intrinsic-function templates: one Pass with ``FunctionResult.$``."""
    return {
        "Comment": comment,
        "StartAt": "State_0",
        "States": {
            "State_0": {
                "Type": "Pass",
                "Parameters": {"FunctionResult.$": expression},
                "End": True,
            }
        },
    }


# --- intrinsic functions ------------------------------------------------------------------

FORMAT_1 = function_pass("FORMAT_1", "States.Format('Formatting argument {}.', $.FunctionInput)")
FORMAT_2 = function_pass(
    "FORMAT_2",
    "States.Format('Formatting arguments fst={} and snd={}.', "
    "$.FunctionInput.fst, $.FunctionInput.snd)",
)
STRING_SPLIT = function_pass(
    "STRING_SPLIT", "States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd)"
)
MATH_ADD = function_pass("MATH_ADD", "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)")
JSON_TEXT = '{"Arg1": 1, "Arg2": []}'

INTRINSICS = [
    # test_generic.snapshot.json TestGeneric::test_format_1 exec_hist_resp_1
    pytest.param(
        FORMAT_1,
        {"FunctionInput": " "},
        ok({"FunctionResult": "Formatting argument  ."}),
        id="format_1-blank",
    ),
    # test_generic.snapshot.json TestGeneric::test_format_1 exec_hist_resp_4
    pytest.param(
        FORMAT_1,
        {"FunctionInput": 1},
        ok({"FunctionResult": "Formatting argument 1."}),
        id="format_1-int",
    ),
    # test_generic.snapshot.json TestGeneric::test_format_1 exec_hist_resp_6
    pytest.param(
        FORMAT_1,
        {"FunctionInput": JSON_TEXT},
        ok({"FunctionResult": 'Formatting argument {"Arg1": 1, "Arg2": []}.'}),
        id="format_1-json-text",
    ),
    # test_generic.snapshot.json TestGeneric::test_format_2 exec_hist_resp_2
    pytest.param(
        FORMAT_2,
        {"FunctionInput": {"fst": "HelloWorld", "snd": "HelloWorld"}},
        ok({"FunctionResult": "Formatting arguments fst=HelloWorld and snd=HelloWorld."}),
        id="format_2-string",
    ),
    # test_generic.snapshot.json TestGeneric::test_format_2 exec_hist_resp_6
    pytest.param(
        FORMAT_2,
        {"FunctionInput": {"fst": JSON_TEXT, "snd": JSON_TEXT}},
        ok(
            {
                "FunctionResult": 'Formatting arguments fst={"Arg1": 1, "Arg2": []} '
                'and snd={"Arg1": 1, "Arg2": []}.'
            }
        ),
        id="format_2-json-text",
    ),
    # test_string_operations.snapshot.json TestStringOperations::test_string_split
    # exec_hist_resp_1
    pytest.param(
        STRING_SPLIT,
        {"FunctionInput": {"fst": " , ", "snd": ","}},
        ok({"FunctionResult": [" ", " "]}),
        id="string_split-blanks",
    ),
    # ... exec_hist_resp_3: only delimiters, so no tokens at all
    pytest.param(
        STRING_SPLIT,
        {"FunctionInput": {"fst": ",,,,", "snd": ","}},
        ok({"FunctionResult": []}),
        id="string_split-only-delimiters",
    ),
    # ... exec_hist_resp_5: every character of the second argument is a delimiter
    pytest.param(
        STRING_SPLIT,
        {"FunctionInput": {"fst": "This.is+a,test=string", "snd": ".+,="}},
        ok({"FunctionResult": ["This", "is", "a", "test", "string"]}),
        id="string_split-delimiter-set",
    ),
    # ... exec_hist_resp_6
    pytest.param(
        STRING_SPLIT,
        {"FunctionInput": {"fst": "split on T and \nnew line", "snd": "T\n"}},
        ok({"FunctionResult": ["split on ", " and ", "new line"]}),
        id="string_split-newline",
    ),
    # test_array.snapshot.json TestArray::test_array_0 exec_hist_resp_0
    pytest.param(
        function_pass("ARRAY_0", "States.Array()"),
        {"FunctionInput": "HelloWorld"},
        ok({"FunctionResult": []}),
        id="array_0",
    ),
    # test_array.snapshot.json TestSfnIntrinsicFunctionsArray::test_array_get_item
    # exec_hist_resp_0
    pytest.param(
        function_pass(
            "ARRAY_GET_ITEM", "States.ArrayGetItem($.FunctionInput.fst, $.FunctionInput.snd)"
        ),
        {"FunctionInput": {"fst": [1, 2, 3, 4, 5, 6, 7, 8, 9], "snd": 5}},
        ok({"FunctionResult": 6}),
        id="array_get_item",
    ),
]

# test_math_operations.snapshot.json TestMathOperations::test_math_add exec_hist_resp_<i>:
# each operand is rounded half up (Java's Math.round) before adding.
MATH_ADD_RECORDED = [
    (0, -9, 3, -6),
    (4, -1.5, -1.51, -3),
    (7, 1.5, 0, 2),
    (8, 1.51, 0, 2),
    (11, -1.51, 0, -2),
    (12, 0.5, 0, 1),
    (14, 2.5, 0, 3),
    (16, -0.5, 0.5, 1),
]
INTRINSICS += [
    pytest.param(
        MATH_ADD,
        {"FunctionInput": {"fst": fst, "snd": snd}},
        ok({"FunctionResult": result}),
        id=f"math_add-{index}",
    )
    for index, fst, snd, result in MATH_ADD_RECORDED
]


# --- context object -----------------------------------------------------------------------

CONTEXT_OBJECT = [
    # context_object/test_context_object.snapshot.json TestSnfBase::test_variable
    pytest.param(
        {
            "Comment": "CONTEXT_OBJECT_VARIABLE",
            "StartAt": "TestState",
            "States": {
                "TestState": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$$.Execution.Input.input-value",
                            "NumericLessThanEquals": 0,
                            "Next": "QuitChoiceMatched",
                        }
                    ],
                    "Default": "QuitNoChoiceMatched",
                },
                "QuitChoiceMatched": {"Type": "Pass", "End": True},
                "QuitNoChoiceMatched": {"Type": "Pass", "End": True},
            },
        },
        {"input-value": 0},
        ok({"input-value": 0}),
        id="context_object-variable",
    ),
    # context_object/test_context_object.snapshot.json TestSnfBase::test_items_path
    pytest.param(
        {
            "Comment": "CONTEXT_OBJECT_INPUT_PATH",
            "StartAt": "TestState",
            "States": {
                "TestState": {
                    "Type": "Map",
                    "ItemsPath": "$$.Execution.Input.input-values",
                    "MaxConcurrency": 1,
                    "ItemProcessor": {
                        "StartAt": "HandleItem",
                        "States": {"HandleItem": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                }
            },
        },
        {"input-values": ["item-0"]},
        ok(["item-0"]),
        id="context_object-items_path",
    ),
]


# --- scenarios (scenarios/test_base_scenarios.snapshot.json) ------------------------------

WAIT_TIMESTAMP_PATH = {
    "Comment": "WAIT_TIMESTAMP_PATH",
    "StartAt": "WaitUntil",
    "States": {"WaitUntil": {"Type": "Wait", "TimestampPath": "$.TimestampValue", "End": True}},
}
WAIT_TIMESTAMP_JSONATA = {
    "Comment": "WAIT_TIMESTAMP_JSONATA",
    "QueryLanguage": "JSONata",
    "StartAt": "WaitState",
    "States": {
        "WaitState": {
            "Type": "Wait",
            "Timestamp": "{% $states.input.TimestampValue %}",
            "End": True,
        }
    },
}
PATH_CAUSE = (
    "An error occurred while executing the state 'WaitUntil' (entered at the event id #2). "
    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
    "date-time format string: $.TimestampValue == "
)
JSONATA_CAUSE = (
    "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
    "string: "
)

WAIT = [
    # TestBaseScenarios::test_wait_timestamp_path[<param>]
    pytest.param(
        WAIT_TIMESTAMP_PATH,
        {"TimestampValue": value},
        failed("States.Runtime", PATH_CAUSE + value),
        id=f"wait_timestamp_path-{param}",
    )
    for param, value in [
        ("INVALID_DATE", "2016-13-05T21:29:29Z"),
        ("INVALID_TIME", "2016-12-05T25:29:29Z"),
        ("INVALID_ISO", "05-12-2016T21:29:29Z"),
        ("NO_T", "2016-12-05 21:29:29Z"),
    ]
] + [
    # TestBaseScenarios::test_wait_timestamp_jsonata[<param>]
    pytest.param(
        WAIT_TIMESTAMP_JSONATA,
        {"TimestampValue": value},
        failed("States.QueryEvaluationError", JSONATA_CAUSE + value),
        id=f"wait_timestamp_jsonata-{param}",
    )
    for param, value in [
        ("INVALID_DATE", "2016-13-05T21:29:29Z"),
        ("INVALID_TIME", "2016-12-05T25:29:29Z"),
        ("INVALID_ISO", "05-12-2016T21:29:29Z"),
        ("NO_T", "2016-12-05 21:29:29Z"),
        ("NO_Z", "2016-12-05T21:29:29"),
    ]
]

PROCESSOR = {
    "ProcessorConfig": {"Mode": "INLINE"},
    "StartAt": "Pass",
    "States": {"Pass": {"Type": "Pass", "End": True}},
}
MAP_STATE_ITEMS = {
    "Comment": "MAP_STATE_ITEMS",
    "QueryLanguage": "JSONata",
    "StartAt": "Start",
    "States": {
        "Start": {"Type": "Pass", "Output": "{% $states.input.items %}", "Next": "MapIterateState"},
        "MapIterateState": {
            "Type": "Map",
            "MaxConcurrency": 1,
            "ItemProcessor": PROCESSOR,
            "End": True,
        },
    },
}


def map_items_literal(items: Any) -> dict[str, Any]:
    return {
        "Comment": "MAP_STATE_ITEMS_LITERAL",
        "QueryLanguage": "JSONata",
        "StartAt": "MapIterateState",
        "States": {
            "MapIterateState": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "Items": items,
                "ItemProcessor": PROCESSOR,
                "End": True,
            }
        },
    }


def map_items_variable(value: Any) -> dict[str, Any]:
    return {
        "Comment": "MAP_STATE_ITEMS_VARIABLE",
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Assign": {"ItemsVar": value}, "Next": "MapIterateState"},
            "MapIterateState": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "Items": "{% $ItemsVar %}",
                "ItemProcessor": PROCESSOR,
                "End": True,
            },
        },
    }


MAP_AT_4 = (
    "An error occurred while executing the state 'MapIterateState' (entered at the event id #4). "
)
MAP_AT_2 = (
    "An error occurred while executing the state 'MapIterateState' (entered at the event id #2). "
)


def items_type_error(at: str, text: str, kind: str, value: str) -> dict[str, Any]:
    return failed(
        "States.QueryEvaluationError",
        f"{at}The JSONata expression '{text}' specified for the field 'Items' returned an "
        f"unexpected result type. Expected 'array', but was '{kind}' for value: {value}",
    )


MAP_ITEMS = [
    # TestBaseScenarios::test_map_state_items_input_types[boolean]
    pytest.param(
        MAP_STATE_ITEMS,
        {"items": True},
        failed(
            "States.QueryEvaluationError",
            MAP_AT_4 + "Map state input must be an array but was: true",
        ),
        id="map_items_input_types-boolean",
    ),
    # TestBaseScenarios::test_map_state_items_input_types[object]
    pytest.param(
        MAP_STATE_ITEMS,
        {"items": {"foo": "bar"}},
        failed(
            "States.QueryEvaluationError",
            MAP_AT_4 + 'Map state input must be an array but was: {"foo":"bar"}',
        ),
        id="map_items_input_types-object",
    ),
    # TestBaseScenarios::test_map_state_items_input_array[empty]
    pytest.param(MAP_STATE_ITEMS, {"items": []}, ok([]), id="map_items_input_array-empty"),
    # TestBaseScenarios::test_map_state_items_input_array[mixed]
    pytest.param(
        MAP_STATE_ITEMS,
        {"items": [1, "two", True]},
        ok([1, "two", True]),
        id="map_items_input_array-mixed",
    ),
    # TestBaseScenarios::test_map_state_items_eval_jsonata_fail[null]
    pytest.param(
        map_items_literal("{% null %}"),
        {},
        items_type_error(MAP_AT_2, "null", "null", "null"),
        id="map_items_eval_jsonata_fail-null",
    ),
    # TestBaseScenarios::test_map_state_items_eval_jsonata_fail[number]
    pytest.param(
        map_items_literal("{% 1 %}"),
        {},
        items_type_error(MAP_AT_2, "1", "number", "1"),
        id="map_items_eval_jsonata_fail-number",
    ),
    # TestBaseScenarios::test_map_state_items_eval_jsonata_fail[function]
    pytest.param(
        map_items_literal("{% $fn := function($x){$x} %}"),
        {},
        failed(
            "States.QueryEvaluationError",
            MAP_AT_2 + "The JSONata expression '$fn := function($x){$x}' specified for the "
            "field 'Items' returned an unsupported result type.",
        ),
        id="map_items_eval_jsonata_fail-function",
    ),
    # TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[null]
    pytest.param(
        map_items_variable("{% null %}"),
        {},
        items_type_error(MAP_AT_4, "$ItemsVar", "null", "null"),
        id="map_items_variable_sampling_fail-null",
    ),
    # TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[string]
    pytest.param(
        map_items_variable("{% 'string' %}"),
        {},
        items_type_error(MAP_AT_4, "$ItemsVar", "string", '"string"'),
        id="map_items_variable_sampling_fail-string",
    ),
    # TestBaseScenarios::test_map_state_items_variable_sampling[boolean]
    pytest.param(
        map_items_variable(True),
        {},
        items_type_error(MAP_AT_4, "$ItemsVar", "boolean", "true"),
        id="map_items_variable_sampling-boolean",
    ),
]

TOLERATED_FAILURE_PERCENTAGE_PATH = {
    "Comment": "MAP_STATE_TOLERATED_FAILURE_PERCENTAGE_PATH",
    "StartAt": "MapState",
    "States": {
        "MapState": {
            "Type": "Map",
            "ItemsPath": "$.Items",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "HandleItem",
                "States": {"HandleItem": {"Type": "Pass", "End": True}},
            },
            "ToleratedFailurePercentagePath": "$.ToleratedFailurePercentage",
            "End": True,
        }
    },
}

MAP_TOLERATED = [
    # TestBaseScenarios::test_map_state_tolerated_failure_percentage_path[<value>]
    pytest.param(
        TOLERATED_FAILURE_PERCENTAGE_PATH,
        {"Items": [0], "ToleratedFailurePercentage": value},
        ok([0]),
        id=f"tolerated_failure_percentage_path-{value}",
    )
    for value in (0, 1, 100)
] + [
    # TestBaseScenarios::test_map_state_tolerated_failure_percentage_path[NoNumber]
    pytest.param(
        TOLERATED_FAILURE_PERCENTAGE_PATH,
        {"Items": [0], "ToleratedFailurePercentage": "NoNumber"},
        failed(
            "States.Runtime",
            "An error occurred while executing the state 'MapState' (entered at the event "
            'id #2). The ToleratedFailurePercentagePath field refers to value "NoNumber" '
            "which is not a valid float: $.ToleratedFailurePercentage",
        ),
        id="tolerated_failure_percentage_path-NoNumber",
    ),
]

PARALLEL = [
    # TestBaseScenarios::test_parallel_state[PARALLEL_STATE]
    pytest.param(
        {
            "Comment": "PARALLEL_STATE",
            "StartAt": "LoadInput",
            "States": {
                "LoadInput": {"Type": "Pass", "Result": [1, 2, 3, 4], "Next": "ParallelState"},
                "ParallelState": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [
                        {
                            "StartAt": "Branch1",
                            "States": {"Branch1": {"Type": "Pass", "End": True}},
                        },
                        {
                            "StartAt": "Branch21",
                            "States": {
                                "Branch21": {"Type": "Pass", "Next": "Branch22"},
                                "Branch22": {"Type": "Pass", "End": True},
                            },
                        },
                        {
                            "StartAt": "Branch31",
                            "States": {
                                "Branch31": {"Type": "Pass", "Next": "Branch32"},
                                "Branch32": {"Type": "Pass", "Next": "Branch33"},
                                "Branch33": {"Type": "Pass", "End": True},
                            },
                        },
                    ],
                },
            },
        },
        {},
        ok([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]),
        id="parallel_state",
    ),
    # TestBaseScenarios::test_parallel_state[PARALLEL_STATE_PARAMETERS]
    pytest.param(
        {
            "StartAt": "TestState",
            "States": {
                "TestState": {
                    "Type": "Parallel",
                    "Parameters": {"static-input-0": 0, "static-input-1": [1]},
                    "End": True,
                    "Branches": [
                        {
                            "StartAt": "Branch0State0",
                            "States": {"Branch0State0": {"Type": "Pass", "End": True}},
                        },
                        {
                            "StartAt": "Branch1State0",
                            "States": {"Branch1State0": {"Type": "Pass", "End": True}},
                        },
                    ],
                }
            },
        },
        {},
        ok(
            [
                {"static-input-0": 0, "static-input-1": [1]},
                {"static-input-0": 0, "static-input-1": [1]},
            ]
        ),
        id="parallel_state-parameters",
    ),
]

FAIL = [
    # TestBaseScenarios::test_fail_error_jsonata: no Cause field, so no cause at all
    pytest.param(
        {
            "Comment": "RAISE_FAILURE_ERROR_JSONATA",
            "QueryLanguage": "JSONata",
            "StartAt": "FailState",
            "States": {"FailState": {"Type": "Fail", "Error": "{% $states.input.error %}"}},
        },
        {"error": "Exception"},
        failed("Exception", None),
        id="fail_error_jsonata",
    ),
    # TestBaseScenarios::test_fail_cause_jsonata: no Error field, so no error at all
    pytest.param(
        {
            "Comment": "RAISE_FAILURE_CAUSE_JSONATA",
            "QueryLanguage": "JSONata",
            "StartAt": "FailState",
            "States": {"FailState": {"Type": "Fail", "Cause": "{% $states.input.cause %}"}},
        },
        {"cause": "This failed to due an Exception."},
        failed(None, "This failed to due an Exception."),
        id="fail_cause_jsonata",
    ),
]

CHOICE_STATE_AWS_SCENARIO = {
    "StartAt": "ChoiceStateX",
    "States": {
        "ChoiceStateX": {
            "Type": "Choice",
            "Choices": [
                {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
                {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
                {
                    "And": [
                        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                        {"Variable": "$.value", "NumericLessThan": 30},
                    ],
                    "Next": "ValueInTwenties",
                },
            ],
            "Default": "DefaultState",
        },
        "Public": {"Type": "Pass", "End": True},
        "ValueIsZero": {"Type": "Pass", "End": True},
        "ValueInTwenties": {"Type": "Pass", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "No Matches!"},
    },
}
CHOICE_STATE_AWS_SCENARIO_JSONATA = {
    "StartAt": "ChoiceStateX",
    "States": {
        "ChoiceStateX": {
            "Type": "Choice",
            "QueryLanguage": "JSONata",
            "Choices": [
                {"Condition": "{% $not($states.input.type = 'Private') %}", "Next": "Public"},
                {"Condition": "{% $states.input.value = 0 %}", "Next": "ValueIsZero"},
                {
                    "Condition": "{% $states.input.value >= 20 and $states.input.value < 30 %}",
                    "Next": "ValueInTwenties",
                },
            ],
            "Default": "DefaultState",
        },
        "Public": {"Type": "Pass", "End": True},
        "ValueIsZero": {"Type": "Pass", "End": True},
        "ValueInTwenties": {"Type": "Pass", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "No Matches!"},
    },
}
CHOICE_STATE_SINGLETON_COMPOSITE = {
    "StartAt": "ChoiceStateX",
    "States": {
        "ChoiceStateX": {
            "Type": "Choice",
            "Choices": [
                {"And": [{"Variable": "$.type", "StringEquals": "Public"}], "Next": "Public"}
            ],
            "Default": "DefaultState",
        },
        "Public": {"Type": "Pass", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "No Matches!"},
    },
}
CHOICE_STATE_SINGLETON_COMPOSITE_JSONATA = {
    "StartAt": "ChoiceState",
    "States": {
        "ChoiceState": {
            "Type": "Choice",
            "QueryLanguage": "JSONata",
            "Choices": [{"Condition": "{% $states.input.type = 'Public' %}", "Next": "Public"}],
            "Default": "DefaultState",
        },
        "Public": {"Type": "Pass", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "No Matches!"},
    },
}

CHOICE = [
    # TestBaseScenarios::test_choice_aws_docs_scenario[CHOICE_STATE_AWS_SCENARIO]
    pytest.param(
        CHOICE_STATE_AWS_SCENARIO,
        {"type": "Private", "value": 22},
        ok({"type": "Private", "value": 22}),
        id="choice_aws_docs_scenario",
    ),
    # TestBaseScenarios::test_choice_aws_docs_scenario[CHOICE_STATE_AWS_SCENARIO_JSONATA]
    pytest.param(
        CHOICE_STATE_AWS_SCENARIO_JSONATA,
        {"type": "Private", "value": 22},
        ok({"type": "Private", "value": 22}),
        id="choice_aws_docs_scenario-jsonata",
    ),
    # TestBaseScenarios::test_choice_singleton_composite[CHOICE_STATE_SINGLETON_COMPOSITE]
    pytest.param(
        CHOICE_STATE_SINGLETON_COMPOSITE,
        {"type": "Public", "value": 22},
        ok({"type": "Public", "value": 22}),
        id="choice_singleton_composite",
    ),
    # TestBaseScenarios::test_choice_singleton_composite[
    #     CHOICE_STATE_SINGLETON_COMPOSITE_JSONATA]
    pytest.param(
        CHOICE_STATE_SINGLETON_COMPOSITE_JSONATA,
        {"type": "Public", "value": 22},
        ok({"type": "Public", "value": 22}),
        id="choice_singleton_composite-jsonata",
    ),
]

# TestBaseScenarios::test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH] (recorded
# 02-02-2025): a bracket-quoted name is taken verbatim; the backslash before '"' is part of
# the key, not an escape.
ESCAPES = [
    pytest.param(
        json.loads(
            r"""{"StartAt": "JsonPathEscapeTest", "States": {"JsonPathEscapeTest": {
            "Type": "Pass", "Parameters": {"value.$": "$['Test\\\"\"Name\"']"},
            "End": true}}}"""
        ),
        json.loads(r"""{"Test\\\"\"Name\"": "Value\"\\"}"""),
        ok({"value": 'Value"\\'}),
        id="escape_sequence_parsing-jsonpath",
    ),
]


@pytest.mark.parametrize(
    ("definition", "data", "expected"),
    [
        *INTRINSICS,
        *CONTEXT_OBJECT,
        *WAIT,
        *MAP_ITEMS,
        *MAP_TOLERATED,
        *PARALLEL,
        *FAIL,
        *CHOICE,
        *ESCAPES,
    ],
)
async def test_recorded_execution(
    definition: dict[str, Any], data: Any, expected: dict[str, Any]
) -> None:
    result = await express.StateMachine(definition).execute(data)
    if expected["status"] == "SUCCEEDED":
        assert (result.status, result.output) == ("SUCCEEDED", expected["output"]), (
            result.error,
            result.cause,
        )
    else:
        assert (result.status, result.error, result.cause) == (
            "FAILED",
            expected["error"],
            expected["cause"],
        )
