"""The intrinsic-function grammar, from the AWS Step Functions Developer Guide ("Intrinsic
functions", "Reserved characters in intrinsic functions")."""

from __future__ import annotations

import pytest

from express.asl._intrinsics import (
    FUNCTIONS,
    Call,
    IntrinsicSyntaxError,
    Path,
    Template,
    arity,
    check_arguments,
    looks_like_intrinsic,
    parse_intrinsic,
    split_template,
)


def syntax_error(text: str) -> IntrinsicSyntaxError:
    with pytest.raises(IntrinsicSyntaxError) as info:
        parse_intrinsic(text)
    return info.value


def test_all_eighteen_functions_are_known() -> None:
    assert len(FUNCTIONS) == 18


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Array($.Id)", True),
        ("States.UUID()", True),
        ("States.Format ('x')", False),
        ("$.States.Array()", False),
        ("States.", False),
        ("states.Array()", False),
    ],
)
def test_looks_like_intrinsic(text: str, expected: bool) -> None:
    assert looks_like_intrinsic(text) is expected


def test_literals() -> None:
    call = parse_intrinsic("States.Array('a', 1, -2, 1.5, 2e3, true, false, null)")
    assert call == Call("States.Array", ("a", 1, -2, 1.5, 2000.0, True, False, None))
    assert type(call.args[1]) is int
    assert type(call.args[4]) is float
    assert call.text == "States.Array('a', 1, -2, 1.5, 2e3, true, false, null)"


def test_paths_to_data_context_and_variables() -> None:
    call = parse_intrinsic("States.Array($, $.a.b[0], $$.Execution.Id, $total, $var.x['y z'])")
    assert call.args == (
        Path("$"),
        Path("$.a.b[0]"),
        Path("$$.Execution.Id"),
        Path("$total"),
        Path("$var.x['y z']"),
    )


def test_path_with_filter_keeps_its_commas_and_parentheses() -> None:
    call = parse_intrinsic("States.Array($.a[?(@.b == 'x,y')], $.c)")
    assert call.args == (Path("$.a[?(@.b == 'x,y')]"), Path("$.c"))


def test_escapes_in_string_literals() -> None:
    # The guide: \' is ', \{ is {, \} is }, \\ is \.
    call = parse_intrinsic(r"States.Array('it\'s \{x\} a\\b')")
    assert call.args == ("it's {x} a\\b",)


def test_braces_and_newlines_need_no_escape_outside_format() -> None:
    # AWS-recorded: States.StringToJson('{"constant_in_literal": "false"}') works.
    assert parse_intrinsic("""States.StringToJson('{"a": 1}')""").args == ('{"a": 1}',)
    assert parse_intrinsic("States.StringSplit('Hello\nWorld', '\n')").args == (
        "Hello\nWorld",
        "\n",
    )


def test_format_template_keeps_its_escapes() -> None:
    call = parse_intrinsic(r"States.Format('a \{\} {} b', $.x)")
    assert call.args[0] == Template(r"a \{\} {} b")
    assert split_template(r"a \{\} {} b") == ("a {} ", " b")


def test_whitespace_between_tokens() -> None:
    call = parse_intrinsic("States.Array( $.a ,\n\t'b' )  ")
    assert call.args == (Path("$.a"), "b")


def test_nested_calls() -> None:
    call = parse_intrinsic("States.ArrayGetItem(States.StringSplit($.arn, ':'), 3)")
    inner = call.args[0]
    assert isinstance(inner, Call)
    assert inner == Call("States.StringSplit", (Path("$.arn"), ":"))
    assert inner.text == "States.StringSplit($.arn, ':')"


def test_ten_nested_calls_are_allowed_eleven_are_not() -> None:
    ten = "States.Array(" * 10 + "1" + ")" * 10
    parse_intrinsic(ten)
    error = syntax_error("States.Array(" * 11 + "1" + ")" * 11)
    assert "more than 10 nested" in str(error)
    assert not error.deferrable


