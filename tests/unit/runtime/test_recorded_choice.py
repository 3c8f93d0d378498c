"""Choice-rule comparison operators against AWS-recorded outcomes.

Every row is one execution recorded against real AWS by LocalStack's snapshot tests
``tests/aws/services/stepfunctions/v2/choice_operators/test_*.py`` (snapshot files
``test_numeric.snapshot.json``, ``test_is_operators.snapshot.json``,
``test_boolean_equals.snapshot.json``, ``test_string_operators.snapshot.json`` and
``test_timestamp_operators.snapshot.json``, key ``<Class>::test_<name>``, entry
``cases/<index>``). The machine is LocalStack's ``BASE_TEMPLATE``: one Choice rule
``{"Variable": "$.Variable", <operator>: <value or "$.Value">}`` choosing between two Pass
states; the input is ``{"Variable": ..., "Value": ...}``. Rows that are exact duplicates of
a case in the public conformance corpus are left out; the timestamps the snapshots show as
``"date"`` are the literals LocalStack's test modules pass.
"""

from __future__ import annotations

from typing import Any

import pytest

import express

pytestmark = pytest.mark.anyio


def base_template(operator: str, value: Any, literal: bool) -> dict[str, Any]:
    """LocalStack's choice-operator ``BASE_TEMPLATE`` with the operator filled in."""
    rule = {"Variable": "$.Variable", operator: value if literal else "$.Value"}
    return {
        "Comment": "BASE_TEMPLATE",
        "StartAt": "CheckValues",
        "States": {
            "CheckValues": {
                "Type": "Choice",
                "Choices": [{**rule, "Next": "ConditionTrue"}],
                "Default": "ConditionFalse",
            },
            "ConditionTrue": {
                "Type": "Pass",
                "Result": {"TestResult.$": "ConditionTrue"},
                "End": True,
            },
            "ConditionFalse": {
                "Type": "Pass",
                "Result": {"TestResult.$": "ConditionFalse"},
                "End": True,
            },
        },
    }


