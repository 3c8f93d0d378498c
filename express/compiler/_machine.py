"""Compiling a validated definition into a ``CompiledMachine``.

The validated definition dict is the intermediate representation: the validator has
checked every shape, so this module only turns fields into callables. (A separate tree
of IR dataclasses would restate the same 8 state types and 60-odd fields a second time
without checking anything more.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from express.errors import ErrorName, StatesError, data_limit_exceeded

from ._choice import compile_rule
from ._frame import Frame, Getter
from ._fuse import fuse_pass
from ._fuse_choice import fuse_choice
from ._io import (
    MAX_PAYLOAD_BYTES,
    compile_finisher,
    compile_input,
    compile_output_path,
    payload_size,
)
from ._jsonata_states import compile_jsonata_state, limit_variables
from ._paths import PathError, compile_path
from ._payload import compile_template, compile_value_expr, dumps_compact
from ._retry import Catcher, compile_catchers, compile_retriers
from ._states import (
    CHOICE,
    FAIL,
    MAP,
    PARALLEL,
    PASS,
    SUCCEED,
    TASK,
    WAIT,
    Chain,
    ChoiceState,
    CompiledMachine,
    FailState,
    MapState,
    ParallelState,
    PassState,
    State,
    SucceedState,
    TaskState,
    WaitState,
)

__all__ = ["Resolver", "compile_machine"]

Resolver = Callable[[str, dict[str, Any]], Any]
"""``resolver(resource, task_node) -> binding`` supplied by whoever runs the machine."""


def compile_machine(definition: dict[str, Any], resolver: Resolver) -> CompiledMachine:
    # States inside Map and Parallel follow the machine's language, not the enclosing state's.
    chain = _compile_chain(definition, resolver, definition.get("QueryLanguage") == "JSONata")
    timeout = definition.get("TimeoutSeconds")
    return CompiledMachine(
        chain=chain,
        definition=definition,
        timeout_seconds=float(timeout) if timeout is not None else None,
    )


def _compile_chain(scope: dict[str, Any], resolver: Resolver, jsonata: bool = False) -> Chain:
    names = list(scope["States"])
    index_of = {name: i for i, name in enumerate(names)}
    states = tuple(
        _compile_state(name, node, index_of, resolver, jsonata)
        for name, node in scope["States"].items()
    )
    pure = all(not s.is_async for s in states)
    return Chain(
        states=states,
        start=index_of[scope["StartAt"]],
        pure=pure,
        inline=pure or all(_inline(s) for s in states),
    )


def _inline(state: State) -> bool:
    """Whether the state normally completes without suspending: pure, or a Task bound to
    a plain function, or a Map/Parallel whose chains are all inline."""
    if not state.is_async:
        return True
    if isinstance(state, TaskState):
        # A retry's back-off would hold up the iterations queued behind this one.
        retries = any(r.max_attempts > 0 for r in state.retriers)
        return getattr(state.binding, "call_sync", None) is not None and not retries
    if isinstance(state, ParallelState):
        return all(b.inline for b in state.branches)
    if isinstance(state, MapState):
        return state.processor is not None and state.processor.inline
    return False


def _next(node: dict[str, Any], index_of: dict[str, int]) -> int:
    target = node.get("Next")
    return index_of[target] if target is not None else -1


def _compile_state(
    name: str,
    node: dict[str, Any],
    index_of: dict[str, int],
    resolver: Resolver,
    machine_jsonata: bool = False,
) -> State:
    kind = node["Type"]
    nxt = _next(node, index_of)
    if node.get("QueryLanguage", "JSONata" if machine_jsonata else "JSONPath") == "JSONata":
        return compile_jsonata_state(
            name,
            node,
            nxt,
            index_of,
            resolver,
            lambda scope: _compile_chain(scope, resolver, machine_jsonata),
        )
    assign = _compile_assign(node)
    if kind == "Pass":
        run = _compile_pass(name, node)
        if assign is not None:
            run, assign = _pass_assign(node, run)
        return PassState(name, PASS, nxt, node, assign, run=run)
    if kind == "Succeed":
        return SucceedState(name, SUCCEED, -1, node, assign, run=_in_out(node))
    if kind == "Fail":
        return FailState(
            name,
            FAIL,
            -1,
            node,
            None,
            error=_fail_field(node, "Error"),
            cause=_fail_field(node, "Cause"),
        )
    if kind == "Choice":
        return _compile_choice(name, node, index_of, assign)
    if kind == "Wait":
        return _compile_wait(name, node, nxt, assign)
    common: dict[str, Any] = {
        "retriers": compile_retriers(node),
        "catchers": _catchers(node, index_of),
        "finish": compile_finisher(node, selector=True),
    }
    if kind == "Task":
        timeout, timeout_path = _number_field(node, "TimeoutSeconds")
        heartbeat, heartbeat_path = _number_field(node, "HeartbeatSeconds")
        return TaskState(
            name,
            TASK,
            nxt,
            node,
            assign,
            prepare=compile_input(node, "Parameters"),
            binding=resolver(node["Resource"], node),
            timeout=timeout,
            timeout_path=timeout_path,
            heartbeat=heartbeat,
            heartbeat_path=heartbeat_path,
            **common,
        )
    if kind == "Parallel":
        return ParallelState(
            name,
            PARALLEL,
            nxt,
            node,
            assign,
            prepare=compile_input(node, "Parameters"),
            branches=tuple(_compile_chain(b, resolver, machine_jsonata) for b in node["Branches"]),
            **common,
        )
    if kind == "Map":
        return _compile_map(name, node, nxt, assign, resolver, common, machine_jsonata)
    raise AssertionError(f"validated definition has unknown state type {kind!r}")


def _compile_assign(node: dict[str, Any]) -> Any:
    if "Assign" not in node:
        return None
    template = compile_template(node["Assign"])

    def assign(state_input: Any, result: Any, f: Frame) -> dict[str, Any]:
        data = result if node["Type"] in ("Task", "Map", "Parallel") else state_input
        value: dict[str, Any] = template(data, f)
        return limit_variables(value, f)

    return assign


def _pass_assign(node: dict[str, Any], run: Getter | None) -> tuple[Getter | None, Any]:
    """A Pass state's JSONPath ``Assign`` reads its result (``Result``, or ``Parameters``
    applied to the effective input), before ``ResultPath`` merges it into the input."""
    template = compile_template(node["Assign"])
    if "Result" not in node and "Parameters" not in node:
        produce = compile_input(node, None) or _same

        def assign_input(state_input: Any, out: Any, f: Frame) -> dict[str, Any]:
            value: dict[str, Any] = template(produce(state_input, f), f)
            return limit_variables(value, f)

        return run, assign_input
    if "Result" in node:
        result = node["Result"]
        if payload_size(result) > MAX_PAYLOAD_BYTES:
            return run, None  # the state fails before anything is assigned
        make: Getter = lambda d, f: result  # noqa: E731
    else:
        params = compile_input(node, "Parameters")
        assert params is not None
        make = params
    finish = compile_finisher(node, selector=False)
    # The runtime calls ``assign`` right after ``run`` with no await in between, so the
    # result the output was built from is handed over in a cell rather than recomputed
    # (recomputing would run States.UUID/MathRandom twice).
    cell: list[Any] = [None]

    def run_and_keep(d: Any, f: Frame) -> Any:
        produced = cell[0] = make(d, f)
        return finish(d, produced, f)

    def assign_result(state_input: Any, out: Any, f: Frame) -> dict[str, Any]:
        produced, cell[0] = cell[0], None
        value: dict[str, Any] = template(produced, f)
        return limit_variables(value, f)

    return run_and_keep, assign_result


def _catchers(node: dict[str, Any], index_of: dict[str, int]) -> tuple[Catcher, ...]:
    """Catchers, with a JSONPath ``Assign`` compiled to read the error output."""
    catchers = compile_catchers(node, index_of)
    specs = node.get("Catch", ())
    return tuple(
        replace(c, assign=_catch_assign(spec["Assign"])) if "Assign" in spec else c
        for c, spec in zip(catchers, specs, strict=True)
    )


def _catch_assign(assign: Any) -> Any:
    template = compile_template(assign)

    def run(state_input: Any, error_output: Any, f: Frame) -> dict[str, Any]:
        value: dict[str, Any] = template(error_output, f)
        return limit_variables(value, f)

    return run


def _in_out(node: dict[str, Any]) -> Getter | None:
    first = compile_input(node, None)
    second = compile_output_path(node)
    if first is None:
        return second
    if second is None:
        return first
    a, b = first, second
    return lambda d, f: b(a(d, f), f)


def _compile_pass(name: str, node: dict[str, Any]) -> Getter | None:
    if "Result" in node:
        result = node["Result"]
        if payload_size(result) > MAX_PAYLOAD_BYTES:
            return _too_large(name)
        produce: Getter = lambda d, f: result  # noqa: E731
    else:
        produce = compile_input(node, "Parameters") or _same
    finish = compile_finisher(node, selector=False)
    if produce is _same and "ResultPath" not in node and "OutputPath" not in node:
        return None

    def run(d: Any, f: Frame) -> Any:
        return finish(d, produce(d, f), f)

    return fuse_pass(node, run)


def _same(d: Any, f: Frame) -> Any:
    return d


def _too_large(name: str) -> Getter:
    def run(d: Any, f: Frame) -> Any:
        raise data_limit_exceeded(name, terminal=True)

    return run


def _fail_field(node: dict[str, Any], field: str) -> Getter | None:
    if field in node:
        value = node[field]
        return lambda d, f: value
    if field + "Path" in node:
        text = node[field + "Path"]
        getter = compile_value_expr(text)

        def get(d: Any, f: Frame) -> Any:
            try:
                return getter(d, f)
            except PathError:
                raise StatesError(
                    ErrorName.RUNTIME,
                    f"The JSONPath '{text}' specified for the field '{field}Path' could not be "
                    f"found in the input '{dumps_compact(d)}'",
                ) from None

        return get
    return None


def _compile_choice(
    name: str, node: dict[str, Any], index_of: dict[str, int], assign: Any
) -> ChoiceState:
    rules = tuple((compile_rule(rule), index_of[rule["Next"]]) for rule in node["Choices"])
    select = fuse_choice(node["Choices"], tuple(p for p, _ in rules))
    rule_assign = tuple(
        compile_template(rule["Assign"]) if "Assign" in rule else None for rule in node["Choices"]
    )
    default = node.get("Default")
    return ChoiceState(
        name,
        CHOICE,
        -1,
        node,
        assign,
        input=compile_input(node, None),
        rules=rules,
        default=index_of[default] if default is not None else -1,
        output=compile_output_path(node),
        rule_assign=tuple(_rule_assigner(t) for t in rule_assign),
        select=select,
        targets=tuple(t for _, t in rules),
        simple=not any(k in node for k in ("InputPath", "OutputPath", "Assign"))
        and not any("Assign" in rule for rule in node["Choices"]),
    )


def _rule_assigner(template: Getter | None) -> Any:
    if template is None:
        return None
    return lambda state_input, result, f: template(state_input, f)


def _number_field(node: dict[str, Any], field: str) -> tuple[Any, str | None]:
    """A ``Field`` / ``FieldPath`` pair: (constant or getter, path text or None)."""
    if field in node:
        return node[field], None
    if field + "Path" in node:
        text = node[field + "Path"]
        return compile_path(text), text
    return None, None


def _compile_wait(name: str, node: dict[str, Any], nxt: int, assign: Any) -> WaitState:
    seconds, seconds_path = _number_field(node, "Seconds")
    ts_path = node.get("TimestampPath")
    return WaitState(
        name,
        WAIT,
        nxt,
        node,
        assign,
        input=compile_input(node, None),
        seconds=seconds,
        seconds_path=seconds_path,
        timestamp=node.get("Timestamp"),
        timestamp_path=compile_path(ts_path) if ts_path is not None else None,
        timestamp_path_text=ts_path,
        output=compile_output_path(node),
    )


def _compile_map(
    name: str,
    node: dict[str, Any],
    nxt: int,
    assign: Any,
    resolver: Resolver,
    common: dict[str, Any],
    machine_jsonata: bool = False,
) -> MapState:
    processor = node.get("ItemProcessor") or node["Iterator"]
    config = processor.get("ProcessorConfig", {})
    selector_node = node.get("ItemSelector", node.get("Parameters"))
    items_path = node.get("ItemsPath", "$")
    max_c, max_c_path = _number_field(node, "MaxConcurrency")
    count, count_path = _number_field(node, "ToleratedFailureCount")
    pct, pct_path = _number_field(node, "ToleratedFailurePercentage")
    return MapState(
        name,
        MAP,
        nxt,
        node,
        assign,
        prepare=compile_input(node, None),
        items=compile_path(items_path),
        items_path=items_path,
        selector=compile_template(selector_node) if selector_node is not None else None,
        processor=_compile_chain(processor, resolver, machine_jsonata),
        max_concurrency=max_c if max_c is not None else 0,
        max_concurrency_path=max_c_path,
        tolerated_count=count,
        tolerated_count_path=count_path,
        tolerated_percentage=pct,
        tolerated_percentage_path=pct_path,
        batcher=node.get("ItemBatcher"),
        distributed=config.get("Mode") == "DISTRIBUTED",
        label=node.get("Label"),
        **common,
    )
