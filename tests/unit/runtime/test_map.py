"""Map state, from the Developer Guide's Map pages (inline mode, ItemsPath, ItemSelector and
the deprecated Parameters, Iterator vs ItemProcessor, MaxConcurrency with its inline ceiling
of 40, failure thresholds, ItemBatcher). Concurrency is measured with an async resource that
waits on the virtual clock."""

from __future__ import annotations

from typing import Any

import pytest

import express

from ._support import LAMBDA_ARN

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0
PASS_THROUGH = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
CALL = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}}}
DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}


def map_machine(
    processor: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    clock: express.VirtualClock | None = None,
    processor_key: str = "ItemProcessor",
    **fields: Any,
) -> express.StateMachine:
    node = {"Type": "Map", processor_key: processor or PASS_THROUGH, "End": True, **fields}
    return express.StateMachine(
        {"StartAt": "M", "States": {"M": node}},
        resources=resources,
        clock=clock or express.VirtualClock(start=START),
    )


class Gauge:
    """An async resource counting how many calls are in flight at once."""

    def __init__(self, clock: express.VirtualClock, seconds: float = 1.0) -> None:
        self.clock = clock
        self.seconds = seconds
        self.active = 0
        self.peak = 0
        self.calls = 0

    async def __call__(self, data: Any) -> Any:
        self.calls += 1
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await self.clock.sleep(self.seconds)
        finally:
            self.active -= 1
        return data


# --- items and their selection --------------------------------------------------------------


async def test_map_over_the_whole_input() -> None:
    result = await map_machine().execute([1, "two", {"three": 3}])
    assert result.status == "SUCCEEDED"
    assert result.output == [1, "two", {"three": 3}]


async def test_items_path() -> None:
    result = await map_machine(ItemsPath="$.detail.items").execute(
        {"detail": {"items": [{"a": 1}, {"a": 2}]}, "other": True}
    )
    assert result.output == [{"a": 1}, {"a": 2}]


async def test_empty_array_gives_an_empty_result() -> None:
    result = await map_machine(ItemsPath="$.items").execute({"items": []})
    assert result.status == "SUCCEEDED"
    assert result.output == []


async def test_item_selector_with_context_index_and_value_and_state_input() -> None:
    selector = {
        "index.$": "$$.Map.Item.Index",
        "value.$": "$$.Map.Item.Value",
        "shared.$": "$.shared",
        "const": "c",
    }
    result = await map_machine(ItemsPath="$.items", ItemSelector=selector).execute(
        {"items": ["a", "b"], "shared": 7}
    )
    assert result.output == [
        {"index": 0, "value": "a", "shared": 7, "const": "c"},
        {"index": 1, "value": "b", "shared": 7, "const": "c"},
    ]


async def test_legacy_parameters_act_as_item_selector() -> None:
    params = {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value.name"}
    result = await map_machine(ItemsPath="$.xs", Parameters=params).execute(
        {"xs": [{"name": "p"}, {"name": "q"}]}
    )
    assert result.output == [{"i": 0, "v": "p"}, {"i": 1, "v": "q"}]


async def test_iterator_and_item_processor_give_the_same_result() -> None:
    processor = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "$"}, "End": True}},
    }
    legacy = await map_machine(processor, processor_key="Iterator").execute([1, 2])
    modern = await map_machine(processor).execute([1, 2])
    assert legacy.output == modern.output == [{"x": 1}, {"x": 2}]


async def test_input_path_then_items_path_then_result_path() -> None:
    result = await map_machine(
        InputPath="$.order", ItemsPath="$.lines", ResultPath="$.order.done"
    ).execute({"order": {"lines": [1, 2]}, "id": 9})
    # ResultPath merges into the raw state input, not the InputPath-filtered one.
    assert result.output == {"order": {"lines": [1, 2], "done": [1, 2]}, "id": 9}


async def test_result_selector_on_the_results_array() -> None:
    result = await map_machine(ResultSelector={"first.$": "$[0]", "all.$": "$"}).execute([5, 6])
    assert result.output == {"first": 5, "all": [5, 6]}


async def test_processor_with_several_states() -> None:
    processor = {
        "StartAt": "Double",
        "States": {
            "Double": {"Type": "Task", "Resource": LAMBDA_ARN, "Next": "Wrap"},
            "Wrap": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True},
        },
    }
    result = await map_machine(processor, resources={LAMBDA_ARN: lambda d: d * 2}).execute(
        [1, 2, 3]
    )
    assert result.output == [{"v": 2}, {"v": 4}, {"v": 6}]


async def test_items_that_are_not_an_array_fail_the_execution() -> None:
    result = await map_machine(ItemsPath="$.items").execute({"items": "not a list"})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


async def test_items_path_matching_nothing_fails_the_execution() -> None:
    result = await map_machine(ItemsPath="$.missing").execute({"items": [1]})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


