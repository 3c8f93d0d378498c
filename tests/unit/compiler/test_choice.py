"""JSONPath Choice rules, written from the AWS Step Functions Developer Guide (Choice state,
comparison operators) and the States Language specification."""

from __future__ import annotations

from typing import Any

import pytest

from express.compiler._choice import OPERATORS, compile_rule, parse_timestamp
from express.errors import StatesError


class Frame:
    def __init__(self, variables: dict[str, Any] | None = None, context: Any = None) -> None:
        self._variables = variables or {}
        self._context = context or {}

    @property
    def variables(self) -> dict[str, Any]:
        return self._variables

    def context(self) -> Any:
        return self._context


def run(rule: dict[str, Any], data: Any, frame: Frame | None = None) -> bool:
    return compile_rule(rule)(data, frame or Frame())


def check(op: str, operand: Any, value: Any) -> bool:
    """Compare ``value`` with ``operand`` both as a constant and through a ``*Path``."""
    constant = run({"Variable": "$.v", op: operand, "Next": "X"}, {"v": value})
    if op + "Path" in OPERATORS:
        via_path = run({"Variable": "$.v", op + "Path": "$.o"}, {"v": value, "o": operand})
        assert via_path == constant, (op, operand, value)
    return constant


def test_there_are_39_operators() -> None:
    assert len(OPERATORS) == 39


# --- each operator --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "operand", "value", "expected"),
    [
        ("StringEquals", "MyString", "MyString", True),
        ("StringEquals", "MyString", "mystring", False),
        ("StringEquals", "", "", True),
        ("StringLessThan", "B", "A", True),
        ("StringLessThan", "A", "A", False),
        ("StringLessThan", "AB", "A", True),
        ("StringGreaterThan", "MyStringABC", "MyStringABD", True),
        ("StringGreaterThan", "A", "A", False),
        ("StringLessThanEquals", "A", "A", True),
        ("StringLessThanEquals", "A", "B", False),
        ("StringGreaterThanEquals", "A", "A", True),
        ("StringGreaterThanEquals", "B", "A", False),
        ("NumericEquals", 1, 1, True),
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 0.1, 0.1, True),
        ("NumericEquals", 1, 2, False),
        ("NumericLessThan", 30, 22, True),
        ("NumericLessThan", 30, 30, False),
        ("NumericLessThan", 0, -1.5, True),
        ("NumericGreaterThan", 20, 22.5, True),
        ("NumericGreaterThan", 20, 20.0, False),
        ("NumericLessThanEquals", 20, 20, True),
        ("NumericLessThanEquals", 20, 20.000001, False),
        ("NumericGreaterThanEquals", 20, 20, True),
        ("NumericGreaterThanEquals", 20, 19, False),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", False, False, True),
        ("BooleanEquals", True, False, False),
        ("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z", True),
        ("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:01Z", False),
        ("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T01:58:59Z", True),
        ("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z", False),
        ("TimestampGreaterThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:01Z", True),
        ("TimestampGreaterThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z", False),
        ("TimestampLessThanEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z", True),
        ("TimestampLessThanEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:01Z", False),
        ("TimestampGreaterThanEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z", True),
        ("TimestampGreaterThanEquals", "2016-03-14T01:59:00Z", "2016-03-13T01:59:00Z", False),
    ],
)
def test_comparison(op: str, operand: Any, value: Any, expected: bool) -> None:
    assert check(op, operand, value) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNull", "", False),
        ("IsNull", [], False),
        ("IsNumeric", 0, True),
        ("IsNumeric", -2.5, True),
        ("IsNumeric", "1", False),
        ("IsNumeric", True, False),
        ("IsNumeric", None, False),
        ("IsString", "", True),
        ("IsString", "2016-03-14T01:59:00Z", True),
        ("IsString", 1, False),
        ("IsString", ["a"], False),
        ("IsBoolean", False, True),
        ("IsBoolean", True, True),
        ("IsBoolean", 0, False),
        ("IsBoolean", "true", False),
        ("IsTimestamp", "2016-03-14T01:59:00Z", True),
        ("IsTimestamp", "2016-03-14T01:59:00", False),
        ("IsTimestamp", 1457920740, False),
        ("IsPresent", None, True),
        ("IsPresent", {}, True),
    ],
)
def test_type_tests(op: str, value: Any, expected: bool) -> None:
    assert run({"Variable": "$.v", op: True}, {"v": value}) is expected
    assert run({"Variable": "$.v", op: False}, {"v": value}) is not expected


