"""The JSONPath data flow of a state compiled into plain functions.

input → InputPath → Parameters → (work) → ResultSelector → ResultPath → OutputPath

Each step that is absent costs nothing: the compiler composes only the steps a state has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from express.errors import ErrorName, StatesError

from ._frame import Frame, Getter
from ._paths import PathError, compile_path, compile_reference_setter
from ._payload import compile_template, dumps_compact

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Finisher",
    "compile_finisher",
    "compile_input",
    "compile_output_path",
    "payload_size",
]

#: AWS's payload quota: 256 KiB of UTF-8 per state input, output and task result.
MAX_PAYLOAD_BYTES = 262_144
#: A size bound that bounds nothing: a bound over the quota means "measure", and a
#: bound grows with the data it comes from, so one built on this is no bound either.
UNKNOWN_SIZE = MAX_PAYLOAD_BYTES + 1

_UNSET: Any = object()

Finisher = Callable[[Any, Any, Frame], Any]
"""``finish(raw_input, result, frame) -> state output``."""


def payload_size(value: Any) -> int:
    """Bytes of ``value`` as JSON; ``States.Runtime`` when it is not JSON data at all."""
    try:
        return len(orjson.dumps(value))
    except TypeError:
        pass  # nested deeper than orjson writes, or an integer past 64 bits
    try:
        return len(dumps_compact(value).encode())
    except (TypeError, ValueError, RecursionError) as exc:
        raise StatesError(
            ErrorName.RUNTIME, f"The value cannot be represented as JSON: {type(exc).__name__}"
        ) from None


def _path_getter(text: str) -> Getter:
    getter = compile_path(text)

    def get(d: Any, f: Frame) -> Any:
        try:
            return getter(d, f)
        except PathError as exc:
            raise StatesError(ErrorName.RUNTIME, f"Invalid path '{text}' : {exc.detail}") from None

    return get


def _empty(d: Any, f: Frame) -> Any:
    return {}


def compile_input(node: dict[str, Any], template_field: str | None) -> Getter | None:
    """InputPath then the payload template (``Parameters``/``ItemSelector``), or None."""
    in_path = _input_path(node)
    template = None
    if template_field is not None and template_field in node:
        template = compile_template(node[template_field])
    if template is None:
        return in_path
    if in_path is None:
        return template
    first, second = in_path, template
    return lambda d, f: second(first(d, f), f)


def _input_path(node: dict[str, Any]) -> Getter | None:
    if "InputPath" not in node:
        return None
    text = node["InputPath"]
    if text is None:
        return _empty
    if text == "$":
        return None
    return _path_getter(text)


def compile_output_path(node: dict[str, Any]) -> Getter | None:
    if "OutputPath" not in node:
        return None
    text = node["OutputPath"]
    if text is None:
        return _empty
    if text == "$":
        return None
    return _path_getter(text)


def compile_finisher(node: dict[str, Any], *, selector: bool) -> Finisher:
    """ResultSelector, ResultPath and OutputPath composed into one function.

    Each combination gets its own closure so that absent steps cost nothing.
    """
    select = (
        compile_template(node["ResultSelector"]) if selector and "ResultSelector" in node else None
    )
    out = compile_output_path(node)
    text = node.get("ResultPath", "$")
    if "ResultPath" in node and text is None:
        put: Finisher | None = _keep_input
    elif text == "$":
        put = None
    else:
        put = compile_reference_setter(text)
    if select is None:
        if put is None:
            return _result if out is None else (lambda raw, result, f: out(result, f))
        if out is None:
            return put
        p = put
        return lambda raw, result, f: out(p(raw, result, f), f)

    def finish(raw: Any, result: Any, f: Frame) -> Any:
        result = select(result, f)
        data = result if put is None else put(raw, result, f)
        return data if out is None else out(data, f)

    return finish


def _keep_input(raw: Any, result: Any, f: Frame) -> Any:
    return raw


def _result(raw: Any, result: Any, f: Frame) -> Any:
    return result