# --- concurrency and order ------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "items", "peak"), [(1, 5, 1), (3, 10, 3), (5, 3, 3)])
async def test_max_concurrency_is_honoured(limit: int, items: int, peak: int) -> None:
    clock = express.VirtualClock(start=START)
    gauge = Gauge(clock)
    machine = map_machine(CALL, {LAMBDA_ARN: gauge}, clock, MaxConcurrency=limit)
    result = await machine.execute(list(range(items)))
    assert result.status == "SUCCEEDED"
    assert result.output == list(range(items))
    assert gauge.calls == items
    assert gauge.peak == peak
    # Each item takes 1 s: ceil(items / limit) rounds.
    assert clock.time() - START == -(-items // limit)


async def test_max_concurrency_zero_runs_at_most_40_at_once() -> None:
    clock = express.VirtualClock(start=START)
    gauge = Gauge(clock)
    machine = map_machine(CALL, {LAMBDA_ARN: gauge}, clock, MaxConcurrency=0)
    result = await machine.execute(list(range(100)))
    assert result.status == "SUCCEEDED"
    assert gauge.peak == 40
    assert clock.time() - START == 3


async def test_absent_max_concurrency_runs_at_most_40_at_once() -> None:
    clock = express.VirtualClock(start=START)
    gauge = Gauge(clock)
    result = await map_machine(CALL, {LAMBDA_ARN: gauge}, clock).execute(list(range(45)))
    assert result.status == "SUCCEEDED"
    assert gauge.peak == 40


async def test_iterations_run_concurrently_when_allowed() -> None:
    clock = express.VirtualClock(start=START)
    gauge = Gauge(clock, seconds=10)
    result = await map_machine(CALL, {LAMBDA_ARN: gauge}, clock).execute(list(range(20)))
    assert result.status == "SUCCEEDED"
    assert gauge.peak == 20
    assert clock.time() - START == 10


async def test_max_concurrency_path() -> None:
    clock = express.VirtualClock(start=START)
    gauge = Gauge(clock)
    machine = map_machine(
        CALL, {LAMBDA_ARN: gauge}, clock, ItemsPath="$.xs", MaxConcurrencyPath="$.k"
    )
    result = await machine.execute({"xs": list(range(6)), "k": 2})
    assert result.status == "SUCCEEDED"
    assert gauge.peak == 2


async def test_results_keep_the_input_order() -> None:
    clock = express.VirtualClock(start=START)

    async def later_items_finish_first(n: int) -> int:
        await clock.sleep(10 - n)
        return n * 10

    machine = map_machine(CALL, {LAMBDA_ARN: later_items_finish_first}, clock)
    result = await machine.execute(list(range(8)))
    assert result.output == [0, 10, 20, 30, 40, 50, 60, 70]


# --- failures -------------------------------------------------------------------------------


async def test_a_failed_iteration_fails_the_map_with_its_error() -> None:
    def fn(n: int) -> int:
        if n == 2:
            raise express.TaskFailed("ItemError", "item 2 is bad")
        return n

    result = await map_machine(CALL, {LAMBDA_ARN: fn}).execute([0, 1, 2, 3])
    assert result.status == "FAILED"
    assert result.error == "ItemError"
    assert result.cause == "item 2 is bad"


async def test_a_fail_state_in_an_iteration_fails_the_map() -> None:
    processor = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "c"}}}
    result = await map_machine(processor).execute([1])
    assert (result.status, result.error, result.cause) == ("FAILED", "Bad", "c")


async def test_a_failed_iteration_aborts_the_others() -> None:
    clock = express.VirtualClock(start=START)
    finished: list[int] = []

    async def fn(n: int) -> int:
        if n == 0:
            raise express.TaskFailed("First", "")
        await clock.sleep(100)
        finished.append(n)
        return n

    result = await map_machine(CALL, {LAMBDA_ARN: fn}, clock).execute([0, 1, 2, 3])
    assert result.error == "First"
    assert finished == []
    assert clock.time() - START < 100


async def test_catch_on_map() -> None:
    def fn(n: int) -> int:
        raise express.TaskFailed("ItemError", "bad")

    machine = express.StateMachine(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": CALL,
                    "Catch": [{"ErrorEquals": ["ItemError"], "Next": "H", "ResultPath": "$.e"}],
                    "ItemsPath": "$.xs",
                    "End": True,
                },
                "H": {"Type": "Pass", "End": True},
            },
        },
        resources={LAMBDA_ARN: fn},
    )
    result = await machine.execute({"xs": [1]})
    assert result.status == "SUCCEEDED"
    assert result.output == {"xs": [1], "e": {"Error": "ItemError", "Cause": "bad"}}