def test_is_present_on_missing_field_is_false_not_an_error() -> None:
    assert run({"Variable": "$.missing", "IsPresent": True}, {}) is False
    assert run({"Variable": "$.missing", "IsPresent": False}, {}) is True
    assert run({"Variable": "$.a.b", "IsPresent": False}, {"a": "text"}) is True
    assert run({"Variable": "$.list[3]", "IsPresent": True}, {"list": [1]}) is False
    assert run({"Variable": "$undefined", "IsPresent": True}, {}) is False


# --- type mismatches never raise and never match --------------------------------------------


@pytest.mark.parametrize("value", [None, 1, 1.0, "1", "true", [], [1], {}, {"a": 1}])
def test_boolean_equals_requires_a_boolean(value: Any) -> None:
    assert check("BooleanEquals", True, value) is False
    assert check("BooleanEquals", False, value) is False


@pytest.mark.parametrize("value", [None, True, False, "1", "", [1], {"a": 1}])
def test_numeric_operators_require_a_number(value: Any) -> None:
    for op in ("NumericEquals", "NumericLessThan", "NumericGreaterThanEquals"):
        assert check(op, 1, value) is False
        assert check(op, 0, value) is False


@pytest.mark.parametrize("value", [None, True, 0, 1.5, [], ["a"], {}, {"a": "a"}])
def test_string_operators_require_a_string(value: Any) -> None:
    for op in ("StringEquals", "StringLessThan", "StringGreaterThanEquals", "StringMatches"):
        assert check(op, "a", value) is False
        assert check(op, "*", value) is False


def test_path_operand_of_the_wrong_type_does_not_match() -> None:
    data = {"n": 1, "s": "1", "b": True, "t": "2016-03-14T01:59:00Z"}
    assert run({"Variable": "$.n", "NumericEqualsPath": "$.s"}, data) is False
    assert run({"Variable": "$.n", "NumericEqualsPath": "$.b"}, data) is False
    assert run({"Variable": "$.b", "BooleanEqualsPath": "$.n"}, data) is False
    assert run({"Variable": "$.s", "StringEqualsPath": "$.n"}, data) is False
    assert run({"Variable": "$.t", "TimestampEqualsPath": "$.s"}, data) is False


@pytest.mark.parametrize(
    "value", [None, 1, "", "2016-03-14", "2016-03-14 01:59:00Z", "not a date", ["x"]]
)
def test_timestamp_operators_require_a_timestamp(value: Any) -> None:
    for op in ("TimestampEquals", "TimestampLessThan", "TimestampGreaterThanEquals"):
        assert check(op, "2016-03-14T01:59:00Z", value) is False


# --- numbers are IEEE doubles ---------------------------------------------------------------


def test_integers_compare_as_doubles() -> None:
    # 2**53 + 1 has no double of its own: it rounds to 2**53.
    assert check("NumericEquals", 2**53, 2**53 + 1) is True
    assert check("NumericGreaterThan", 2**53, 2**53 + 1) is False
    assert check("NumericGreaterThan", 1e308, 10**400) is True


# --- strings order as Java's String.compareTo -----------------------------------------------


def test_string_order_is_by_utf16_code_unit() -> None:
    emoji, last_bmp = "\U0001f600", "\uffff"  # the emoji's UTF-16 form starts with U+D83D
    assert check("StringLessThan", last_bmp, emoji) is True
    assert check("StringGreaterThan", emoji, last_bmp) is True
    assert check("StringLessThan", "a" + last_bmp, "a" + emoji) is True
    assert check("StringLessThan", "b", emoji) is False  # as in Python below U+E000
    assert check("StringEquals", emoji, emoji) is True
    assert check("StringLessThan", "a", "B") is True  # uppercase sorts before lowercase
    assert check("StringLessThanEquals", "é", "e") is True


