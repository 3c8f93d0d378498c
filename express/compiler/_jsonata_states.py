"""States whose query language is JSONata, compiled into the same dataclasses JSONPath
states compile to, so the runtime runs both through the same hooks:

* ``prepare(input, frame)``: ``Arguments`` (Task, Parallel), with ``$states.input``;
* ``finish(input, result, frame)``: ``Output`` with ``$states.input`` and ``$states.result``
  (default: the result for Task/Map/Parallel, the input for the others);
* ``assign(input, result, frame)``: ``Assign``, evaluated against the values on state entry
  (the runtime applies the returned dict after ``Output`` has been computed);
* Choice rules as predicates ``(input, frame) -> bool`` from ``Condition``, with the matched
  rule's own ``Output``/``Assign`` (``ChoiceState.rule_output``/``rule_assign``);
* a catcher's ``Output``/``Assign`` with ``$states.errorOutput``.

Nested ``{% %}`` strings in ``Arguments``, ``Output``, ``Assign``, ``Items`` and
``ItemSelector`` are compiled once into builders; a failing leaf names its field as AWS
does (``Output/a/b[0]``, ``Choices[1]/Condition``, ``Catch[0]/Assign/x``).

Variable limits (AWS-DG "workflow variables"): a name of at most 80 characters (checked by
the validator), at most 256 KiB per value and per ``Assign``, 10 MiB for all the variables of
an execution; past them the state fails with ``States.DataLimitExceeded``. The same check
serves JSONPath ``Assign`` (``limit_variables``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from express.asl._timestamps import parse_timestamp
from express.errors import ErrorName, StatesError

from ._frame import Frame, Getter
from ._io import MAX_PAYLOAD_BYTES, payload_size
from ._jsonata import (
    MISSING,
    compile_expression,
    is_expression,
    query_error,
    unexpected_type,
)
from ._payload import dumps_compact
from ._retry import Catcher, compile_retriers
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
    FailState,
    MapState,
    ParallelState,
    PassState,
    State,
    SucceedState,
    TaskState,
    WaitState,
)

__all__ = ["compile_jsonata_state", "limit_variables", "MAX_VARIABLES_BYTES"]

#: All the variables of one execution (AWS-DG, "Variable limits").
MAX_VARIABLES_BYTES = 10 * 1024 * 1024

Evaluator = Callable[[Frame, Any, Any, Any], Any]
"""``ev(frame, state_input, result, error_output) -> value`` (MISSING where not offered)."""
ChainCompiler = Callable[[dict[str, Any]], Chain]


def _field(base: str, key: str | int) -> str:
    return f"{base}[{key}]" if isinstance(key, int) else f"{base}/{key}"


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def compile_value(value: Any, field: str) -> Evaluator:
    """A JSON value whose strings may be ``{% %}`` expressions, at any depth."""
    if not _has_expression(value):
        const = value
        return lambda f, i, r, e: const
    if isinstance(value, str):
        expr = compile_expression(value)
        return lambda f, i, r, e: expr.value(field, f, i, r, e)
    if isinstance(value, dict):
        parts = [(k, compile_value(v, _field(field, k))) for k, v in value.items()]
        return lambda f, i, r, e: {k: ev(f, i, r, e) for k, ev in parts}
    assert isinstance(value, list)
    items = [compile_value(v, _field(field, n)) for n, v in enumerate(value)]
    return lambda f, i, r, e: [ev(f, i, r, e) for ev in items]


# --------------------------------------------------------------------------------------
# Variables


def limit_variables(new: dict[str, Any], frame: Frame) -> dict[str, Any]:
    """Check AWS's variable limits for an ``Assign`` about to be applied; return ``new``."""
    total = 0
    for name, value in new.items():
        size = payload_size(value)
        if size > MAX_PAYLOAD_BYTES:
            raise _too_big(
                f"The value assigned to the variable '{name}' is {size} bytes; a variable "
                f"holds at most {MAX_PAYLOAD_BYTES} bytes."
            )
        total += size
    if total > MAX_PAYLOAD_BYTES:
        raise _too_big(
            f"The variables assigned by this state total {total} bytes; one Assign holds at "
            f"most {MAX_PAYLOAD_BYTES} bytes."
        )
    variables = frame.variables
    # Each value is at most 256 KiB, so the 10 MiB bound can only be passed with more
    # than 40 variables: only then is the whole set measured.
    if len(variables) + len(new) > MAX_VARIABLES_BYTES // MAX_PAYLOAD_BYTES:
        merged = {**variables, **new}
        size = sum(payload_size(v) for v in merged.values())
        if size > MAX_VARIABLES_BYTES:
            raise _too_big(
                f"The variables of this execution would total {size} bytes; an execution "
                f"holds at most {MAX_VARIABLES_BYTES} bytes of variables."
            )
    return new


