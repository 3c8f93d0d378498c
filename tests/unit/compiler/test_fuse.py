"""The fused (generated) state code must agree with the composed closures on every input:
the same output, or the same error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from express.compiler._choice import compile_rule
from express.compiler._fuse import fuse_pass
from express.compiler._fuse_choice import fuse_choice
from express.compiler._machine import _compile_pass
from express.errors import StatesError


class _Frame:
    variables: dict[str, Any] = {"v": {"x": 1}}  # noqa: RUF012

    def context(self) -> Any:
        return {"Execution": {"Name": "n"}}


F = _Frame()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False,
    allow_infinity=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["a", "b", "c", "items", "x"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip

PASS_STATES: list[dict[str, Any]] = [
    {"Type": "Pass", "End": True, "InputPath": "$.a", "ResultPath": "$.b.c"},
    {"Type": "Pass", "End": True, "Parameters": {"x.$": "$.a", "k": 1, "n": {"y.$": "$.b[0]"}}},
    {"Type": "Pass", "End": True, "Parameters": {"all.$": "$.items[*].a"}, "ResultPath": "$.r"},
    {"Type": "Pass", "End": True, "Result": {"s": 1}, "ResultPath": "$.a.b", "OutputPath": "$.a"},
    {"Type": "Pass", "End": True, "InputPath": None, "ResultPath": None, "OutputPath": "$.c"},
    {"Type": "Pass", "End": True, "Parameters": {"n.$": "States.ArrayLength($.items)"}},
    {"Type": "Pass", "End": True, "Parameters": {"v.$": "$v.x", "c.$": "$$.Execution.Name"}},
    # Array wildcards, written out as comprehensions (Jayway skips what does not match).
    {"Type": "Pass", "End": True, "Parameters": {"w.$": "$.items[*]", "k.$": "$.a[*].b"}},
    {"Type": "Pass", "End": True, "Parameters": {"w.$": "$.items[*].x[*].a", "i.$": "$[*][0]"}},
    {"Type": "Pass", "End": True, "Parameters": {"w.$": "$.a[*][*]", "j.$": "$.items[*].a.b"}},
    # Prefixes shared by several paths are read once (the first use may be an argument).
    {
        "Type": "Pass",
        "End": True,
        "Parameters": {
            "m.$": "States.Format('{}', $.a.b)",
            "x.$": "$.a.c",
            "y.$": "$.a.b",
            "z": {"w.$": "$.a.c.x", "v.$": "$.items[0].a"},
            "u.$": "$.items[0].b",
        },
    },
    # States.Format of strings as a concatenation; anything else printed as Java does.
    {"Type": "Pass", "End": True, "Parameters": {"s.$": "States.Format('{} and {}!', $.a, $.b)"}},
    {"Type": "Pass", "End": True, "Parameters": {"s.$": "States.Format('{}', $.items[*].a)"}},
    {"Type": "Pass", "End": True, "Parameters": {"s.$": "States.Format('x\\{ {}', $.x)"}},
]


def _outcome(fn: Any, data: Any) -> Any:
    try:
        return ("ok", fn(data, F))
    except StatesError as err:
        return ("error", err.error, err.cause)


@pytest.mark.parametrize("node", PASS_STATES)
@settings(max_examples=150, deadline=None)
@given(data=json_values)
def test_fused_pass_agrees_with_composed_closures(node: dict[str, Any], data: Any) -> None:
    fused = _compile_pass("S", node)
    assert fused is not None
    slow = fused.__globals__.get("slow") if hasattr(fused, "__globals__") else None
    assert slow is not None, "the Pass state was not fused"
    assert _outcome(fused, data) == _outcome(slow, data)


def test_an_indexed_result_path_is_not_fused() -> None:
    def slow(d: Any, f: Any) -> Any:
        return d

    assert fuse_pass({"Type": "Pass", "End": True, "ResultPath": "$.items[0]"}, slow) is slow


CHOICE_RULES: list[dict[str, Any]] = [
    {"Variable": "$.a", "IsPresent": True},
    {"Variable": "$.a", "IsNull": False},
    {"Variable": "$.b", "StringEquals": "x"},
    {"Variable": "$.a", "NumericGreaterThan": 1.5},
    {"Variable": "$.a", "NumericEquals": 2},
    {"Variable": "$.c", "BooleanEquals": True},
    {"Variable": "$.items[0]", "NumericLessThanEquals": 3},
    {"Variable": "$.a", "NumericGreaterThanPath": "$.c"},
    {"Not": {"Variable": "$.x", "StringMatches": "a*"}},
    {"Variable": "$.b", "StringMatches": "*b"},
    {"Variable": "$.x", "StringMatches": "a*a"},
    {"Variable": "$.b", "StringMatches": "\\**"},
    {"And": [{"Variable": "$.a", "IsPresent": False}, {"Variable": "$.b", "IsString": True}]},
    {"Or": [{"Variable": "$.b", "StringLessThan": "m"}, {"Variable": "$.a", "IsNumeric": True}]},
]


@settings(max_examples=400, deadline=None)
@given(
    data=st.dictionaries(st.sampled_from(["a", "b", "c", "items", "x"]), json_values, max_size=5)
)
def test_fused_choice_agrees_with_the_predicates(data: Any) -> None:
    predicates = tuple(compile_rule(r) for r in CHOICE_RULES)
    select = fuse_choice(CHOICE_RULES, predicates)

    def slow(d: Any, f: Any) -> int:
        for i, p in enumerate(predicates):
            if p(d, f):
                return i
        return -1

    assert _outcome(select, data) == _outcome(slow, data)