async def test_retry_on_map_reruns_all_iterations() -> None:
    calls: list[int] = []

    def fn(n: int) -> int:
        calls.append(n)
        if len(calls) == 2:
            raise express.TaskFailed("Flaky", "")
        return n

    machine = map_machine(
        CALL,
        {LAMBDA_ARN: fn},
        MaxConcurrency=1,
        Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1}],
    )
    result = await machine.execute([1, 2])
    assert result.status == "SUCCEEDED"
    assert result.output == [1, 2]
    assert calls == [1, 2, 1, 2]


# --- failure tolerance (Distributed Map, run inline) ---------------------------------------


def failing_every_fifth() -> dict[str, Any]:
    def fn(n: int) -> int:
        if n % 5 == 0:
            raise express.TaskFailed("Bad", str(n))
        return n

    return {LAMBDA_ARN: fn}


def distributed_call() -> dict[str, Any]:
    return {**CALL, "ProcessorConfig": DISTRIBUTED}


ITEMS = list(range(1, 11))  # 5 and 10 fail: 2 failures in 10 items (20 %).


async def test_distributed_mode_runs_inline() -> None:
    machine = map_machine(distributed_call(), {LAMBDA_ARN: lambda n: n + 1})
    result = await machine.execute([1, 2, 3])
    assert result.status == "SUCCEEDED"
    assert result.output == [2, 3, 4]


async def test_tolerated_failure_count_not_exceeded() -> None:
    machine = map_machine(distributed_call(), failing_every_fifth(), ToleratedFailureCount=2)
    result = await machine.execute(ITEMS)
    assert result.status == "SUCCEEDED"


async def test_tolerated_failure_count_exceeded() -> None:
    machine = map_machine(distributed_call(), failing_every_fifth(), ToleratedFailureCount=1)
    result = await machine.execute(ITEMS)
    assert result.status == "FAILED"
    assert result.error == "States.ExceedToleratedFailureThreshold"


async def test_tolerated_failure_percentage_not_exceeded() -> None:
    machine = map_machine(distributed_call(), failing_every_fifth(), ToleratedFailurePercentage=20)
    assert (await machine.execute(ITEMS)).status == "SUCCEEDED"


async def test_tolerated_failure_percentage_exceeded() -> None:
    machine = map_machine(distributed_call(), failing_every_fifth(), ToleratedFailurePercentage=10)
    result = await machine.execute(ITEMS)
    assert result.status == "FAILED"
    assert result.error == "States.ExceedToleratedFailureThreshold"


async def test_no_tolerance_fails_on_the_first_failure() -> None:
    machine = map_machine(distributed_call(), failing_every_fifth())
    result = await machine.execute(ITEMS)
    assert result.status == "FAILED"
    assert result.error == "Bad"


# --- ItemBatcher ----------------------------------------------------------------------------


async def test_item_batcher_groups_items() -> None:
    processor = {**PASS_THROUGH, "ProcessorConfig": DISTRIBUTED}
    machine = map_machine(processor, ItemBatcher={"MaxItemsPerBatch": 2})
    result = await machine.execute([1, 2, 3, 4, 5])
    assert result.status == "SUCCEEDED"
    assert result.output == [{"Items": [1, 2]}, {"Items": [3, 4]}, {"Items": [5]}]


async def test_item_batcher_batch_input_is_added_to_each_batch() -> None:
    processor = {**PASS_THROUGH, "ProcessorConfig": DISTRIBUTED}
    machine = map_machine(
        processor, ItemBatcher={"MaxItemsPerBatch": 3, "BatchInput": {"job": "j1"}}
    )
    result = await machine.execute([{"v": 1}, {"v": 2}, {"v": 3}, {"v": 4}])
    assert result.output == [
        {"BatchInput": {"job": "j1"}, "Items": [{"v": 1}, {"v": 2}, {"v": 3}]},
        {"BatchInput": {"job": "j1"}, "Items": [{"v": 4}]},
    ]


async def test_each_batch_is_one_processor_run() -> None:
    seen: list[Any] = []

    def fn(batch: Any) -> int:
        seen.append(batch)
        return len(batch["Items"])

    processor = {**CALL, "ProcessorConfig": DISTRIBUTED}
    machine = map_machine(processor, {LAMBDA_ARN: fn}, ItemBatcher={"MaxItemsPerBatch": 4})
    result = await machine.execute(list(range(10)))
    assert result.output == [4, 4, 2]
    assert len(seen) == 3


# --- nesting --------------------------------------------------------------------------------


async def test_map_inside_map() -> None:
    inner = {
        "StartAt": "Inner",
        "States": {
            "Inner": {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "ItemSelector": {"outer.$": "$.id", "i.$": "$$.Map.Item.Index"},
                "ItemProcessor": PASS_THROUGH,
                "End": True,
            }
        },
    }
    result = await map_machine(inner).execute([{"id": "a", "xs": [0, 0]}, {"id": "b", "xs": [0]}])
    assert result.output == [
        [{"outer": "a", "i": 0}, {"outer": "a", "i": 1}],
        [{"outer": "b", "i": 0}],
    ]