def _too_big(cause: str) -> StatesError:
    return StatesError(ErrorName.DATA_LIMIT_EXCEEDED, cause)


Assign = Callable[[Frame, Any, Any, Any], dict[str, Any]]


def _compile_assign(assign: Any, field: str) -> Assign | None:
    if assign is None:
        return None
    assert isinstance(assign, dict)
    parts = [(name, compile_value(v, _field(field, name))) for name, v in assign.items()]

    def run(f: Frame, i: Any, r: Any, e: Any) -> dict[str, Any]:
        return limit_variables({name: ev(f, i, r, e) for name, ev in parts}, f)

    return run


# --------------------------------------------------------------------------------------
# States


def compile_jsonata_state(
    name: str,
    node: dict[str, Any],
    nxt: int,
    index_of: dict[str, int],
    resolver: Callable[[str, dict[str, Any]], Any],
    compile_chain: ChainCompiler,
) -> State:
    kind = node["Type"]
    assign = _compile_assign(node.get("Assign"), "Assign")
    if kind == "Pass":
        return PassState(
            name, PASS, nxt, node, _entry_assign(assign), jsonata=True, run=_output(node)
        )
    if kind == "Succeed":
        return SucceedState(name, SUCCEED, -1, node, None, jsonata=True, run=_output(node))
    if kind == "Fail":
        return FailState(
            name,
            FAIL,
            -1,
            node,
            None,
            jsonata=True,
            error=_string_field(node, "Error"),
            cause=_string_field(node, "Cause"),
        )
    if kind == "Choice":
        return _choice(name, node, index_of, assign)
    if kind == "Wait":
        return _wait(name, node, nxt, assign)
    common: dict[str, Any] = {
        "retriers": compile_retriers(node),
        "catchers": _catchers(node, index_of),
        "finish": _finisher(node),
    }
    result_assign = _result_assign(assign)
    if kind == "Task":
        timeout, timeout_text = _number(node, "TimeoutSeconds", "integer", positive=True)
        heartbeat, heartbeat_text = _number(node, "HeartbeatSeconds", "integer", positive=True)
        return TaskState(
            name,
            TASK,
            nxt,
            node,
            result_assign,
            jsonata=True,
            prepare=_arguments(node),
            binding=resolver(node["Resource"], node),
            timeout=timeout,
            timeout_path=timeout_text,
            heartbeat=heartbeat,
            heartbeat_path=heartbeat_text,
            **common,
        )
    if kind == "Parallel":
        return ParallelState(
            name,
            PARALLEL,
            nxt,
            node,
            result_assign,
            jsonata=True,
            prepare=_arguments(node),
            branches=tuple(compile_chain(b) for b in node["Branches"]),
            **common,
        )
    if kind == "Map":
        return _map(name, node, nxt, result_assign, compile_chain, common)
    raise AssertionError(f"validated definition has unknown state type {kind!r}")


def _entry_assign(assign: Assign | None) -> Any:
    """For states without a result: ``Assign`` sees ``$states.input`` only."""
    if assign is None:
        return None
    return lambda state_input, result, f: assign(f, state_input, MISSING, MISSING)


def _result_assign(assign: Assign | None) -> Any:
    if assign is None:
        return None
    return lambda state_input, result, f: assign(f, state_input, result, MISSING)


def _output(node: dict[str, Any]) -> Getter | None:
    """Pass/Succeed/Choice/Wait ``Output`` (``$states.input`` only); None = the input."""
    if "Output" not in node:
        return None
    ev = compile_value(node["Output"], "Output")
    return lambda d, f: ev(f, d, MISSING, MISSING)


def _finisher(node: dict[str, Any]) -> Any:
    if "Output" not in node:
        return lambda raw, result, f: result
    ev = compile_value(node["Output"], "Output")
    return lambda raw, result, f: ev(f, raw, result, MISSING)


def _arguments(node: dict[str, Any]) -> Getter | None:
    if "Arguments" not in node:
        return None
    ev = compile_value(node["Arguments"], "Arguments")
    return lambda d, f: ev(f, d, MISSING, MISSING)