# --- StringMatches ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-2024.txt.gz", False),
        ("log-*.txt", "blog-1.txt", False),
        ("*", "", True),
        ("*", "anything\nat all", True),
        ("a*", "abc", True),
        ("*c", "abc", True),
        ("*b*", "abc", True),
        ("*b*", "ac", False),
        ("a*b*c", "aXXbYYc", True),
        ("a*b*c", "acb", False),
        ("a**c", "abc", True),
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("a.c", "abc", False),  # only * is special
        ("a?c", "abc", False),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("^a$", "^a$", True),
        ("2\\*3", "2*3", True),  # \* is a literal star
        ("2\\*3", "2x3", False),
        ("\\**", "*star", True),
        ("\\**", "star", False),
        ("a\\\\b", "a\\b", True),  # \\ is one literal backslash
        ("a\\\\*", "a\\anything", True),
        ("a\\b", "a\\b", True),  # a backslash before anything else is literal
        ("x*\\*", "xyz*", True),
        ("x*\\*", "xyz", False),
        ("*\U0001f600*", "I \U0001f600 it", True),
    ],
)
def test_string_matches(pattern: str, value: str, expected: bool) -> None:
    assert run({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) is expected


# --- timestamps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00+01:00",
        "2016-03-14T01:59:00-05:30",
        "2016-03-14T01:59:00.5Z",
        "2016-03-14T01:59:00.123456789Z",
        "2016-03-14T01:59:00.123+00:00",
        "2016-02-29T23:59:59Z",
        "0001-01-01T00:00:00Z",
    ],
)
def test_valid_timestamps(text: str) -> None:
    assert parse_timestamp(text) is not None
    assert run({"Variable": "$.v", "IsTimestamp": True}, {"v": text}) is True


@pytest.mark.parametrize(
    "text",
    [
        "2016-03-14t01:59:00Z",  # lowercase t
        "2016-03-14T01:59:00z",  # lowercase z
        "2016-03-14T01:59:00",  # no offset
        "2016-03-14 01:59:00Z",  # no T
        "2016-03-14",
        "2016-03-14T01:59Z",  # no seconds
        "2016-03-14T01:59:00.Z",
        "2016-03-14T01:59:00.1234567891Z",  # beyond nanoseconds
        "2016-03-14T01:59:00+0100",
        "2016-03-14T01:59:00+01",
        "2016-02-30T00:00:00Z",
        "2015-02-29T00:00:00Z",
        "2016-13-01T00:00:00Z",
        "2016-12-05T25:29:29Z",
        "2016-12-05T21:60:00Z",
        "2016-12-05T21:29:60Z",
        "05-12-2016T21:29:29Z",
        "16-03-14T01:59:00Z",
        " 2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00Z ",
        "\uff12\uff10\uff11\uff16-03-14T01:59:00Z",  # fullwidth digits are not digits here
    ],
)
def test_invalid_timestamps(text: str) -> None:
    assert parse_timestamp(text) is None
    assert run({"Variable": "$.v", "IsTimestamp": True}, {"v": text}) is False
    assert run({"Variable": "$.v", "IsTimestamp": False}, {"v": text}) is True