# (test, cases index, operator, literal Value in the definition (else "$.Value"),
#  Variable, Value, AWS chose ConditionTrue)
RECORDED: list[tuple[str, int, str, bool, Any, Any, bool]] = [
    ("numeric_equals", 0, "NumericEquals", True, None, 0, False),
    ("numeric_equals", 2, "NumericEquals", True, None, 1, False),
    ("numeric_equals", 4, "NumericEquals", True, 0, 0, True),
    ("numeric_equals", 5, "NumericEquals", True, 0, 0.0, True),
    ("numeric_equals", 9, "NumericEquals", True, 0.0, 0.0, True),
    ("numeric_equals", 10, "NumericEquals", True, 0.0, 1, False),
    ("numeric_equals", 12, "NumericEquals", True, 1, 0, False),
    ("numeric_equals", 14, "NumericEquals", True, 1, 1, True),
    ("numeric_equals", 16, "NumericEquals", True, 1.1, 0, False),
    ("numeric_equals", 18, "NumericEquals", True, 1.1, 1, False),
    ("numeric_equals", 20, "NumericEquals", True, "", 0, False),
    ("numeric_equals", 22, "NumericEquals", True, "", 1, False),
    ("numeric_equals", 29, "NumericEquals", True, [], 0.0, False),
    ("numeric_equals", 31, "NumericEquals", True, [], 1.0, False),
    ("numeric_equals", 32, "NumericEquals", True, [""], 0, False),
    ("numeric_equals", 34, "NumericEquals", True, [""], 1, False),
    ("numeric_equals", 37, "NumericEquals", True, {}, 0.0, False),
    ("numeric_equals", 41, "NumericEquals", True, {"A": 0}, 0.0, False),
    ("numeric_equals", 43, "NumericEquals", True, {"A": 0}, 1.0, False),
    ("numeric_equals", 44, "NumericEquals", True, False, 0, False),
    ("numeric_equals", 47, "NumericEquals", True, False, 1.0, False),
    ("numeric_equals", 48, "NumericEquals", True, True, 0, False),
    ("numeric_equals", 50, "NumericEquals", True, True, 1, False),
    ("numeric_equals_path", 0, "NumericEqualsPath", False, None, 0, False),
    ("numeric_equals_path", 3, "NumericEqualsPath", False, None, 1.0, False),
    ("numeric_equals_path", 4, "NumericEqualsPath", False, 0, 0, True),
    ("numeric_equals_path", 8, "NumericEqualsPath", False, 0.0, 0, True),
    ("numeric_equals_path", 10, "NumericEqualsPath", False, 0.0, 1, False),
    ("numeric_equals_path", 13, "NumericEqualsPath", False, 1, 0.0, False),
    ("numeric_equals_path", 15, "NumericEqualsPath", False, 1, 1.0, True),
    ("numeric_equals_path", 16, "NumericEqualsPath", False, 1.1, 0, False),
    ("numeric_equals_path", 17, "NumericEqualsPath", False, 1.1, 0.0, False),
    ("numeric_equals_path", 20, "NumericEqualsPath", False, "", 0, False),
    ("numeric_equals_path", 22, "NumericEqualsPath", False, "", 1, False),
    ("numeric_equals_path", 24, "NumericEqualsPath", False, " ", 0, False),
    ("numeric_equals_path", 25, "NumericEqualsPath", False, " ", 0.0, False),
    ("numeric_equals_path", 27, "NumericEqualsPath", False, " ", 1.0, False),
    ("numeric_equals_path", 28, "NumericEqualsPath", False, [], 0, False),
    ("numeric_equals_path", 30, "NumericEqualsPath", False, [], 1, False),
    ("numeric_equals_path", 31, "NumericEqualsPath", False, [], 1.0, False),
    ("numeric_equals_path", 33, "NumericEqualsPath", False, [""], 0.0, False),
    ("numeric_equals_path", 36, "NumericEqualsPath", False, {}, 0, False),
    ("numeric_equals_path", 40, "NumericEqualsPath", False, {"A": 0}, 0, False),
    ("numeric_equals_path", 41, "NumericEqualsPath", False, {"A": 0}, 0.0, False),
    ("numeric_equals_path", 42, "NumericEqualsPath", False, {"A": 0}, 1, False),
    ("numeric_equals_path", 43, "NumericEqualsPath", False, {"A": 0}, 1.0, False),
    ("numeric_equals_path", 47, "NumericEqualsPath", False, False, 1.0, False),
    ("numeric_greater_than", 3, "NumericGreaterThan", True, 1, 1, False),
    ("numeric_greater_than", 4, "NumericGreaterThan", True, 1, 0, True),
    ("numeric_greater_than_path", 0, "NumericGreaterThanPath", False, 0, 0, False),
    ("numeric_greater_than_path", 3, "NumericGreaterThanPath", False, 1, 1, False),
    ("numeric_greater_than_path", 4, "NumericGreaterThanPath", False, 1, 0, True),
    ("numeric_greater_than_equals", 0, "NumericGreaterThanEquals", True, 0, 0, True),
    ("numeric_greater_than_equals_path", 0, "NumericGreaterThanEqualsPath", False, 0, 0, True),
    ("numeric_greater_than_equals_path", 4, "NumericGreaterThanEqualsPath", False, 1, 0, True),
    ("numeric_less_than", 2, "NumericLessThan", True, 0, 1, True),
    ("numeric_less_than_path", 2, "NumericLessThanPath", False, 0, 1, True),
    ("numeric_less_than_equals", 2, "NumericLessThanEquals", True, 0, 1, True),
    ("numeric_less_than_equals_path", 2, "NumericLessThanEqualsPath", False, 0, 1, True),
    ("numeric_less_than_equals_path", 3, "NumericLessThanEqualsPath", False, 1, 1, True),
    ("numeric_less_than_equals_path", 4, "NumericLessThanEqualsPath", False, 1, 0, False),
    ("is_boolean", 4, "IsBoolean", True, 0.0, True, False),
    ("is_boolean", 5, "IsBoolean", True, 0.0, False, True),
    ("is_boolean", 8, "IsBoolean", True, 1.1, True, False),
    ("is_boolean", 9, "IsBoolean", True, 1.1, False, True),
    ("is_boolean", 15, "IsBoolean", True, "HelloWorld", False, True),
    ("is_boolean", 19, "IsBoolean", True, "2012-10-09T19:00:55Z", False, True),
    ("is_boolean", 20, "IsBoolean", True, "2012-10-09T19:00:55+01:00", True, False),
    ("is_boolean", 24, "IsBoolean", True, [], True, False),
    ("is_boolean", 27, "IsBoolean", True, [""], False, True),
    ("is_boolean", 32, "IsBoolean", True, True, True, True),
    ("is_boolean", 33, "IsBoolean", True, False, True, True),
    ("is_null", 3, "IsNull", True, 0, False, True),
    ("is_null", 5, "IsNull", True, 0.0, False, True),
    ("is_null", 11, "IsNull", True, "", False, True),
    ("is_null", 12, "IsNull", True, " ", True, False),
    ("is_null", 13, "IsNull", True, " ", False, True),
    ("is_null", 17, "IsNull", True, "2012-10-09T19:00:55", False, True),
    ("is_null", 21, "IsNull", True, "2012-10-09T19:00:55+01:00", False, True),
    ("is_null", 22, "IsNull", True, "2023-02-24", True, False),
    ("is_null", 28, "IsNull", True, {}, True, False),
    ("is_null", 29, "IsNull", True, {}, False, True),
    ("is_numeric", 1, "IsNumeric", True, None, False, True),
    ("is_numeric", 3, "IsNumeric", True, 0, False, False),
    ("is_numeric", 6, "IsNumeric", True, 1, True, True),
    ("is_numeric", 12, "IsNumeric", True, " ", True, False),
    ("is_numeric", 13, "IsNumeric", True, " ", False, True),
    ("is_numeric", 22, "IsNumeric", True, "2023-02-24", True, False),
    ("is_numeric", 23, "IsNumeric", True, "2023-02-24", False, True),
    ("is_numeric", 25, "IsNumeric", True, [], False, True),
    ("is_numeric", 28, "IsNumeric", True, {}, True, False),
    ("is_numeric", 35, "IsNumeric", True, False, False, True),
    ("is_present", 16, "IsPresent", True, "2012-10-09T19:00:55", True, True),
    ("is_present", 18, "IsPresent", True, "2012-10-09T19:00:55Z", True, True),
    ("is_present", 23, "IsPresent", True, "2023-02-24", False, False),
    ("is_present", 29, "IsPresent", True, {}, False, False),
    ("is_present", 32, "IsPresent", True, True, True, True),
    ("is_present", 35, "IsPresent", True, False, False, False),
    ("is_string", 4, "IsString", True, 0.0, True, False),
    ("is_string", 8, "IsString", True, 1.1, True, False),
    ("is_string", 9, "IsString", True, 1.1, False, True),
    ("is_string", 13, "IsString", True, " ", False, False),
    ("is_string", 15, "IsString", True, "HelloWorld", False, False),
    ("is_string", 22, "IsString", True, "2023-02-24", True, True),
    ("is_string", 23, "IsString", True, "2023-02-24", False, False),
    ("is_string", 28, "IsString", True, {}, True, False),
    ("is_string", 29, "IsString", True, {}, False, True),
    ("string_equals", 0, "StringEquals", True, None, "HelloWorld", False),
    ("string_equals", 2, "StringEquals", True, 0.0, "HelloWorld", False),
    ("string_equals", 5, "StringEquals", True, "", "HelloWorld", False),
    ("string_equals", 8, "StringEquals", True, [""], "HelloWorld", False),
    ("string_equals", 13, "StringEquals", True, " ", "     ", False),
    ("string_equals", 14, "StringEquals", True, "\t\n", "\t\r\n", False),
    ("string_greater_than", 0, "StringGreaterThan", True, "", "", False),
    ("string_greater_than_path", 0, "StringGreaterThanPath", False, "", "", False),
    ("string_greater_than_equals", 0, "StringGreaterThanEquals", True, "", "", True),
    ("string_greater_than_equals_path", 0, "StringGreaterThanEqualsPath", False, "", "", True),
    ("string_greater_than_equals_path", 1, "StringGreaterThanEqualsPath", False, "A", "AB", False),
    ("string_less_than_path", 1, "StringLessThanPath", False, "A", "AB", True),
    ("string_less_than_path", 2, "StringLessThanPath", False, "AB", "A", False),
    ("string_less_than_equals_path", 2, "StringLessThanEqualsPath", False, "AB", "A", False),
    ("timestamp_equals", 1, "TimestampEquals", True, 0, "2012-10-09T19:00:55Z", False),
    ("timestamp_equals", 2, "TimestampEquals", True, 0.0, "2012-10-09T19:00:55Z", False),
    ("timestamp_equals", 3, "TimestampEquals", True, 1, "2012-10-09T19:00:55Z", False),
    ("timestamp_equals", 10, "TimestampEquals", True, {}, "2012-10-09T19:00:55Z", False),
    ("timestamp_equals", 12, "TimestampEquals", True, False, "2012-10-09T19:00:55Z", False),
    (
        "timestamp_equals",
        14,
        "TimestampEquals",
        True,
        "2012-10-09T19:00:55Z",
        "2012-10-09T19:00:55Z",
        True,
    ),
    (
        "timestamp_less_than_equals",
        2,
        "TimestampLessThanEquals",
        True,
        "2012-10-09T19:00:56Z",
        "2012-10-09T19:00:55Z",
        False,
    ),
    (
        "timestamp_greater_than_equals_path",
        0,
        "TimestampGreaterThanEqualsPath",
        False,
        "2012-10-09T19:00:55Z",
        "2012-10-09T19:00:56Z",
        False,
    ),
    (
        "timestamp_less_than_equals_path",
        0,
        "TimestampLessThanEqualsPath",
        False,
        "2012-10-09T19:00:56Z",
        "2012-10-09T19:00:55Z",
        False,
    ),
    ("boolean_equals", 3, "BooleanEquals", True, 0, False, False),
    ("boolean_equals", 5, "BooleanEquals", True, 0.0, False, False),
    ("boolean_equals", 9, "BooleanEquals", True, 1.1, False, False),
    ("boolean_equals", 14, "BooleanEquals", True, "HelloWorld", True, False),
    ("boolean_equals", 15, "BooleanEquals", True, "HelloWorld", False, False),
    ("boolean_equals", 16, "BooleanEquals", True, "2012-10-09T19:00:55", True, False),
    ("boolean_equals", 17, "BooleanEquals", True, "2012-10-09T19:00:55", False, False),
    ("boolean_equals", 21, "BooleanEquals", True, "2012-10-09T19:00:55+01:00", False, False),
    ("boolean_equals", 22, "BooleanEquals", True, "2023-02-24", True, False),
    ("boolean_equals", 26, "BooleanEquals", True, [""], True, False),
    ("boolean_equals", 32, "BooleanEquals", True, True, True, True),
    ("boolean_equals_path", 2, "BooleanEqualsPath", False, 0, True, False),
    ("boolean_equals_path", 4, "BooleanEqualsPath", False, 0.0, True, False),
    ("boolean_equals_path", 7, "BooleanEqualsPath", False, 1, False, False),
    ("boolean_equals_path", 14, "BooleanEqualsPath", False, "HelloWorld", True, False),
    ("boolean_equals_path", 15, "BooleanEqualsPath", False, "HelloWorld", False, False),
    ("boolean_equals_path", 18, "BooleanEqualsPath", False, "2012-10-09T19:00:55Z", True, False),
    ("boolean_equals_path", 22, "BooleanEqualsPath", False, "2023-02-24", True, False),
    ("boolean_equals_path", 24, "BooleanEqualsPath", False, [], True, False),
    ("boolean_equals_path", 26, "BooleanEqualsPath", False, [""], True, False),
]


@pytest.mark.parametrize(
    ("operator", "literal", "variable", "value", "matched"),
    [pytest.param(*row[2:], id=f"{row[0]}-{row[1]}") for row in RECORDED],
)
async def test_recorded_choice_operator(
    operator: str, literal: bool, variable: Any, value: Any, matched: bool
) -> None:
    machine = express.StateMachine(base_template(operator, value, literal))
    result = await machine.execute({"Variable": variable, "Value": value})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    expected = "ConditionTrue" if matched else "ConditionFalse"
    assert result.output == {"TestResult.$": expected}