def _string_field(node: dict[str, Any], field: str) -> Getter | None:
    if field not in node:
        return None
    value = node[field]
    if not is_expression(value):
        return lambda d, f: value
    expr = compile_expression(value)

    def get(d: Any, f: Frame) -> Any:
        got = expr.value(field, f, d)
        if not isinstance(got, str):
            raise unexpected_type(expr.text, field, "string", got)
        return got

    return get


def _number(
    node: dict[str, Any], field: str, kind: str, *, positive: bool = False
) -> tuple[Any, str | None]:
    """A number field that may be an expression: (constant or checked getter, text)."""
    if field not in node:
        return None, None
    value = node[field]
    if not is_expression(value):
        return value, None
    expr = compile_expression(value)

    def get(d: Any, f: Frame) -> Any:
        got = expr.value(field, f, d)
        integral = kind == "integer"
        if (
            isinstance(got, bool)
            or not isinstance(got, int | float)
            or (integral and isinstance(got, float) and not got.is_integer())
        ):
            raise unexpected_type(expr.text, field, kind, got)
        if got < (1 if positive else 0):
            raise query_error(
                f"The JSONata expression '{expr.text}' specified for the field '{field}' "
                f"returned a value out of range: {dumps_compact(got)}"
            )
        return int(got) if integral else got

    return get, value


def _choice(
    name: str, node: dict[str, Any], index_of: dict[str, int], assign: Assign | None
) -> ChoiceState:
    rules = []
    rule_output: list[Getter | None] = []
    rule_assign: list[Any] = []
    for n, rule in enumerate(node["Choices"]):
        base = f"Choices[{n}]"
        rules.append((_condition(rule["Condition"], f"{base}/Condition"), index_of[rule["Next"]]))
        if "Output" in rule:
            rule_output.append(_on_input(compile_value(rule["Output"], f"{base}/Output")))
        else:
            rule_output.append(_same)
        rule_assign.append(_entry_assign(_compile_assign(rule.get("Assign"), f"{base}/Assign")))
    default = node.get("Default")
    return ChoiceState(
        name,
        CHOICE,
        -1,
        node,
        _entry_assign(assign),
        jsonata=True,
        rules=tuple(rules),
        default=index_of[default] if default is not None else -1,
        output=_output(node),
        rule_assign=tuple(rule_assign),
        rule_output=tuple(rule_output),
    )


def _same(d: Any, f: Frame) -> Any:
    return d


def _on_input(ev: Evaluator) -> Getter:
    """A field that sees ``$states.input`` only, as a ``(data, frame)`` getter."""
    return lambda d, f: ev(f, d, MISSING, MISSING)


def _condition(value: Any, field: str) -> Callable[[Any, Frame], bool]:
    if not is_expression(value):
        constant = value is True
        return lambda d, f: constant
    expr = compile_expression(value)

    def predicate(d: Any, f: Frame) -> bool:
        got = expr.value(field, f, d)
        if not isinstance(got, bool):
            raise unexpected_type(expr.text, field, "boolean", got)
        return got

    return predicate


def _wait(name: str, node: dict[str, Any], nxt: int, assign: Assign | None) -> WaitState:
    seconds, seconds_text = _number(node, "Seconds", "integer")
    dynamic: Callable[[Any, Frame, float], float] | None = None
    constant_seconds: Any = None
    timestamp: str | None = None
    if seconds_text is not None:
        get = seconds

        def dynamic(d: Any, f: Frame, now: float) -> float:
            return float(get(d, f))

    elif seconds is not None:
        constant_seconds = seconds
    if "Timestamp" in node:
        value = node["Timestamp"]
        if is_expression(value):
            dynamic = _timestamp(compile_expression(value))
        else:
            timestamp = value
    return WaitState(
        name,
        WAIT,
        nxt,
        node,
        _entry_assign(assign),
        jsonata=True,
        seconds=constant_seconds,
        timestamp=timestamp,
        output=_output(node),
        dynamic=dynamic,
    )


def _timestamp(expr: Any) -> Callable[[Any, Frame, float], float]:
    def until(d: Any, f: Frame, now: float) -> float:
        got = expr.value("Timestamp", f, d)
        when = parse_timestamp(got) if isinstance(got, str) else None
        if when is None:
            if not isinstance(got, str):
                raise unexpected_type(expr.text, "Timestamp", "string", got)
            # AWS-recorded wording: the raw value, unquoted, without the expression.
            raise query_error(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                f"date-time format string: {got}"
            )
        return max(0.0, when - now)

    return until


