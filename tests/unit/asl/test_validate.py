"""The definition validator, one test per rule family.

Each broken definition is written by hand and asserts AWS's code, our JSON pointer and a
fragment of the message. The corpus tests at the end check that what AWS accepted (the
benchmark workloads and the AWS-recorded conformance cases) yields no error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from express.asl._validate import validate
from express.errors import Diagnostic

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def machine(*states: tuple[str, Any], **top: Any) -> dict[str, Any]:
    """A definition whose StartAt is the first state given."""
    return {"StartAt": states[0][0], "States": dict(states), **top}


def one(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A one-state machine ``S``; ``End`` is added for types that need a transition."""
    if state.get("Type") in ("Pass", "Task", "Wait", "Parallel", "Map"):
        state = {"End": True, **state} if "Next" not in state else state
    return machine(("S", state), **top)


def passing(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", "End": True, **fields}


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}


def map_state(**fields: Any) -> dict[str, Any]:
    processor = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
    return {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}


def errors(definition: Any) -> list[Diagnostic]:
    return [d for d in validate(definition) if d.severity == "ERROR"]


def expect_one(
    definition: Any, code: str, pointer: str, fragment: str = "", severity: str = "ERROR"
) -> Diagnostic:
    """Exactly one diagnostic of ``severity`` is reported, with this code and pointer."""
    found = [d for d in validate(definition) if d.severity == severity]
    assert len(found) == 1, found
    (diag,) = found
    assert (diag.code, diag.pointer) == (code, pointer), diag
    assert fragment in diag.message, diag.message
    return diag


def assert_valid(definition: Any) -> None:
    assert errors(definition) == []


# --- the root ---------------------------------------------------------------------------


@pytest.mark.parametrize("definition", [None, "", [], 3, "{}"])
def test_a_definition_must_be_an_object(definition: Any) -> None:
    expect_one(
        definition, "SCHEMA_VALIDATION_FAILED", "/", "Definition must be a valid JSON object"
    )


def test_root_fields_required_typed_and_known() -> None:
    expect_one({}, "SCHEMA_VALIDATION_FAILED", "/", "These fields are required: [States, StartAt]")
    expect_one(
        {"States": {"A": passing()}},
        "SCHEMA_VALIDATION_FAILED",
        "/",
        "These fields are required: [StartAt]",
    )
    expect_one(one(passing(), Extra=1), "SCHEMA_VALIDATION_FAILED", "/", "Field 'Extra'")
    expect_one(one(passing(), Comment=1), "SCHEMA_VALIDATION_FAILED", "/Comment", "[STRING]")
    expect_one(one(passing(), TimeoutSeconds=0), "SCHEMA_VALIDATION_FAILED", "/TimeoutSeconds")
    expect_one({"StartAt": "A", "States": []}, "SCHEMA_VALIDATION_FAILED", "/States", "[OBJECT]")
    assert_valid(one(passing(), Comment="c", Version="1.0", TimeoutSeconds=300))


