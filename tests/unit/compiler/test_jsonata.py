"""JSONata expressions: the lexical scan, parsing, AWS's ``$states`` binding, AWS's six
functions, ``$eval`` refused, the evaluation bounds and the error wording.

Written from the Developer Guide ("Transforming data with JSONata in Step Functions": the
``{% %}`` syntax, ``$states``, the functions Step Functions adds, ``$eval`` unsupported) and
from AWS's recorded causes (``The JSONata expression '...' specified for the field '...'
returned nothing (undefined).``). Edge cases of the six functions follow Floci's
measurements against AWS (floci-io/floci, ``JsonataEvaluator``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from express.asl._validate import validate
from express.asl._validate_jsonata import scan, syntax_error
from express.compiler import _jsonata
from express.compiler._jsonata import MISSING, compile_expression, is_expression
from express.errors import ErrorName, StatesError


class Frame:
    def __init__(self, variables: dict[str, Any] | None = None, context: Any = None) -> None:
        self._variables = variables or {}
        self._context = context if context is not None else {"Execution": {"Name": "n"}}
        self.context_reads = 0

    @property
    def variables(self) -> dict[str, Any]:
        return self._variables

    def context(self) -> Any:
        self.context_reads += 1
        return self._context


def value(
    text: str,
    state_input: Any = None,
    *,
    variables: dict[str, Any] | None = None,
    result: Any = MISSING,
    error_output: Any = MISSING,
    field: str = "Output",
) -> Any:
    expr = compile_expression("{% " + text + " %}")
    return expr.value(field, Frame(variables), state_input, result, error_output)


def failure(text: str, state_input: Any = None, **kwargs: Any) -> str:
    with pytest.raises(StatesError) as info:
        value(text, state_input, **kwargs)
    assert info.value.error == ErrorName.QUERY_EVALUATION_ERROR
    assert info.value.cause is not None
    return info.value.cause


# --- the {% %} syntax -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% $states.input %}", True),
        ("{%$states.input%}", True),
        (" {% states.input %} ", False),  # not exactly "{% ... %}": a literal
        ("$states.input", False),
        ("{% 1", False),
        (42, False),
    ],
)
def test_only_a_whole_delimited_string_is_an_expression(text: Any, expected: bool) -> None:
    assert is_expression(text) is expected


def test_an_expression_is_compiled_once_and_shared() -> None:
    assert compile_expression("{% $states.input.a %}") is compile_expression(
        "{%   $states.input.a   %}"
    )


# --- the scan -------------------------------------------------------------------------------


def test_scan_finds_states_fields_and_variables() -> None:
    info = scan("$sum($states.input.items) + $bias + $states.context.Execution.Name")
    assert info.states_fields == {"input", "context"}
    assert "bias" in info.free_variables
    assert "sum" not in info.free_variables  # called: a function, not a variable
    assert not info.whole_states


def test_scan_treats_locally_bound_names_as_local() -> None:
    info = scan("($x := 1; $map([1], function($v){ $v + $x + $outer }))")
    assert info.free_variables == {"outer"}


def test_scan_sees_whole_states_use() -> None:
    assert scan("$lookup($states, 'input')").whole_states


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("phone", ("phone",)),
        ("$states.input.phone", ()),
        ("$states.input.items[value > 3]", ()),  # a predicate reads each item
        ("$states.input.items^(price)", ()),  # a sort term reads each item
        ("$states.input.items{kind: price}", ()),  # a grouping reads each item
        ("$states.input.(a + b)", ()),  # a step reads the selected value
        ('{"k": v}', ("v",)),
        ("$string(a)", ("a",)),
        ("$states.input.$string(a)", ()),
        ("$map($states.input.a, function($x){ b })", ("b",)),  # a lambda keeps its context
        ("function($x)<n:n>{ $x + c }", ("c",)),
        ("`odd name`", ("odd name",)),
        ("true and false or null", ()),
        ("'a string' & \"another\"", ()),
    ],
)
def test_scan_finds_references_to_the_top_level_context(text: str, names: tuple[str, ...]) -> None:
    assert scan(text).top_level_names == names


def test_scan_finds_dollar_dollar_and_a_bare_dollar() -> None:
    assert scan("$$.a").dollar_dollar
    assert scan("$").bare_dollar
    assert not scan("$states.input.items[$ > 1]").bare_dollar


def test_a_regular_expression_is_not_scanned_as_code() -> None:
    info = scan("$contains('hello$world', /^hello\\$/)")
    assert info.top_level_names == ()
    assert info.free_variables == frozenset()


# --- parsing (INVALID_JSONATA_EXPRESSION) ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a[1,2)", 'Expected "]", got ","'),
        ('"unterminated', "String literal must be terminated by a matching quote"),
        ("1 +", "Unexpected end of expression"),
        ("", "Unexpected end of expression"),
        ("$x :=", "Unexpected end of expression"),
    ],
)
def test_syntax_errors_are_worded_without_the_code(text: str, message: str) -> None:
    assert syntax_error(text) == message


def test_jsonata_2_1_operators_are_refused_as_aws_2_0_6_refuses_them() -> None:
    assert syntax_error("$states.input.a ?: 1") is not None
    assert syntax_error("$states.input.a ?? 1") is not None


def test_a_valid_expression_has_no_syntax_error() -> None:
    assert syntax_error("$states.input.a[$ > 1].b") is None


# --- $states --------------------------------------------------------------------------------


def test_states_input_is_the_state_input() -> None:
    assert value("$states.input.a", {"a": [1, 2]}) == [1, 2]


def test_states_result_and_error_output_are_bound_where_offered() -> None:
    assert value("$states.result.x", {}, result={"x": 3}) == 3
    assert value("$states.errorOutput.Error", {}, error_output={"Error": "E", "Cause": ""}) == "E"


def test_states_result_is_absent_before_the_work() -> None:
    cause = failure("$states.result", {}, field="Arguments")
    assert cause.endswith("specified for the field 'Arguments' returned nothing (undefined).")


def test_states_context_is_built_only_for_expressions_that_read_it() -> None:
    frame = Frame()
    compile_expression("{% $states.input %}").value("Output", frame, {})
    assert frame.context_reads == 0
    got = compile_expression("{% $states.context.Execution.Name %}").value("Output", frame, {})
    assert got == "n"
    assert frame.context_reads == 1


def test_only_the_fields_an_expression_names_are_bound_with_the_same_result() -> None:
    expr = compile_expression("{% $states.input.a + $states.context.Map.Item.Index %}")
    frame = Frame(context={"Execution": {"Input": "large"}, "Map": {"Item": {"Index": 1}}})
    bound = expr.bindings(frame, {"a": 1, "big": "x" * 1000}, MISSING, MISSING)
    assert bound["states"] == {"input": {"a": 1}, "context": {"Map": {"Item": {"Index": 1}}}}
    assert expr.value("Output", frame, {"a": 1, "big": "x"}) == 2
    # An array input is bound whole: a path maps over its items.
    assert value("$states.input.a", [{"a": 1}, {"a": 2}]) == [1, 2]
    assert value("$keys($states.input)", {"a": 1, "b": 2}) == ["a", "b"]


def test_variables_are_referenced_by_name() -> None:
    assert value("$x + 1", variables={"x": 41}) == 42


def test_a_json_null_is_a_value() -> None:
    assert value("$states.input.a", {"a": None}) is None
    assert value("$type($states.input.a)", {"a": None}) == "null"


def test_integers_wider_than_64_bits_become_doubles() -> None:
    assert value("$states.input.n + 1", {"n": 2**70}) == pytest.approx(float(2**70))


def test_a_non_finite_result_is_written_as_aws_writes_it() -> None:
    assert value("1/0") == "Infinity"


# --- errors ---------------------------------------------------------------------------------


def test_nothing_is_an_error_naming_the_expression_and_field() -> None:
    assert failure("$doesNotExist", {}, field="Assign/result") == (
        "The JSONata expression '$doesNotExist' specified for the field 'Assign/result' "
        "returned nothing (undefined)."
    )


def test_a_jsonata_error_keeps_its_code_after_aws_sentence() -> None:
    cause = failure("$sum('a')", {})
    assert cause.startswith(
        "The JSONata expression '$sum('a')' specified for the field 'Output' threw an error "
        "during evaluation. T0412: "
    )


def test_eval_is_refused() -> None:
    cause = failure("$eval('1 + 1')")
    assert cause.endswith(
        "threw an error during evaluation. T1006: Attempted to invoke a non-function"
    )


# --- AWS's functions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("array", "size", "expected"),
    [
        ([0], 2, [[0]]),
        ([0, 1, 2], 1, [[0], [1], [2]]),
        ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]),
        ([0, 1, 2, 3], 5, [[0, 1, 2, 3]]),
        ([0, 1, 2, 3], 2.9, [[0, 1], [2, 3]]),  # rounded towards zero
    ],
)
def test_partition(array: list[int], size: float, expected: list[list[int]]) -> None:
    assert value("$partition($states.input.a, $states.input.n)", {"a": array, "n": size}) == (
        expected
    )


def test_partition_of_nothing_or_by_zero_is_nothing() -> None:
    failure("$partition([], 2)")
    failure("$partition([1], 0)")
    assert value("$exists($partition([], 2))") is False


def test_partition_by_a_negative_size_fails() -> None:
    assert "D3137" in failure("$partition([1, 2], -2)")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("1, 9, 2", [1, 3, 5, 7, 9]),
        ("0, 10, 3", [0, 3, 6, 9]),
        ("1, 9, 9", 1),  # a one-element range is the bare number
        ("5, 1, -2", [5, 3, 1]),
        ("-1.7, 2, 1", [-1, 0, 1, 2]),  # rounded towards zero
    ],
)
def test_range(args: str, expected: Any) -> None:
    assert value(f"$range({args})") == expected


@pytest.mark.parametrize("args", ["1, 5", "1, 5, 0", "1, 5, -1", "5, 1, 1"])
def test_range_without_a_usable_step_is_nothing(args: str) -> None:
    failure(f"$range({args})")


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [
        ("MD5", "900150983cd24fb0d6963f7d28e17f72"),
        ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ],
)
def test_hash(algorithm: str, digest: str) -> None:
    assert value(f"$hash('abc', '{algorithm}')") == digest


def test_hash_accepts_every_aws_algorithm_and_nothing_else() -> None:
    assert len(value("$hash('abc', 'SHA-384')")) == 96
    assert len(value("$hash('abc', 'SHA-512')")) == 128
    assert "Hash algorithm 'sha-256'" in failure("$hash('abc', 'sha-256')")


def test_random_with_a_seed_is_java_util_random() -> None:
    # AWS draws from java.util.Random: new Random(42).nextDouble().
    assert value("$random(42)") == 0.7275636800328681
    assert value("$random(42)") == value("$random(42)")


def test_random_without_a_seed_is_in_the_unit_interval() -> None:
    got = value("$random()")
    assert 0 <= got < 1


def test_uuid_is_a_version_4_uuid() -> None:
    got = value("$uuid()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", got)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("-0", 0), ("1.1", 1.1), ("true", True), ('[1, 2, "x"]', [1, 2, "x"]), ("null", None)],
)
def test_parse(text: str, expected: Any) -> None:
    assert value("$parse($states.input.s)", {"s": text}) == expected


def test_parse_of_invalid_json_fails() -> None:
    assert "D3137" in failure("$parse('{')")


def test_functions_can_be_passed_as_values() -> None:
    assert value("$map([[1, 2, 3]], function($a){ $partition($a, 2) })") == [[1, 2], [3]]


# --- bounds: a runaway expression ends promptly with an error -------------------------------


@pytest.fixture
def short_timeout() -> Iterator[None]:
    saved = _jsonata.LIMITS.timeout_ms
    _jsonata.LIMITS.timeout_ms = 50
    try:
        yield
    finally:
        _jsonata.LIMITS.timeout_ms = saved


def test_a_huge_sequence_is_refused() -> None:
    assert failure("[1..10000000]").endswith(
        "threw an error during evaluation: Expression evaluation memory limit exceeded"
    )
    assert "memory limit" in failure("$count([1..10000000])")


def test_the_largest_sequence_aws_accepts_is_accepted() -> None:
    assert value("$count([1..873782])") == 873782


def test_a_huge_range_is_refused_before_it_is_built() -> None:
    assert "memory limit" in failure("$range(0, 1000000000000, 1)")
    assert value("$count($range(1, 360145, 1))") == 360145
    assert "memory limit" in failure("$range(1, 360146, 1)")


def test_a_huge_pad_is_refused_before_it_is_built() -> None:
    assert "memory limit" in failure("$pad('', 1000000000)")
    assert value("$pad('ab', -4, '#')") == "##ab"


def test_unbounded_recursion_is_refused() -> None:
    assert "D1011" in failure("($f := function($n){ 1 + $f($n + 1) }; $f(0))")


def test_a_tail_recursive_loop_is_stopped_by_the_clock(short_timeout: None) -> None:
    assert "D1012" in failure("($f := function($n){ $f($n + 1) }; $f(0))")


def test_nesting_within_aws_depth_is_accepted() -> None:
    expr = "($f := function($n){ $n < 1 ? 0 : 1 + $f($n - 1) }; $f(30))"
    assert value(expr) == 30


# --- validation -----------------------------------------------------------------------------


def _machine(output: Any, **state: Any) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "S",
        "States": {"S": {"Type": "Pass", "Output": output, "End": True, **state}},
    }


def _codes(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(d.code, d.pointer, d.message) for d in validate(definition) if d.severity == "ERROR"]


def test_a_top_level_field_name_is_refused_as_aws_refuses_it() -> None:
    assert _codes(_machine({"v": "{% phone %}"})) == [
        (
            "UNSUPPORTED_JSONATA_EXPRESSION",
            "/States/S/Output/v",
            "Reference to 'phone' at the top level is not supported.",
        )
    ]


def test_dollar_dollar_is_refused() -> None:
    assert _codes(_machine("{% $$ %}")) == [
        (
            "UNSUPPORTED_JSONATA_EXPRESSION",
            "/States/S/Output",
            "Reference to '$$' is not supported.",
        )
    ]


def test_an_unparsable_expression_is_refused() -> None:
    assert _codes(_machine("{% a[1,2) %}")) == [
        ("INVALID_JSONATA_EXPRESSION", "/States/S/Output", 'Expected "]", got ","')
    ]


def test_error_output_is_only_available_in_a_catcher() -> None:
    assert [c[0] for c in _codes(_machine("{% $states.errorOutput %}"))] == [
        "UNSUPPORTED_JSONATA_EXPRESSION"
    ]
    task = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": "{% $states.errorOutput %}",
                        "Assign": {"e": "{% $states.errorOutput.Error %}"},
                        "Next": "D",
                    }
                ],
                "End": True,
            },
            "D": {"Type": "Succeed"},
        },
    }
    assert _codes(task) == []


def test_a_variable_nobody_assigns_is_a_warning_not_a_refusal() -> None:
    diagnostics = validate(_machine("{% $nobody %}"))
    assert [(d.code, d.severity) for d in diagnostics] == [
        ("UNDEFINED_VARIABLE_REFERENCE", "WARNING")
    ]
    jsonpath = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"known": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"k.$": "$known", "u.$": "$unknown"}, "End": True},
        },
    }
    warned = [(d.pointer, d.severity) for d in validate(jsonpath)]
    assert warned == [("/States/B/Parameters/u.$", "WARNING")]


def test_a_distributed_map_cannot_see_outer_variables() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "InputPath": "$outer", "End": True}},
                },
                "End": True,
            },
        },
    }
    assert [d.pointer for d in validate(definition)] == [
        "/States/M/ItemProcessor/States/P/InputPath"
    ]