def _map(
    name: str,
    node: dict[str, Any],
    nxt: int,
    assign: Any,
    compile_chain: ChainCompiler,
    common: dict[str, Any],
) -> MapState:
    processor = node.get("ItemProcessor") or node["Iterator"]
    config = processor.get("ProcessorConfig", {})
    selector = None
    if "ItemSelector" in node:
        selector = _on_input(compile_value(node["ItemSelector"], "ItemSelector"))
    max_c, max_c_text = _number(node, "MaxConcurrency", "integer")
    count, count_text = _number(node, "ToleratedFailureCount", "integer")
    pct, pct_text = _number(node, "ToleratedFailurePercentage", "number")
    return MapState(
        name,
        MAP,
        nxt,
        node,
        assign,
        jsonata=True,
        items=_batched(node, _items(node)),
        items_path="Items",
        selector=selector,
        processor=compile_chain(processor),
        max_concurrency=max_c if max_c is not None else 0,
        max_concurrency_path=max_c_text,
        tolerated_count=count,
        tolerated_count_path=count_text,
        tolerated_percentage=pct,
        tolerated_percentage_path=pct_text,
        batcher=None,  # batched by the items getter: its fields may be expressions
        distributed=config.get("Mode") == "DISTRIBUTED",
        label=node.get("Label"),
        **common,
    )


def _items(node: dict[str, Any]) -> Getter:
    if "Items" not in node:

        def whole_input(d: Any, f: Frame) -> Any:
            if not isinstance(d, list):
                raise query_error(f"Map state input must be an array but was: {dumps_compact(d)}")
            return d

        return whole_input
    value = node["Items"]
    if isinstance(value, str) and is_expression(value):
        expr = compile_expression(value)

        def items(d: Any, f: Frame) -> Any:
            got = expr.value("Items", f, d)
            if not isinstance(got, list):
                raise unexpected_type(expr.text, "Items", "array", got)
            return got

        return items
    ev = compile_value(value, "Items")
    return lambda d, f: ev(f, d, MISSING, MISSING)


def _batched(node: dict[str, Any], items: Getter) -> Getter:
    """``ItemBatcher``: groups of items, each ``{"Items": [...]}`` plus ``BatchInput``."""
    spec = node.get("ItemBatcher")
    if spec is None:
        return items
    base = "ItemBatcher"
    max_items = compile_value(spec.get("MaxItemsPerBatch"), f"{base}/MaxItemsPerBatch")
    max_bytes = compile_value(spec.get("MaxInputBytesPerBatch"), f"{base}/MaxInputBytesPerBatch")
    batch_input = compile_value(spec.get("BatchInput"), f"{base}/BatchInput")
    has_input = "BatchInput" in spec

    def batches(d: Any, f: Frame) -> Any:
        values = items(d, f)
        most = max_items(f, d, MISSING, MISSING)
        limit = max_bytes(f, d, MISSING, MISSING)
        extra = batch_input(f, d, MISSING, MISSING) if has_input else None
        out: list[list[Any]] = []
        current: list[Any] = []
        size = 0
        for item in values:
            item_size = len(dumps_compact(item).encode())
            if current and (
                (most and len(current) >= most) or (limit and size + item_size > limit)
            ):
                out.append(current)
                current, size = [], 0
            current.append(item)
            size += item_size
        if current:
            out.append(current)
        if has_input:
            return [{"BatchInput": extra, "Items": b} for b in out]
        return [{"Items": b} for b in out]

    return batches


# --------------------------------------------------------------------------------------
# Catch


def _catchers(node: dict[str, Any], index_of: dict[str, int]) -> tuple[Catcher, ...]:
    out = []
    for n, c in enumerate(node.get("Catch", ())):
        base = f"Catch[{n}]"
        output = (
            _on_error(compile_value(c["Output"], f"{base}/Output"))
            if "Output" in c
            else _error_output
        )
        assign = _compile_assign(c.get("Assign"), f"{base}/Assign")
        out.append(
            Catcher(
                error_equals=frozenset(c["ErrorEquals"]),
                next=index_of[c["Next"]],
                result_path=output,
                assign=_on_error(assign) if assign is not None else None,
                output=c.get("Output"),
            )
        )
    return tuple(out)


def _error_output(raw: Any, err: Any, f: Frame) -> Any:
    return err


def _on_error(ev: Callable[[Frame, Any, Any, Any], Any]) -> Any:
    """A catcher's ``Output``/``Assign``: ``(state_input, error_output, frame)``."""
    return lambda raw, err, f: ev(f, raw, MISSING, err)
