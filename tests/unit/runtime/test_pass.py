"""Pass state and the JSONPath data flow (InputPath, Parameters, Result, ResultPath,
OutputPath), from the Developer Guide pages on the Pass state, InputPath/Parameters,
ResultPath and OutputPath, and the States Language specification."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import express

from ._support import located, single

pytestmark = pytest.mark.anyio


async def run_pass(state: dict[str, Any], data: Any) -> express.ExecutionResult:
    return await express.StateMachine(single({"Type": "Pass", **state}, "P")).execute(data)


async def output_of(state: dict[str, Any], data: Any) -> Any:
    result = await run_pass(state, data)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


# --- Result ---------------------------------------------------------------------------------


async def test_without_result_the_output_is_the_input() -> None:
    assert await output_of({}, {"a": 1, "b": [1, 2]}) == {"a": 1, "b": [1, 2]}


async def test_result_replaces_the_input_by_default() -> None:
    assert await output_of({"Result": {"x": 1}}, {"a": 1}) == {"x": 1}


async def test_result_placed_by_result_path_spec_example() -> None:
    state = {
        "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
        "ResultPath": "$.coords",
    }
    assert await output_of(state, {"georefOf": "Home"}) == {
        "georefOf": "Home",
        "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
    }


async def test_result_is_static_even_when_it_looks_like_a_path() -> None:
    assert await output_of({"Result": {"v": "$.a"}}, {"a": 1}) == {"v": "$.a"}


async def test_scalar_result() -> None:
    assert await output_of({"Result": "done"}, {"a": 1}) == "done"


# --- Parameters -----------------------------------------------------------------------------


async def test_parameters_nested_paths_are_resolved() -> None:
    params = {
        "outer": {"inner.$": "$.a.b", "const": "c"},
        "whole.$": "$",
        "number": 3,
    }
    data = {"a": {"b": 1}}
    assert await output_of({"Parameters": params}, data) == {
        "outer": {"inner": 1, "const": "c"},
        "whole": {"a": {"b": 1}},
        "number": 3,
    }


async def test_parameters_objects_inside_arrays_are_resolved() -> None:
    params = {"list": [{"v.$": "$.name"}, {"s": 1}, "plain", [{"deep.$": "$.n"}]]}
    assert await output_of({"Parameters": params}, {"name": "x", "n": 2}) == {
        "list": [{"v": "x"}, {"s": 1}, "plain", [{"deep": 2}]]
    }


async def test_parameters_key_without_dollar_suffix_keeps_a_path_like_string() -> None:
    params = {"literal": "$.a", "resolved.$": "$.a"}
    assert await output_of({"Parameters": params}, {"a": 5}) == {"literal": "$.a", "resolved": 5}


async def test_parameters_static_values_are_the_same_for_every_execution() -> None:
    machine = express.StateMachine(
        single({"Type": "Pass", "Parameters": {"static": {"k": [1, 2]}, "v.$": "$.a"}}, "P")
    )
    first = await machine.execute({"a": 1})
    second = await machine.execute({"a": 2})
    assert first.output == {"static": {"k": [1, 2]}, "v": 1}
    assert second.output == {"static": {"k": [1, 2]}, "v": 2}


async def test_parameters_replace_the_input_then_result_path_merges_into_raw_input() -> None:
    state = {"InputPath": "$.a", "Parameters": {"got.$": "$.b"}, "ResultPath": "$.r"}
    assert await output_of(state, {"a": {"b": 1}, "z": 0}) == {
        "a": {"b": 1},
        "z": 0,
        "r": {"got": 1},
    }


async def test_parameters_path_matching_nothing_is_a_runtime_error() -> None:
    result = await run_pass({"Parameters": {"v.$": "$.missing"}}, {"a": 1})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause is not None
    assert result.cause.startswith(located("P", 2))
    assert "$.missing" in result.cause


# --- definite and indefinite paths ----------------------------------------------------------


ORDER = {"items": [{"sku": "A", "n": 1}, {"sku": "B", "n": 2}]}


async def test_definite_path_yields_a_scalar() -> None:
    assert await output_of({"Parameters": {"sku.$": "$.items[0].sku"}}, ORDER) == {"sku": "A"}


async def test_wildcard_path_yields_a_list() -> None:
    got = await output_of({"Parameters": {"skus.$": "$.items[*].sku"}}, ORDER)
    assert got == {"skus": ["A", "B"]}


async def test_filter_path_yields_a_list_even_for_one_match() -> None:
    got = await output_of({"Parameters": {"big.$": "$.items[?(@.n > 1)].sku"}}, ORDER)
    assert got == {"big": ["B"]}


async def test_negative_index_is_definite() -> None:
    assert await output_of({"Parameters": {"last.$": "$.items[-1].n"}}, ORDER) == {"last": 2}


# --- InputPath ------------------------------------------------------------------------------


async def test_input_path_selects_part_of_the_input() -> None:
    assert await output_of({"InputPath": "$.a"}, {"a": {"b": 1}, "c": 2}) == {"b": 1}


async def test_input_path_null_gives_an_empty_object() -> None:
    assert await output_of({"InputPath": None}, {"a": 1}) == {}


async def test_input_path_null_then_parameters_see_an_empty_object() -> None:
    state = {"InputPath": None, "Parameters": {"all.$": "$"}}
    assert await output_of(state, {"a": 1}) == {"all": {}}


async def test_input_path_dollar_keeps_the_input() -> None:
    assert await output_of({"InputPath": "$"}, {"a": 1}) == {"a": 1}


async def test_input_path_matching_nothing_is_a_runtime_error() -> None:
    result = await run_pass({"InputPath": "$.missing"}, {"a": 1})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause == located("P", 2) + (
        "Invalid path '$.missing' : No results for path: $['missing']"
    )


# --- ResultPath -----------------------------------------------------------------------------


async def test_result_path_dollar_replaces_the_input() -> None:
    assert await output_of({"Result": 7, "ResultPath": "$"}, {"a": 1}) == 7


async def test_result_path_merges_into_the_input() -> None:
    got = await output_of({"Result": "Hello", "ResultPath": "$.taskresult"}, {"who": "me"})
    assert got == {"who": "me", "taskresult": "Hello"}


async def test_result_path_overwrites_an_existing_field() -> None:
    got = await output_of({"Result": 2, "ResultPath": "$.a"}, {"a": 1, "b": 0})
    assert got == {"a": 2, "b": 0}


async def test_result_path_creates_missing_intermediate_objects() -> None:
    got = await output_of({"Result": {"r": 1}, "ResultPath": "$.a.b"}, {"x": 1})
    assert got == {"x": 1, "a": {"b": {"r": 1}}}


async def test_result_path_merges_into_an_existing_nested_object() -> None:
    got = await output_of({"Result": 3, "ResultPath": "$.a.c"}, {"a": {"b": 1}})
    assert got == {"a": {"b": 1, "c": 3}}


async def test_result_path_null_discards_the_result_and_keeps_the_raw_input() -> None:
    state = {"InputPath": "$.a", "Result": "ignored", "ResultPath": None}
    assert await output_of(state, {"a": {"b": 1}, "c": 2}) == {"a": {"b": 1}, "c": 2}


async def test_result_path_into_an_array_input_fails_with_result_path_match_failure() -> None:
    result = await run_pass({"Result": "x", "ResultPath": "$.r"}, [1, 2])
    assert result.status == "FAILED"
    assert result.error == "States.ResultPathMatchFailure"


async def test_result_path_into_a_string_input_fails_with_result_path_match_failure() -> None:
    result = await run_pass({"Result": "x", "ResultPath": "$.r"}, "text")
    assert result.status == "FAILED"
    assert result.error == "States.ResultPathMatchFailure"


# --- OutputPath -----------------------------------------------------------------------------


async def test_output_path_selects_part_of_the_output() -> None:
    state = {"Result": {"keep": 1, "drop": 2}, "ResultPath": "$.r", "OutputPath": "$.r.keep"}
    assert await output_of(state, {"a": 0}) == 1


async def test_output_path_null_gives_an_empty_object() -> None:
    assert await output_of({"OutputPath": None}, {"a": 1}) == {}


async def test_output_path_matching_nothing_is_a_runtime_error() -> None:
    result = await run_pass({"OutputPath": "$.missing"}, {"a": 1})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause is not None
    assert result.cause.startswith(located("P", 2))


async def test_all_filters_in_order() -> None:
    # The Developer Guide's order: InputPath -> Parameters -> ResultPath -> OutputPath.
    state = {
        "InputPath": "$.in",
        "Parameters": {"x.$": "$.v"},
        "ResultPath": "$.res",
        "OutputPath": "$.res",
    }
    assert await output_of(state, {"in": {"v": 9}, "other": 1}) == {"x": 9}


# --- the input is never mutated -------------------------------------------------------------


async def test_the_input_object_is_never_mutated() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "Next": "B"},
                "B": {"Type": "Pass", "Result": 2, "ResultPath": "$.n.m", "Next": "C"},
                "C": {"Type": "Pass", "Result": 3, "ResultPath": "$.list", "End": True},
            },
        }
    )
    data = {"a": {"b": 0, "keep": True}, "n": {"m": [1]}, "list": [1, 2]}
    before = copy.deepcopy(data)
    result = await machine.execute(data)
    assert result.status == "SUCCEEDED"
    assert result.output == {"a": {"b": 1, "keep": True}, "n": {"m": 2}, "list": 3}
    assert data == before


async def test_the_definition_is_not_mutated_by_executions() -> None:
    raw = single(
        {"Type": "Pass", "Parameters": {"s": {"k": 1}, "v.$": "$.a"}, "ResultPath": "$.r"}, "P"
    )
    before = copy.deepcopy(raw)
    machine = express.StateMachine(raw)
    await machine.execute({"a": 1})
    assert raw == before


async def test_definition_as_json_text() -> None:
    text = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": [1], "End": true}}}'
    result = await express.StateMachine(text).execute({})
    assert result.output == [1]