def test_timestamps_compare_as_instants() -> None:
    assert check("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T02:59:00+01:00") is True
    assert check("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-13T20:59:00-05:00") is True
    assert check("TimestampLessThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00+00:01") is True
    assert check("TimestampEquals", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.000Z") is True
    assert check("TimestampGreaterThan", "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.5Z") is True
    assert check("TimestampLessThan", "2016-03-14T01:59:00.1Z", "2016-03-14T01:59:00.09Z") is True
    nanos = "2016-03-14T01:59:00.000000002Z"
    assert check("TimestampGreaterThan", "2016-03-14T01:59:00.000000001Z", nanos) is True


# --- And, Or, Not -----------------------------------------------------------------------------

IN_TWENTIES = {
    "And": [
        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
        {"Variable": "$.value", "NumericLessThan": 30},
    ],
    "Next": "ValueInTwenties",
}


@pytest.mark.parametrize(
    ("value", "expected"), [(19, False), (20, True), (29.9, True), (30, False)]
)
def test_and(value: float, expected: bool) -> None:
    assert run(IN_TWENTIES, {"value": value}) is expected


def test_not() -> None:
    rule = {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"}
    assert run(rule, {"type": "Private"}) is False
    assert run(rule, {"type": "Public"}) is True
    assert run({"Not": {"Not": rule["Not"]}}, {"type": "Private"}) is True


def test_or_and_nesting() -> None:
    rule = {
        "Or": [
            {"Variable": "$.a", "StringEquals": "x"},
            {"Variable": "$.a", "StringEquals": "y"},
            {"And": [{"Variable": "$.n", "IsNumeric": True}, {"Not": IN_TWENTIES}]},
        ]
    }
    assert run(rule, {"a": "y"}) is True  # short-circuits before the missing $.n
    assert run(rule, {"a": "z", "n": 1, "value": 25}) is False
    assert run(rule, {"a": "z", "n": 1, "value": 35}) is True
    assert run(rule, {"a": "z", "n": "1", "value": 35}) is False
    assert run({"Or": [{"Variable": "$.a", "IsNull": True}]}, {"a": None}) is True
    assert run({"And": [{"Variable": "$.a", "IsNull": True}]}, {"a": 1}) is False


def test_and_or_short_circuit() -> None:
    explodes = {"Variable": "$.missing", "StringEquals": "x"}
    no, yes = {"Variable": "$.a", "IsNull": True}, {"Variable": "$.a", "IsNull": False}
    assert run({"And": [no, explodes]}, {"a": 1}) is False
    assert run({"Or": [yes, explodes]}, {"a": 1}) is True
    assert run({"And": [yes, yes, no, explodes]}, {"a": 1}) is False
    assert run({"Or": [no, no, yes, explodes]}, {"a": 1}) is True
    with pytest.raises(StatesError):
        run({"Or": [no, explodes]}, {"a": 1})


# --- missing paths fail the execution ---------------------------------------------------------

CAUSE = "Invalid path '{}': The choice state's condition path references an invalid value."


@pytest.mark.parametrize(
    ("rule", "data", "path"),
    [
        ({"Variable": "$.type", "StringEquals": "Buy"}, {}, "$.type"),
        ({"Variable": "$.a.b", "NumericEquals": 1}, {"a": {}}, "$.a.b"),
        ({"Variable": "$.a.b", "NumericEquals": 1}, {"a": 3}, "$.a.b"),
        ({"Variable": "$.l[2]", "BooleanEquals": True}, {"l": [1]}, "$.l[2]"),
        ({"Variable": "$.v", "IsNull": True}, {}, "$.v"),
        ({"Variable": "$.v", "IsString": False}, {}, "$.v"),
        ({"Variable": "$.v", "StringMatches": "*"}, {}, "$.v"),
        ({"Variable": "$.v", "TimestampEquals": "2016-03-14T01:59:00Z"}, {}, "$.v"),
        ({"Variable": "$.v", "NumericEqualsPath": "$.o"}, {"o": 1}, "$.v"),
        ({"Variable": "$.v", "NumericEqualsPath": "$.o"}, {"v": 1}, "$.o"),
        ({"Variable": "$.v", "StringEqualsPath": "$.o"}, {}, "$.v"),
        ({"Variable": "$nope", "StringEquals": "x"}, {}, "$nope"),
        ({"Not": {"Variable": "$.v", "IsBoolean": True}}, {}, "$.v"),
    ],
)
def test_missing_path_is_a_runtime_error(rule: dict[str, Any], data: Any, path: str) -> None:
    with pytest.raises(StatesError) as info:
        run(rule, data)
    assert info.value.error == "States.Runtime"
    assert info.value.cause == CAUSE.format(path)


# --- what a path can read -------------------------------------------------------------------


def test_variables_and_context_paths() -> None:
    frame = Frame(variables={"limit": 10, "cfg": {"on": True}}, context={"Execution": {"Id": "e"}})
    assert run({"Variable": "$limit", "NumericEquals": 10}, {}, frame) is True
    assert run({"Variable": "$cfg.on", "BooleanEquals": True}, {}, frame) is True
    assert run({"Variable": "$.n", "NumericLessThanPath": "$limit"}, {"n": 3}, frame) is True
    assert run({"Variable": "$$.Execution.Id", "StringEquals": "e"}, {}, frame) is True
    assert run({"Variable": "$", "StringEquals": "whole"}, "whole") is True


def test_top_level_keys_are_ignored() -> None:
    rule = {
        "Variable": "$.v",
        "IsNull": True,
        "Next": "S",
        "Comment": "c",
        "Assign": {"x": 1},
        "Output": {"y": 2},
    }
    assert run(rule, {"v": None}) is True