def test_documented_nine_function_example() -> None:
    # The guide's own example has three {} but two values: AWS accepts the definition and
    # would fail when it runs, so the mismatch is only a deferrable error.
    text = (
        "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem("
        "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2),"
        " '.'), 1))"
    )
    assert parse_intrinsic(text, check_args=False).name == "States.Format"
    error = syntax_error(text)
    assert error.deferrable
    assert "3 '{}' placeholder(s) but 2 value argument(s)" in str(error)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("States.Foo(1)", "unknown intrinsic function 'States.Foo'", 1),
        ("States.Array(1", "missing ')'", 15),
        ("States.Array(1,)", "missing argument", 16),
        ("States.Array(,1)", "missing argument", 14),
        (r"States.Array('a\nb')", "invalid escape", 16),
        ("States.Array('abc)", "unterminated string", 14),
        ("States.Array(1) x", "unexpected 'x' after the call", 17),
        ("States.Array(1 2)", "expected ',' or ')'", 16),
        ("States.Array(01)", "expected ',' or ')'", 15),
        ("States.Array(.5)", "unexpected '.'", 14),
        ("States.Array(1.)", "expected ',' or ')'", 15),
        ("States.Array(1e999)", "number out of range", 14),
        ("States.Array([1, 2])", "unexpected '['", 14),
        ("States.Array(foo)", "unexpected 'f'", 14),
        ("States.Array (1)", "expected '(' after States.Array", 13),
        ("States.Array($.a b)", "expected ',' or ')'", 18),
        ("States.Array($[)", "invalid path '$[)'", 14),
    ],
)
def test_syntax_errors_name_the_position(text: str, message: str, position: int) -> None:
    error = syntax_error(text)
    assert message in str(error)
    assert error.position == position
    assert f"at position {position}" in str(error)
    assert not error.deferrable


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("States.Format", (1, None)),
        ("States.Array", (0, None)),
        ("States.JsonMerge", (3, 3)),
        ("States.MathRandom", (2, 3)),
        ("States.UUID", (0, 0)),
        ("States.ArrayRange", (3, 3)),
        ("States.Hash", (2, 2)),
        ("States.StringToJson", (1, 1)),
    ],
)
def test_arity(name: str, expected: tuple[int, int | None]) -> None:
    assert arity(name) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("States.Format()", "States.Format takes at least 1 argument, got 0"),
        ("States.UUID(1)", "States.UUID takes no arguments, got 1"),
        ("States.MathRandom(1)", "States.MathRandom takes 2 to 3 arguments, got 1"),
        ("States.ArrayRange(1, 2)", "States.ArrayRange takes 3 arguments, got 2"),
        ("States.Array(States.Hash('a'))", "States.Hash takes 2 arguments, got 1"),
        ("States.ArrayLength('abc')", "argument 1 of States.ArrayLength must be an array"),
        ("States.JsonMerge($.a, 1, false)", "argument 2 of States.JsonMerge must be a JSON"),
        ("States.MathAdd('1', 2)", "argument 1 of States.MathAdd must be a number"),
        ("States.MathAdd(true, 2)", "argument 1 of States.MathAdd must be a number, got true"),
        ("States.StringSplit($.s, 1)", "argument 2 of States.StringSplit must be a string"),
        ("States.Hash('a', 'SHA256')", "must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"),
        ("States.JsonMerge($.a, $.b, true)", "only supports shallow merging"),
        ("States.Format('{} {}', $.a)", "2 '{}' placeholder(s) but 1 value argument(s)"),
        ("States.Format('x', $.a)", "0 '{}' placeholder(s) but 1 value argument(s)"),
        ("States.Format('Hello {', $.a)", "matching '}' not found for '{'."),
        ("States.Format('}')", "matching '{' not found for '}'."),
        ("States.Format('{{}}', $.a)", "matching '}' not found for '{'."),
    ],
)
def test_argument_errors_are_deferrable(text: str, message: str) -> None:
    # AWS accepts these definitions and fails when the call runs.
    error = syntax_error(text)
    assert message in str(error)
    assert error.deferrable
    call = parse_intrinsic(text, check_args=False)
    with pytest.raises(IntrinsicSyntaxError):
        check_arguments(call)


@pytest.mark.parametrize(
    "text",
    [
        "States.Hash(123, 'MD5')",  # AWS hashes non-string data as text
        "States.JsonMerge($.a, $.b, 'false')",  # AWS takes any non-true flag as shallow
        "States.JsonToString('x')",
        "States.Format($.template, $.a, $.b)",  # placeholders are counted at run time
        "States.ArrayRange(1.5, 2, 1)",
        "States.MathRandom(1, 10, 42)",
        r"States.Format('\{\}{}', 1)",
    ],
)
def test_valid_argument_combinations(text: str) -> None:
    parse_intrinsic(text)


def test_template_escapes_from_data_are_kept_when_not_reserved() -> None:
    assert split_template(r"C:\dir {}", strict=False) == ("C:\\dir ", "")
    with pytest.raises(IntrinsicSyntaxError, match="invalid escape"):
        split_template(r"C:\dir {}")