def test_query_language_values() -> None:
    expect_one(
        one(passing(), QueryLanguage="jsonpath"),
        "SCHEMA_VALIDATION_FAILED",
        "/QueryLanguage",
        "Value should be one of the following: [JSONPath, JSONata]",
    )
    expect_one(
        one(passing(QueryLanguage=5)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/QueryLanguage",
        "Expected value of type [STRING]",
    )


def test_state_names_are_short_and_unique() -> None:
    long_name = "x" * 81
    expect_one(machine((long_name, passing())), "INVALID_STATE_NAME", f"/States/{long_name}", "80")
    assert_valid(machine(("x" * 80, passing())))
    branch = {"StartAt": "P", "States": {"P": passing()}}
    expect_one(
        one({"Type": "Parallel", "Branches": [branch]}, StartAt="P")
        | {"States": {"P": {"Type": "Parallel", "Branches": [branch], "End": True}}},
        "DUPLICATE_STATE_NAME",
        "/States/P/Branches/0/States/P",
        "already used at /States/P",
    )


def test_pointers_escape_slash_and_tilde() -> None:
    definition = machine(("Start", passing()), ("a/b~c", passing()))
    diag = expect_one(definition, "MISSING_TRANSITION_TARGET", "/States/a~1b~0c")
    assert diag.message == 'State "a/b~c" is not reachable.'


# --- fields per state type and query language -------------------------------------------


def test_state_type_required_and_known() -> None:
    expect_one(one({"End": True}), "SCHEMA_VALIDATION_FAILED", "/States/S", "required: [Type]")
    expect_one(
        one({"Type": "Sleep", "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Type",
        "Value should be one of the following: [Choice, Fail, Map",
    )
    expect_one(machine(("S", [])), "SCHEMA_VALIDATION_FAILED", "/States/S", "[OBJECT]")


@pytest.mark.parametrize(
    ("state", "field"),
    [
        (passing(TimeoutSeconds=5), "TimeoutSeconds"),
        (map_state(TimeoutSeconds=5), "TimeoutSeconds"),
        (passing(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S"}]), "Catch"),
        ({"Type": "Wait", "Seconds": 1, "End": True, "Retry": []}, "Retry"),
        ({"Type": "Succeed", "Assign": {"a": 1}}, "Assign"),
        ({"Type": "Fail", "InputPath": "$"}, "InputPath"),
        (passing(Resource=LAMBDA), "Resource"),
        (task(Result={}), "Result"),
    ],
)
def test_fields_a_state_type_does_not_support(state: dict[str, Any], field: str) -> None:
    diag = expect_one(one(state), "SCHEMA_VALIDATION_FAILED", "/States/S")
    assert diag.message == f"Field '{field}' is not supported"


def test_fields_of_the_other_query_language() -> None:
    diag = expect_one(one(passing(Output={"a": 1})), "SCHEMA_VALIDATION_FAILED", "/States/S")
    assert diag.message == (
        "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for "
        "the 'JSONata' QueryLanguage"
    )
    jsonata = one(passing(InputPath="$.a", Parameters={}), QueryLanguage="JSONata")
    found = errors(jsonata)
    assert [d.pointer for d in found] == ["/States/S", "/States/S"]
    assert "field 'InputPath' is only supported for the 'JSONPath'" in found[0].message
    # A state may upgrade to JSONata, and its own fields then follow JSONata.
    assert_valid(one(passing(QueryLanguage="JSONata", Output={"v": "{% 1 %}"})))


def test_a_jsonata_machine_cannot_downgrade_a_state() -> None:
    definition = one(passing(QueryLanguage="JSONPath", Output=1), QueryLanguage="JSONata")
    expect_one(
        definition,
        "SCHEMA_VALIDATION_FAILED",
        "/States/S",
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
    )


def test_nested_states_use_the_machine_language_not_the_enclosing_state() -> None:
    inner = {"StartAt": "P", "States": {"P": passing(Output={"v": "{% 1 %}"})}}
    definition = one(
        {"Type": "Parallel", "QueryLanguage": "JSONata", "Branches": [inner], "End": True}
    )
    expect_one(
        definition,
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Branches/0/States/P",
        "field 'Output' is only supported for the 'JSONata'",
    )


def test_nested_scopes_accept_only_their_fields() -> None:
    processor = {"QueryLanguage": "JSONata", "StartAt": "I", "States": {"I": passing()}}
    diag = expect_one(
        one(map_state(ItemProcessor=processor)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemProcessor",
    )
    assert diag.message == "Field 'QueryLanguage' is not supported"
    branch = {"StartAt": "I", "States": {"I": passing()}, "ProcessorConfig": {}}
    expect_one(
        one({"Type": "Parallel", "Branches": [branch]}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Branches/0",
        "Field 'ProcessorConfig' is not supported",
    )
    expect_one(
        one({"Type": "Parallel", "Branches": [{"States": {"I": passing()}}]}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Branches/0",
        "These fields are required: [StartAt]",
    )
    expect_one(
        one({"Type": "Parallel", "Branches": []}), "SCHEMA_VALIDATION_FAILED", "/States/S/Branches"
    )


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"Type": "Task", "Next": "D"}, "Resource"),
        ({"Type": "Choice", "Default": "D"}, "Choices"),
        ({"Type": "Parallel", "Next": "D"}, "Branches"),
        ({"Type": "Map", "Next": "D"}, "ItemProcessor"),
    ],
)
def test_required_fields_per_type(state: dict[str, Any], field: str) -> None:
    definition = machine(("S", state), ("D", {"Type": "Succeed"}))
    expect_one(definition, "SCHEMA_VALIDATION_FAILED", "/States/S", f"required: [{field}]")


# --- transitions and the graph ----------------------------------------------------------


def test_end_xor_next() -> None:
    both = machine(("A", passing(Next="B")), ("B", {"Type": "Succeed"}))
    diag = expect_one(both, "SCHEMA_VALIDATION_FAILED", "/States/A")
    assert diag.message == "State 'A' has both 'End' and 'Next'; a state has exactly one of them"
    neither = machine(("A", {"Type": "Pass"}))
    expect_one(neither, "SCHEMA_VALIDATION_FAILED", "/States/A", "neither 'Next' nor")
    expect_one(one(passing(End="yes")), "SCHEMA_VALIDATION_FAILED", "/States/S/End", "[BOOLEAN]")
    expect_one(
        one({"Type": "Succeed", "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S",
        "Field 'End' is not supported",
    )


def test_transition_targets_exist_in_the_same_scope() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Ghost1"}],
        "Default": "Ghost2",
    }
    catcher = [{"ErrorEquals": ["States.ALL"], "Next": "Ghost3"}]
    definition = machine(
        ("C", choice), ("T", task(Catch=catcher, Next="Ghost4", End=None)), StartAt="C"
    )
    definition["States"]["T"].pop("End")
    found = {(d.pointer, d.message) for d in errors(definition)}
    assert found >= {
        ("/States/C/Choices/0/Next", "Missing 'Next' target: Ghost1"),
        ("/States/C/Default", "Missing 'Next' target: Ghost2"),
        ("/States/T/Catch/0/Next", "Missing 'Next' target: Ghost3"),
        ("/States/T/Next", "Missing 'Next' target: Ghost4"),
    }
    # A state inside a Map cannot jump out of it.
    processor = {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Done"}}}
    jump = machine(
        ("M", {"Type": "Map", "ItemProcessor": processor, "Next": "Done"}),
        ("Done", {"Type": "Succeed"}),
    )
    expect_one(
        jump,
        "MISSING_TRANSITION_TARGET",
        "/States/M/ItemProcessor/States/I/Next",
        "Missing 'Next' target: Done",
    )


def test_dangling_start_at_makes_every_state_unreachable() -> None:
    definition = {"StartAt": "Nope", "States": {"A": passing()}}
    assert [(d.code, d.pointer, d.message) for d in validate(definition)] == [
        ("MISSING_TRANSITION_TARGET", "/StartAt", "Missing 'Next' target: Nope"),
        ("MISSING_TRANSITION_TARGET", "/States/A", 'State "A" is not reachable.'),
    ]


def test_every_state_is_reachable_in_its_scope() -> None:
    processor = {"StartAt": "W", "States": {"W": passing(), "Ghost": passing()}}
    expect_one(
        one(map_state(ItemProcessor=processor)),
        "MISSING_TRANSITION_TARGET",
        "/States/S/ItemProcessor/States/Ghost",
        'State "Ghost" is not reachable.',
    )
    # Catch and Choice targets count as reached.
    catcher = [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]
    assert_valid(machine(("T", task(Catch=catcher)), ("Handler", {"Type": "Fail"})))


def test_missing_end_state_is_top_level_only_and_replaces_reachability() -> None:
    loop = machine(
        ("A", {"Type": "Pass", "Next": "B"}),
        ("B", {"Type": "Pass", "Next": "A"}),
        ("Unused", {"Type": "Pass", "Next": "A"}),
    )
    diag = expect_one(loop, "MISSING_END_STATE", "/")
    assert diag.message == "Workflow has no terminal state"
    inner = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}
    assert_valid(one(map_state(ItemProcessor=inner)))


# --- mutually exclusive fields and ranges -----------------------------------------------


@pytest.mark.parametrize(
    ("state", "pointer"),
    [
        ({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s"}, "/States/S/Seconds"),
        ({"Type": "Wait", "Timestamp": "2024-01-01T00:00:00Z", "Seconds": 1}, "/States/S/Seconds"),
        (task(TimeoutSeconds=5, TimeoutSecondsPath="$.t"), "/States/S/TimeoutSeconds"),
        (task(HeartbeatSeconds=5, HeartbeatSecondsPath="$.t"), "/States/S/HeartbeatSeconds"),
        ({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}, "/States/S/Error"),
        ({"Type": "Fail", "Cause": "C", "CausePath": "$.c"}, "/States/S/Cause"),
        (map_state(MaxConcurrency=2, MaxConcurrencyPath="$.m"), "/States/S/MaxConcurrency"),
        (
            map_state(ToleratedFailureCount=1, ToleratedFailureCountPath="$.c"),
            "/States/S/ToleratedFailureCount",
        ),
        (
            map_state(ToleratedFailurePercentage=1, ToleratedFailurePercentagePath="$.p"),
            "/States/S/ToleratedFailurePercentage",
        ),
        (map_state(Iterator={"StartAt": "J", "States": {}}), "/States/S/ItemProcessor"),
        (map_state(ItemSelector={}, Parameters={}), "/States/S/ItemSelector"),
    ],
)
def test_mutually_exclusive_fields(state: dict[str, Any], pointer: str) -> None:
    expect_one(one(state), "SCHEMA_VALIDATION_FAILED", pointer, "mutually exclusive")


def test_a_wait_state_needs_one_duration() -> None:
    expect_one(
        one({"Type": "Wait"}), "SCHEMA_VALIDATION_FAILED", "/States/S", "exactly one of 'Seconds'"
    )


@pytest.mark.parametrize(
    ("state", "pointer", "fragment"),
    [
        (map_state(MaxConcurrency=-1), "/States/S/MaxConcurrency", "Minimum value is 0"),
        (map_state(MaxConcurrency=1.5), "/States/S/MaxConcurrency", "[INTEGER]"),
        (map_state(ToleratedFailurePercentage=101), "/States/S/ToleratedFailurePercentage", "100"),
        (map_state(ToleratedFailureCount=-1), "/States/S/ToleratedFailureCount", "Minimum"),
        (task(TimeoutSeconds=0), "/States/S/TimeoutSeconds", "Minimum value is 1"),
        (task(TimeoutSeconds=True), "/States/S/TimeoutSeconds", "[INTEGER]"),
        (task(HeartbeatSeconds=100_000_000), "/States/S/HeartbeatSeconds", "Maximum"),
        (
            task(TimeoutSeconds=10, HeartbeatSeconds=10),
            "/States/S/HeartbeatSeconds",
            "must be smaller than TimeoutSeconds",
        ),
        ({"Type": "Wait", "Seconds": -1}, "/States/S/Seconds", "Minimum value is 0"),
        (
            {"Type": "Wait", "Timestamp": "2024-01-01 00:00:00"},
            "/States/S/Timestamp",
            "RFC 3339",
        ),
    ],
)
def test_values_in_range(state: dict[str, Any], pointer: str, fragment: str) -> None:
    expect_one(one(state), "SCHEMA_VALIDATION_FAILED", pointer, fragment)


def test_valid_limits() -> None:
    assert_valid(one(map_state(MaxConcurrency=9223372036854775807, ToleratedFailureCount=0)))
    assert_valid(one(map_state(ToleratedFailurePercentage=12.5)))
    assert_valid(one({"Type": "Wait", "Seconds": 0}))
    assert_valid(one({"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+02:00"}))
    assert_valid(one(task(TimeoutSeconds=10, HeartbeatSeconds=9)))


# --- Retry and Catch --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retrier", "pointer", "fragment"),
    [
        ({}, "/States/S/Retry/0", "required: [ErrorEquals]"),
        ({"ErrorEquals": []}, "/States/S/Retry/0/ErrorEquals", "at least one"),
        ({"ErrorEquals": [1]}, "/States/S/Retry/0/ErrorEquals/0", "[STRING]"),
        ({"ErrorEquals": "E"}, "/States/S/Retry/0/ErrorEquals", "[ARRAY]"),
        ({"ErrorEquals": ["States.ALL", "E"]}, "/States/S/Retry/0/ErrorEquals", "alone"),
        ({"ErrorEquals": ["E"], "IntervalSeconds": 0}, "/States/S/Retry/0/IntervalSeconds", "1"),
        ({"ErrorEquals": ["E"], "MaxAttempts": -1}, "/States/S/Retry/0/MaxAttempts", "0"),
        ({"ErrorEquals": ["E"], "BackoffRate": 0.5}, "/States/S/Retry/0/BackoffRate", "1.0"),
        ({"ErrorEquals": ["E"], "MaxDelaySeconds": 0}, "/States/S/Retry/0/MaxDelaySeconds", "1"),
        (
            {"ErrorEquals": ["E"], "JitterStrategy": "HALF"},
            "/States/S/Retry/0/JitterStrategy",
            "[FULL, NONE]",
        ),
        ({"ErrorEquals": ["E"], "Next": "S"}, "/States/S/Retry/0", "Field 'Next'"),
    ],
)
def test_retriers(retrier: dict[str, Any], pointer: str, fragment: str) -> None:
    expect_one(one(task(Retry=[retrier])), "SCHEMA_VALIDATION_FAILED", pointer, fragment)


def test_states_all_comes_last() -> None:
    retry = [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}]
    expect_one(
        one(task(Retry=retry)), "SCHEMA_VALIDATION_FAILED", "/States/S/Retry/0/ErrorEquals", "last"
    )
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "S"}, {"ErrorEquals": ["E"], "Next": "S"}]
    expect_one(
        one(task(Catch=catch)), "SCHEMA_VALIDATION_FAILED", "/States/S/Catch/0/ErrorEquals", "last"
    )
    full = {
        "ErrorEquals": ["E"],
        "IntervalSeconds": 2,
        "MaxAttempts": 0,
        "BackoffRate": 1,
        "MaxDelaySeconds": 10,
        "JitterStrategy": "FULL",
        "Comment": "c",
    }
    assert_valid(one(task(Retry=[full, {"ErrorEquals": ["States.ALL"]}])))


def test_catchers() -> None:
    expect_one(
        one(task(Catch=[{"ErrorEquals": ["E"]}])),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Catch/0",
        "required: [Next]",
    )
    bad_path = [{"ErrorEquals": ["E"], "Next": "S", "ResultPath": "$.a[*]"}]
    expect_one(
        one(task(Catch=bad_path)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Catch/0/ResultPath",
        "ReferencePath",
    )
    expect_one(one(task(Catch={})), "SCHEMA_VALIDATION_FAILED", "/States/S/Catch", "[ARRAY]")
    good = [{"ErrorEquals": ["E"], "Next": "S", "ResultPath": None, "Comment": "c"}]
    assert_valid(one(task(Catch=good)))


# --- paths, payload templates and intrinsic functions -----------------------------------


@pytest.mark.parametrize(
    ("state", "pointer", "fragment"),
    [
        (passing(InputPath="a.b"), "/States/S/InputPath", "must be a valid JSONPath"),
        (passing(OutputPath="$.a["), "/States/S/OutputPath", "must be a valid JSONPath"),
        (passing(InputPath=5), "/States/S/InputPath", "[STRING]"),
        (passing(ResultPath="$.a[*]"), "/States/S/ResultPath", "ReferencePath"),
        (passing(ResultPath="$..a"), "/States/S/ResultPath", "ReferencePath"),
        (passing(ResultPath="$$.Execution"), "/States/S/ResultPath", "starting with '$'"),
        (passing(ResultPath="$var"), "/States/S/ResultPath", "starting with '$'"),
        (map_state(ItemsPath="$.items[*]"), "/States/S/ItemsPath", "ReferencePath"),
        ({"Type": "Wait", "SecondsPath": "$.a[?(@.x)]"}, "/States/S/SecondsPath", "Reference"),
        (map_state(MaxConcurrencyPath="$.limits[*]"), "/States/S/MaxConcurrencyPath", "Ref"),
    ],
)
def test_paths(state: dict[str, Any], pointer: str, fragment: str) -> None:
    expect_one(one(state), "SCHEMA_VALIDATION_FAILED", pointer, fragment)


def test_valid_paths() -> None:
    assert_valid(one(passing(InputPath=None, OutputPath=None, ResultPath=None)))
    assert_valid(one(passing(InputPath="$$.Execution.Input", OutputPath="$.a[0]['b c']")))
    assert_valid(one(passing(InputPath="$.a[?(@.x > 1)]", ResultPath="$.a[1].b")))
    assert_valid(one(passing(InputPath="$myVar.field", OutputPath="$.a.length()")))
    assert_valid(one(map_state(ItemsPath="$$.Execution.Input.items")))


def test_payload_template_dynamic_fields() -> None:
    def params(**fields: Any) -> dict[str, Any]:
        return one(passing(Parameters=fields))

    expect_one(
        params(**{"a.$": "nope"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Parameters/a.$",
        "The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic",
    )
    expect_one(
        params(**{"a.$": 5}), "SCHEMA_VALIDATION_FAILED", "/States/S/Parameters/a.$", "not int"
    )
    expect_one(
        params(nested=[{"b.$": "States.Nope()"}]),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Parameters/nested/0/b.$",
        "unknown intrinsic function 'States.Nope'",
    )
    expect_one(
        params(**{"a.$": "States.Format('{}', $.x"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Parameters/a.$",
    )
    expect_one(
        one(task(ResultSelector={"a.$": "x"})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ResultSelector/a.$",
    )
    expect_one(
        one(map_state(ItemSelector={"a.$": "x"})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemSelector/a.$",
    )
    expect_one(one(passing(Parameters=[1])), "SCHEMA_VALIDATION_FAILED", "/States/S/Parameters")
    assert_valid(
        params(
            **{
                "a.$": "$.x",
                "b.$": "$$.Map.Item.Value",
                "c.$": "$var",
                "d.$": "States.Format('{} and {}', $.a, States.UUID())",
                "e": {"f.$": "States.JsonToString($)"},
            }
        )
    )


def test_intrinsic_argument_errors_are_warnings() -> None:
    definition = one(passing(Parameters={"a.$": "States.Format('{} {}', $.x)"}))
    assert errors(definition) == []
    expect_one(
        definition,
        "INVALID_INTRINSIC_ARGUMENTS",
        "/States/S/Parameters/a.$",
        "States.Runtime",
        severity="WARNING",
    )


def test_aws_warnings() -> None:
    expect_one(
        one(passing(Parameters={"a": "$.x"})),
        "NO_DOLLAR",
        "/States/S/Parameters/a",
        "'a.$'",
        severity="WARNING",
    )
    expect_one(
        one(passing(Parameters={"a": "States.UUID()"})),
        "NO_DOLLAR",
        "/States/S/Parameters/a",
        severity="WARNING",
    )
    expect_one(
        one(passing(Result={"r.$": "$.x"})),
        "PASS_RESULT_IS_STATIC",
        "/States/S/Result/r.$",
        severity="WARNING",
    )
    expect_one(
        one({"Type": "Fail", "Error": "$.error"}),
        "NO_PATH",
        "/States/S/Error",
        "ErrorPath",
        severity="WARNING",
    )
    # A literal that merely starts with '$' is not flagged.
    assert validate(one(passing(Parameters={"price": "$5", "ccy": "$USD"}))) == []


def test_error_path_and_cause_path() -> None:
    assert_valid(
        one(
            {
                "Type": "Fail",
                "ErrorPath": "States.Format('E{}', $.code)",
                "CausePath": "$$.Execution.Id",
            }
        )
    )
    expect_one(
        one({"Type": "Fail", "CausePath": "States.MathAdd(1, 2)"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/CausePath",
        "does not return a string",
    )
    expect_one(
        one({"Type": "Fail", "ErrorPath": "$.errors[*]"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ErrorPath",
        "ReferencePath",
    )


def test_assign_sets_whole_variables() -> None:
    expect_one(
        one(passing(Assign={"a.b": 1})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/Assign/a.b",
        "sub-path",
    )
    expect_one(
        one(passing(Assign={"x.$": "nope"})), "SCHEMA_VALIDATION_FAILED", "/States/S/Assign/x.$"
    )
    assert_valid(one(passing(Assign={"x.$": "$.a", "y": 1, "z.$": "States.UUID()"})))


# --- Choice -----------------------------------------------------------------------------


def choice(*rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    rules = tuple({"Next": "D", **r} for r in rules)
    return machine(
        ("C", {"Type": "Choice", "Choices": list(rules), **fields}), ("D", {"Type": "Succeed"})
    )


@pytest.mark.parametrize(
    ("rule", "pointer", "fragment"),
    [
        ({"Variable": "$.x", "NumericEquals": "1"}, "/NumericEquals", "[NUMBER]"),
        ({"Variable": "$.x", "NumericEquals": True}, "/NumericEquals", "[NUMBER]"),
        ({"Variable": "$.x", "StringEquals": 1}, "/StringEquals", "[STRING]"),
        ({"Variable": "$.x", "BooleanEquals": "true"}, "/BooleanEquals", "[BOOLEAN]"),
        ({"Variable": "$.x", "IsNull": 1}, "/IsNull", "[BOOLEAN]"),
        ({"Variable": "$.x", "TimestampEquals": "2024-02-30T00:00:00Z"}, "/TimestampEquals", "RFC"),
        (
            {"Variable": "$.x", "TimestampLessThan": "2024-01-01t00:00:00z"},
            "/TimestampLessThan",
            "",
        ),
        ({"Variable": "$.x", "StringEqualsPath": "x"}, "/StringEqualsPath", "JSONPath"),
        ({"Variable": "x", "IsPresent": True}, "/Variable", "JSONPath"),
        ({"StringEquals": "a"}, "", "required: [Variable]"),
        ({"Variable": "$.x"}, "", "needs one comparison operator"),
        ({"Variable": "$.x", "StringEquals": "a", "IsNull": True}, "", "exactly one operator"),
        ({"Variable": "$.x", "StringContains": "a"}, "", "Field 'StringContains'"),
        ({"And": []}, "/And", "at least one rule"),
        ({"Or": {}}, "/Or", "[ARRAY]"),
        ({"Not": []}, "/Not", "[OBJECT]"),
        ({"Not": {"Variable": "$.x", "IsNull": True, "Next": "D"}}, "/Not", "Field 'Next'"),
        ({"And": [{"Variable": "$.x", "IsNull": True}], "Variable": "$.y"}, "/Variable", "And"),
    ],
)
def test_choice_rules(rule: dict[str, Any], pointer: str, fragment: str) -> None:
    expect_one(choice(rule), "SCHEMA_VALIDATION_FAILED", f"/States/C/Choices/0{pointer}", fragment)


def test_choice_state_shape() -> None:
    definition = machine(
        ("C", {"Type": "Choice", "Choices": [], "Default": "D"}), ("D", {"Type": "Succeed"})
    )
    expect_one(definition, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices", "at least one")
    no_next = choice({"Variable": "$.x", "IsNull": True})
    no_next["States"]["C"]["Choices"][0].pop("Next")
    no_next["States"]["C"]["Default"] = "D"
    expect_one(no_next, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0", "required: [Next]")


def test_every_operator_is_known() -> None:
    from express.asl._validate_choice import OPERATORS

    assert len(OPERATORS) == 39
    values = {"string": "a", "number": 1, "boolean": True, "path": "$.y"}
    values["timestamp"] = "2024-01-01T00:00:00Z"
    rules = [{"Variable": "$.x", op: values[kind]} for op, kind in OPERATORS.items()]
    nested = {"And": [{"Or": [rules[0]]}, {"Not": rules[1]}]}
    assert_valid(choice(*rules, nested))


def test_string_comparison_with_a_path_literal_warns() -> None:
    expect_one(
        choice({"Variable": "$.x", "StringEquals": "$.y"}),
        "NO_PATH",
        "/States/C/Choices/0/StringEquals",
        "StringEqualsPath",
        severity="WARNING",
    )


def test_jsonata_choice_rules_use_condition() -> None:
    def jsonata_choice(rule: dict[str, Any]) -> dict[str, Any]:
        return choice(rule) | {"QueryLanguage": "JSONata"}

    assert_valid(jsonata_choice({"Condition": "{% $states.input.x > 1 %}", "Output": {"a": 1}}))
    expect_one(jsonata_choice({}), "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0", "[Condition]")
    diag = expect_one(
        jsonata_choice({"Condition": "{% true %}", "Variable": "$.x"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/C/Choices/0",
    )
    assert "field 'Variable' is only supported for the 'JSONPath'" in diag.message
    expect_one(
        choice({"Condition": "{% true %}"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/C/Choices/0",
        "field 'Condition' is only supported for the 'JSONata'",
    )


# --- Task resources and Express-only rules ----------------------------------------------


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            "arn:aws:states:::states:startExecution.sync",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "Express state machine does not support '.sync' service integration",
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Express state machine does not support '.waitForTaskToken' service integration ",
        ),
        (
            "arn:aws:states:us-east-1:123456789012:activity:approve",
            "Express state machine does not support Activity ARN",
        ),
    ],
)
def test_express_refuses_non_request_response_resources(resource: str, message: str) -> None:
    diag = expect_one(
        one(task(Resource=resource)), "SCHEMA_VALIDATION_FAILED", "/States/S/Resource"
    )
    assert diag.message == message


@pytest.mark.parametrize("resource", ["my_function", "arn:aws:lambda", 42, "{% $x %}"])
def test_resource_is_an_arn(resource: Any) -> None:
    found = errors(one(task(Resource=resource)))
    assert [(d.code, d.pointer) for d in found] in (
        [("INVALID_RESOURCE", "/States/S/Resource")],
        [("SCHEMA_VALIDATION_FAILED", "/States/S/Resource")],
    )


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::aws-sdk:dynamodb:getItem",
        "arn:aws:states:::http:invoke",
        "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
        "arn:aws-cn:states:::sqs:sendMessage",
    ],
)
def test_request_response_resources_are_accepted(resource: str) -> None:
    assert_valid(one(task(Resource=resource)))


def test_distributed_map_runs_inline_without_s3() -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "I",
        "States": {"I": passing()},
    }
    assert_valid(one(map_state(ItemProcessor=processor, Label="Items", ItemsPath="$.items")))
    reader = {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {}}
    expect_one(
        one(map_state(ItemProcessor=processor, ItemReader=reader)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemReader",
        "not supported by this runtime",
    )
    expect_one(
        one(map_state(ItemProcessor=processor, ResultWriter={})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ResultWriter",
        "not supported by this runtime",
    )
    no_type = {**processor, "ProcessorConfig": {"Mode": "DISTRIBUTED"}}
    expect_one(
        one(map_state(ItemProcessor=no_type)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemProcessor/ProcessorConfig",
        "[ExecutionType]",
    )
    bad_mode = {**processor, "ProcessorConfig": {"Mode": "PARALLEL"}}
    expect_one(
        one(map_state(ItemProcessor=bad_mode)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemProcessor/ProcessorConfig/Mode",
        "[INLINE, DISTRIBUTED]",
    )


@pytest.mark.parametrize("label", ["has space", "a:b", "x" * 41, "", "tab\t"])
def test_invalid_labels(label: str) -> None:
    expect_one(one(map_state(Label=label)), "INVALID_LABEL_NAME", "/States/S/Label")


def test_duplicate_labels() -> None:
    definition = machine(
        ("A", map_state(Label="L", End=None, Next="B")), ("B", map_state(Label="L"))
    )
    definition["States"]["A"].pop("End")
    definition["States"]["B"]["ItemProcessor"] = {
        "StartAt": "J",
        "States": {"J": passing()},
    }
    expect_one(definition, "DUPLICATE_LABEL_NAME", "/States/B/Label", "already used at")


def test_item_batcher() -> None:
    assert_valid(one(map_state(ItemBatcher={"MaxItemsPerBatch": 10, "BatchInput": {"a": 1}})))
    expect_one(
        one(map_state(ItemBatcher={})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemBatcher",
        "MaxItemsPerBatch",
    )
    expect_one(
        one(map_state(ItemBatcher={"MaxInputBytesPerBatch": 262_145})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemBatcher/MaxInputBytesPerBatch",
        "Maximum value is 262144",
    )
    expect_one(
        one(map_state(ItemBatcher={"MaxItemsPerBatch": 1, "Size": 2})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/S/ItemBatcher",
        "Field 'Size'",
    )


# --- JSONata (structural) ---------------------------------------------------------------


def test_jsonata_expressions_are_checked_structurally() -> None:
    def jsonata(state: dict[str, Any]) -> dict[str, Any]:
        return one(state, QueryLanguage="JSONata")

    assert_valid(
        jsonata(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": LAMBDA, "Payload": "{% $states.input %}"},
                "Output": "{% $states.result.Payload %}",
                "Assign": {"count": "{% $count %}"},
                "TimeoutSeconds": "{% $states.input.timeout %}",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S", "Output": "{% 1 %}"}],
            }
        )
    )
    assert_valid(jsonata(map_state(Items="{% [1, 2] %}", MaxConcurrency="{% 2 %}")))
    assert_valid(jsonata({"Type": "Wait", "Seconds": "{% 1 %}"}))
    expect_one(
        jsonata(passing(Output={"a": "{%  %}"})),
        "INVALID_JSONATA_EXPRESSION",
        "/States/S/Output/a",
        "Unexpected end of expression",
    )
    expect_one(
        jsonata(passing(Output="{% 1 ")), "INVALID_JSONATA_EXPRESSION", "/States/S/Output", "%}"
    )
    expect_one(
        jsonata(map_state(Items="nope")), "SCHEMA_VALIDATION_FAILED", "/States/S/Items", "[ARRAY]"
    )
    # In JSONPath states a '{% %}' string is an ordinary literal.
    assert_valid(one(passing(Result="{% not an expression %}")))


def test_jsonata_hook_is_replaceable() -> None:
    from express.asl import _validate_exprs

    assert _validate_exprs.jsonata_error("$states.input") is None
    assert _validate_exprs.jsonata_error("   ") == "Unexpected end of expression"


# --- everything at once, robustness and speed -------------------------------------------


def test_all_problems_are_reported_at_once() -> None:
    definition = {
        "StartAt": "A",
        "Unknown": 1,
        "States": {
            "A": {"Type": "Pass", "InputPath": "nope", "Next": "Ghost"},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::sqs:send.waitForTaskToken"},
            "C": {"Type": "Wait", "Seconds": -5, "End": True},
        },
    }
    found = {(d.code, d.pointer) for d in errors(definition)}
    assert found == {
        ("SCHEMA_VALIDATION_FAILED", "/"),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/InputPath"),
        ("MISSING_TRANSITION_TARGET", "/States/A/Next"),
        ("SCHEMA_VALIDATION_FAILED", "/States/B"),
        ("SCHEMA_VALIDATION_FAILED", "/States/B/Resource"),
        ("SCHEMA_VALIDATION_FAILED", "/States/C/Seconds"),
        ("MISSING_TRANSITION_TARGET", "/States/B"),
        ("MISSING_TRANSITION_TARGET", "/States/C"),
    }


_KEYS = (
    "Type", "Next", "End", "States", "StartAt", "Choices", "Branches", "Variable",
    "ItemProcessor", "Parameters", "a.$", "Retry", "Catch", "ErrorEquals", "And",
)  # fmt: skip
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(["Type", "Next", "Choices", "Branches", "Parameters", "Retry"]),
       value=_json)  # fmt: skip
def test_never_raises_on_any_json(field: str, value: Any) -> None:
    choice_state = {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True}]}
    for state in (passing(), task(), choice_state, map_state()):
        result = validate(one({**state, field: value}))
        assert all(isinstance(d, Diagnostic) for d in result)
    assert isinstance(validate({"StartAt": "S", "States": value}), list)


def test_deep_nesting_is_refused_not_recursed() -> None:
    rule: dict[str, Any] = {"Variable": "$.x", "IsNull": True}
    for _ in range(200):
        rule = {"Not": rule}
    assert any(d.code == "TOO_DEEPLY_NESTED" for d in validate(choice(rule)))
    scope: dict[str, Any] = {"StartAt": "P", "States": {"P": passing()}}
    for depth in range(100):
        scope = {"StartAt": f"M{depth}", "States": {f"M{depth}": map_state(ItemProcessor=scope)}}
    assert any(d.code == "TOO_DEEPLY_NESTED" for d in validate(scope))


def test_a_one_mebibyte_definition_validates_well_under_a_second() -> None:
    states: dict[str, Any] = {}
    for n in range(4600):
        states[f"S{n}"] = {
            "Type": "Pass",
            "Parameters": {"a.$": f"$.x{n}", "b.$": "States.Format('{}', $.a)", "c": {"d": n}},
            "ResultPath": f"$.r{n}",
            "Next": f"S{n + 1}",
            "Comment": "padding " * 20,
        }
    states["S4600"] = {"Type": "Succeed"}
    definition = {"StartAt": "S0", "States": states}
    assert len(json.dumps(definition)) > 1_000_000
    started = time.perf_counter()
    assert validate(definition) == []
    assert time.perf_counter() - started < 1.0


# --- what AWS accepted ------------------------------------------------------------------

_SKIP_FEATURES = {"JSONata", "Variables", "Arguments", "Output", "Items"}


def _accepted_definitions() -> list[Any]:
    if not SHARED.is_dir():
        return [pytest.param(None, id="shared-missing", marks=pytest.mark.skip(
            reason=f"{SHARED} is absent: the AWS-accepted corpus is not available"))]  # fmt: skip
    params = []
    for path in sorted((SHARED / "bench" / "workloads").glob("*.json")):
        params.append(pytest.param(path, id=f"bench/{path.stem}"))
    for path in sorted((SHARED / "conformance" / "cases").glob("*.json")):
        features = set(json.loads(path.read_text()).get("features", ()))
        if not features & _SKIP_FEATURES:
            params.append(pytest.param(path, id=path.stem))
    return params


@pytest.mark.parametrize("path", _accepted_definitions())
def test_definitions_aws_accepted_have_no_errors(path: Path) -> None:
    definition = json.loads(path.read_text())["definition"]
    assert errors(definition) == []
