"""The 18 intrinsic functions, written from the AWS Step Functions Developer Guide
("Intrinsic functions") and, where the guide is silent, from executions recorded on AWS
(LocalStack's snapshot tests and an AWS-executed conformance suite)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from express.asl._intrinsics import IntrinsicSyntaxError
from express.compiler._paths import PathError
from express.compiler.intrinsics import INTRINSIC_ERROR, compile_intrinsic
from express.errors import ErrorName, StatesError


class Frame:
    def __init__(self, variables: dict[str, Any] | None = None, context: Any = None) -> None:
        self.variables = variables or {}
        self._context = context if context is not None else {}
        self.context_reads = 0

    def context(self) -> Any:
        self.context_reads += 1
        return self._context


def run(text: str, data: Any = None, frame: Frame | None = None) -> Any:
    return compile_intrinsic(text)(data, frame or Frame())


def fails(text: str, data: Any = None, frame: Frame | None = None) -> StatesError:
    getter = compile_intrinsic(text, check_args=False)
    with pytest.raises(StatesError) as info:
        getter(data, frame or Frame())
    assert info.value.error == INTRINSIC_ERROR
    return info.value


def test_failures_are_states_runtime_as_on_aws() -> None:
    assert INTRINSIC_ERROR == ErrorName.RUNTIME


def test_cause_quotes_the_failing_call() -> None:
    error = fails("States.Array(1, States.MathAdd($.a, 1))", {"a": "x"})
    assert error.cause == (
        "There was an error while evaluating the intrinsic function: "
        "States.MathAdd($.a, 1). Invalid arguments in States.MathAdd"
    )


# --- Arguments: literals, paths, nesting --------------------------------------------------


def test_paths_to_data_context_and_variables() -> None:
    frame = Frame({"v": {"x": [7]}}, {"Execution": {"Id": "arn:e"}})
    assert run("States.Array($, $.a, $$.Execution.Id, $v.x[0])", {"a": 1}, frame) == [
        {"a": 1},
        1,
        "arn:e",
        7,
    ]


def test_missing_path_raises_path_error_for_the_caller() -> None:
    with pytest.raises(PathError):
        run("States.Array($.missing)", {})


def test_escaped_literal() -> None:
    assert run(r"States.Array('it\'s \{x\} a\\b')") == ["it's {x} a\\b"]


def test_all_literal_calls_are_evaluated_once_at_compile_time() -> None:
    getter = compile_intrinsic("States.Format('{}-{}', States.MathAdd(1, 2), 'x')")
    assert getter(None, Frame()) is getter({"other": 1}, Frame())


def test_literal_arrays_are_fresh_on_every_run() -> None:
    getter = compile_intrinsic("States.ArrayRange(1, 3, 1)")
    first = getter(None, Frame())
    first.append(99)
    assert getter(None, Frame()) == [1, 2, 3]


def test_failing_literal_call_fails_when_run_not_when_compiled() -> None:
    getter = compile_intrinsic("States.ArrayRange(1, 5000, 1)")
    with pytest.raises(StatesError):
        getter(None, Frame())


def test_arity_error_is_raised_at_compile_time_by_default() -> None:
    with pytest.raises(IntrinsicSyntaxError, match="takes 3 arguments"):
        compile_intrinsic("States.ArrayRange(1, 2)")


def test_arity_error_fails_at_run_time_when_deferred() -> None:
    error = fails("States.ArrayRange(1, 2)")
    assert error.cause is not None
    assert error.cause.endswith("Invalid arguments in States.ArrayRange")


def test_nesting() -> None:
    data = {"arn": "arn:aws:imagebuilder:us-east-1:1:image-recipe/name/1.2.3"}
    text = (
        "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit("
        "States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 1))"
    )
    assert run(text, data) == "1.2"


# --- States.Format ------------------------------------------------------------------------


def test_format_documented_examples() -> None:
    data = {"name": "Arnav", "template": "Hello, my name is {}."}
    assert run("States.Format('Hello, my name is {}.', $.name)", data) == (
        "Hello, my name is Arnav."
    )
    assert run("States.Format($.template, $.name)", data) == "Hello, my name is Arnav."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("", ""),
        (None, "null"),
        (1, "1"),
        (1.1, "1.1"),
        (1.0, "1.0"),
        (1e20, "1.0E20"),
        (0.0001, "1.0E-4"),
        (True, "true"),
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),  # AWS-recorded
        (["a", None, [1.5]], "[a, null, [1.5]]"),
    ],
)
def test_format_prints_values_as_java_does(value: Any, text: str) -> None:
    assert run("States.Format('<{}>', $.v)", {"v": value}) == f"<{text}>"


def test_format_escaped_braces_are_not_placeholders() -> None:
    assert run(r"States.Format('\{\} {} \\ \'', 1)") == "{} 1 \\ '"


def test_format_placeholder_count_must_match() -> None:
    fails("States.Format('{} {}', $.a)", {"a": 1})
    fails("States.Format($.t, 1, 2)", {"t": "{}"})


def test_format_template_from_data() -> None:
    assert run("States.Format($.t, 'x')", {"t": "It's {}!"}) == "It's x!"
    error = fails("States.Format($.t, 'x')", {"t": "{ {}"})
    assert error.cause is not None
    assert error.cause.endswith(
        "Invalid template in States.Format: matching '}' not found for '{'."
    )


def test_format_bad_literal_template_fails_at_run_time_when_deferred() -> None:
    error = fails("States.Format('Hello {', 'x')")
    assert error.cause is not None
    assert "Invalid template in States.Format" in error.cause


def test_format_rejects_a_non_string_template() -> None:
    fails("States.Format($.t)", {"t": 123})


# --- States.StringSplit -------------------------------------------------------------------


def test_string_split_documented_examples() -> None:
    assert run("States.StringSplit($.s, $.d)", {"s": "1,2,3,4,5", "d": ","}) == list("12345")
    data = {"s": "This.is+a,test=string", "d": ".+,="}
    assert run("States.StringSplit($.s, $.d)", data) == ["This", "is", "a", "test", "string"]


@pytest.mark.parametrize(
    ("text", "delimiters", "expected"),
    [
        (", , ,", ",", [" ", " "]),  # AWS-recorded: empty tokens are dropped
        ("a,,b", ",", ["a", "b"]),
        ("", ",", []),
        (",", ",", []),
        ("1a2b3ab4", "ab", ["1", "2", "3", "4"]),
        ("a.b|c+d", ".|+", ["a", "b", "c", "d"]),
        ("a]b^c-d\\e", "]^-\\", ["a", "b", "c", "d", "e"]),
        ("abc", "", ["abc"]),
        ("Hello\nWorld", "\n", ["Hello", "World"]),
    ],
)
def test_string_split(text: str, delimiters: str, expected: list[str]) -> None:
    assert run("States.StringSplit($.s, $.d)", {"s": text, "d": delimiters}) == expected


@pytest.mark.parametrize(("s", "d"), [(123, ","), ("a,b", 1), (None, ","), ("a", [","])])
def test_string_split_needs_strings(s: Any, d: Any) -> None:
    fails("States.StringSplit($.s, $.d)", {"s": s, "d": d})


# --- States.StringToJson / JsonToString / JsonMerge ---------------------------------------


def test_string_to_json_documented_example() -> None:
    assert run("States.StringToJson($.e)", {"e": '{"foo": "bar"}'}) == {"foo": "bar"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("", None), (" ", None), ("null", None), ("-0", 0), ("1.1", 1.1), ("true", True)],
)
def test_string_to_json_scalars(text: str, value: Any) -> None:
    assert run("States.StringToJson($.e)", {"e": text}) == value


@pytest.mark.parametrize("value", ["{bad json}", '{"a":1', "undefined", 123, {"a": 1}, None])
def test_string_to_json_rejects(value: Any) -> None:
    fails("States.StringToJson($.e)", {"e": value})


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"foo": "bar"}, '{"foo":"bar"}'),
        ({"Arg1": 1, "Arg2": []}, '{"Arg1":1,"Arg2":[]}'),  # AWS-recorded
        ("HelloWorld", '"HelloWorld"'),
        (None, "null"),
        ([1, 2, "x"], '[1,2,"x"]'),
        ([1.5, 1.0, 1e20, -0.0], "[1.5,1.0,1.0E20,-0.0]"),
        (2**70, str(2**70)),
        ("\ud800", '"\ud800"'),
    ],
)
def test_json_to_string(value: Any, text: str) -> None:
    assert run("States.JsonToString($.v)", {"v": value}) == text


def test_json_merge_documented_example() -> None:
    data = {
        "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
        "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
    }
    merged = run("States.JsonMerge($.json1, $.json2, false)", data)
    assert merged == {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}


def test_json_merge_key_order_is_a_java_hash_map_order() -> None:
    merged = run(
        'States.JsonMerge(States.StringToJson(\'{"constant_in_literal": "false"}\'), $, false)',
        {"constant_input_field": "v"},
    )
    assert list(merged) == ["constant_input_field", "constant_in_literal"]  # AWS-recorded


def test_json_merge_flag_other_than_true_is_shallow() -> None:
    assert run("States.JsonMerge($.a, $.b, $.f)", {"a": {"x": 1}, "b": {}, "f": "false"}) == {
        "x": 1
    }


@pytest.mark.parametrize(("a", "b", "deep"), [(None, {}, False), ({}, [], False), ({}, {}, True)])
def test_json_merge_rejects(a: Any, b: Any, deep: Any) -> None:
    fails("States.JsonMerge($.a, $.b, $.d)", {"a": a, "b": b, "d": deep})


# --- Arrays -------------------------------------------------------------------------------

NINE = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}


def test_array_documented_example() -> None:
    assert run("States.Array($.Id)", {"Id": 123456}) == [123456]
    assert run("States.Array()") == []


def test_array_partition() -> None:
    assert run("States.ArrayPartition($.inputArray, 4)", NINE) == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert run("States.ArrayPartition($.a, 1)", {"a": []}) == []
    assert run("States.ArrayPartition($.a, 2.6)", {"a": [1, 2, 3]}) == [[1, 2], [3]]


@pytest.mark.parametrize("size", [0, -1, 0.49, "2", None])
def test_array_partition_rejects_chunk_size(size: Any) -> None:
    fails("States.ArrayPartition($.a, $.n)", {"a": [1], "n": size})


def test_array_contains() -> None:
    assert run("States.ArrayContains($.inputArray, 5)", NINE) is True
    assert run("States.ArrayContains($.a, $.v)", {"a": [], "v": []}) is False
    assert run("States.ArrayContains($.a, $.v)", {"a": [{"1": 2, "2": []}], "v": {"1": 2, "2": []}})
    assert run("States.ArrayContains($.a, null)", {"a": [1, None]}) is True
    assert run("States.ArrayContains($.a, false)", {"a": [0, 1]}) is False


def test_array_contains_compares_java_text_as_aws_does() -> None:
    assert run("States.ArrayContains($.a, true)", {"a": ["true"]}) is True
    reordered = {"a": [{"a": 1, "b": 2}], "v": {"b": 2, "a": 1}}
    assert run("States.ArrayContains($.a, $.v)", reordered) is False


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("1, 9, 2", [1, 3, 5, 7, 9]),
        ("0, 10, 3", [0, 3, 6, 9]),
        ("1, 9, 9", [1]),
        ("3, 3, -1", [3]),
        ("5, 1, -2", [5, 3, 1]),
        ("5, 1, 1", []),
        ("1.6, 1.4, 1", [1]),  # AWS truncates fractions
        ("5.4, -0.6, -2.4", [5, 3, 1]),
    ],
)
def test_array_range(args: str, expected: list[int]) -> None:
    assert run(f"States.ArrayRange({args})") == expected


def test_array_range_limit_is_1000_items() -> None:
    assert len(run("States.ArrayRange(1, 1000, 1)")) == 1000
    assert len(run("States.ArrayRange(1000, 1, -1)")) == 1000
    fails("States.ArrayRange(1, 1001, 1)")
    fails("States.ArrayRange(0, 2000000000, 1)")


@pytest.mark.parametrize("args", ["1, 10, 0", "1, 10, 0.49", "'a', 5, 1", "1, 5, null"])
def test_array_range_rejects(args: str) -> None:
    fails(f"States.ArrayRange({args})")


def test_array_get_item() -> None:
    assert run("States.ArrayGetItem($.inputArray, 5)", NINE) == 6
    assert run("States.ArrayGetItem($.a, 1.2)", {"a": [10, 20]}) == 20
    assert run("States.ArrayGetItem($.a, 999)", {"a": []}) is None  # AWS-recorded quirk


@pytest.mark.parametrize(("items", "index"), [([10], 1), ([10], -1), ([10], "0"), ("ab", 0)])
def test_array_get_item_rejects(items: Any, index: Any) -> None:
    fails("States.ArrayGetItem($.a, $.i)", {"a": items, "i": index})


def test_array_length() -> None:
    assert run("States.ArrayLength($.inputArray)", NINE) == 9
    assert run("States.ArrayLength(States.Array())") == 0
    fails("States.ArrayLength($.a)", {"a": {"k": 1}})


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([1, 2, 3, 3, 3, 3, 3, 3, 4], [1, 2, 3, 4]),  # the guide's example
        (["a", "b", "a", "c"], ["a", "b", "c"]),
        ([None, None, 1, None], [None, 1]),
        ([True, False, True, False], [False, True]),  # AWS-recorded HashSet order
        ([[1, 2], [1, 2], [2, 1]], [[2, 1], [1, 2]]),  # AWS-recorded HashSet order
        ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], [{"a": 1, "b": 2}]),
        ([1, "1", "01"], [1, "1", "01"]),
        ([], []),
    ],
)
def test_array_unique(items: list[Any], expected: list[Any]) -> None:
    assert run("States.ArrayUnique($.a)", {"a": items}) == expected


def test_array_unique_keeps_int_and_fraction_apart() -> None:
    result = run("States.ArrayUnique($.a)", {"a": [1, 1.0]})
    assert sorted(type(v).__name__ for v in result) == ["float", "int"]


# --- Encoding and hashing -----------------------------------------------------------------


def test_base64_documented_examples() -> None:
    assert run("States.Base64Encode($.s)", {"s": "Data to encode"}) == "RGF0YSB0byBlbmNvZGU="
    assert run("States.Base64Decode($.s)", {"s": "RGF0YSB0byBlbmNvZGU="}) == "Data to encode"
    assert run("States.Base64Encode('')") == ""
    assert run("States.Base64Encode('🚀')") == "8J+agA=="
    assert run("States.Base64Decode(States.Base64Encode('こんにちは'))") == "こんにちは"


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [("abc", "i\ufffd"), ("ab==cd", "i"), (" YWJjZA== ", "abcd"), ("YWJjZA", "abcd")],
)
def test_base64_decode_is_lenient_as_on_aws(encoded: str, decoded: str) -> None:
    assert run("States.Base64Decode($.s)", {"s": encoded}) == decoded


def test_base64_limit_is_10000_characters() -> None:
    assert run("States.Base64Encode($.s)", {"s": "a" * 10_000})
    fails("States.Base64Encode($.s)", {"s": "a" * 10_001})
    fails("States.Base64Encode($.s)", {"s": "🚀" * 5_001})  # Java counts UTF-16 units
    fails("States.Base64Decode($.s)", {"s": "A" * 10_001})


@pytest.mark.parametrize("value", [123, {}, ["x"], None])
def test_base64_needs_a_string(value: Any) -> None:
    fails("States.Base64Encode($.v)", {"v": value})
    fails("States.Base64Decode($.v)", {"v": value})


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"])
def test_hash_algorithms(algorithm: str) -> None:
    name = algorithm.replace("-", "").lower()
    expected = hashlib.new(name, b"input data").hexdigest()
    assert run("States.Hash($.d, $.a)", {"d": "input data", "a": algorithm}) == expected


def test_hash_recorded_on_aws() -> None:
    assert run("States.Hash('input data', 'SHA-256')") == (
        "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"
    )
    assert run("States.Hash('hello', 'MD5')") == "5d41402abc4b2a76b9719d911017c592"


def test_hash_turns_other_values_into_text() -> None:
    assert run("States.Hash(123, 'MD5')") == hashlib.md5(b"123").hexdigest()


@pytest.mark.parametrize("algorithm", ["sha-256", "SHA256", "", "MD-5", 123])
def test_hash_rejects_unknown_algorithm(algorithm: Any) -> None:
    fails("States.Hash('data', $.a)", {"a": algorithm})


def test_hash_limit_is_10000_characters() -> None:
    assert run("States.Hash($.s, 'MD5')", {"s": "a" * 10_000})
    fails("States.Hash($.s, 'MD5')", {"s": "a" * 10_001})


# --- Math and UUID ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "total"),
    [
        (111, -1, 110),  # the guide's example
        (1.49, 1.5, 3),  # AWS-recorded from here on: Java's Math.round
        (1.5, 1.51, 4),
        (-1.49, -1.5, -2),
        (-2.5, 0, -2),
        (-0.5, 0, 0),
        (3.5, 0, 4),
        (2147483646, 1, 2147483647),
        (-2147483647, -1, -2147483648),
    ],
)
def test_math_add(a: Any, b: Any, total: int) -> None:
    assert run("States.MathAdd($.a, $.b)", {"a": a, "b": b}) == total


@pytest.mark.parametrize(
    ("a", "b"),
    [(2147483647, 1), (-2147483648, -1), (3000000000, 1), ("1", 2), (None, 1), (True, 1)],
)
def test_math_add_rejects(a: Any, b: Any) -> None:
    fails("States.MathAdd($.a, $.b)", {"a": a, "b": b})


def test_math_random_stays_in_range() -> None:
    getter = compile_intrinsic("States.MathRandom($.s, $.e)")
    values = {getter({"s": 1, "e": 4}, Frame()) for _ in range(200)}
    assert values == {1, 2, 3}  # the end is excluded


def test_math_random_with_seed_matches_java() -> None:
    # new java.util.Random(42).nextInt(10) is 0: seed 42 over [-5, 5) gives -5 on AWS.
    assert run("States.MathRandom(-5, 5, 42)") == -5
    assert run("States.MathRandom($.s, $.e, $.seed)", {"s": 0, "e": 999, "seed": 3}) == run(
        "States.MathRandom(0, 999, 3)"
    )


@pytest.mark.parametrize("args", ["1, 1", "10, 5", "1.4, 1.6", "'a', 10", "1, 10, 'seed'"])
def test_math_random_rejects(args: str) -> None:
    fails(f"States.MathRandom({args})")


def test_uuid_is_a_fresh_v4_on_every_run() -> None:
    getter = compile_intrinsic("States.UUID()")
    first, second = getter(None, Frame()), getter(None, Frame())
    pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert re.fullmatch(pattern, first)
    assert first != second
