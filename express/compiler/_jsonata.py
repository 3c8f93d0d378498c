"""JSONata expressions compiled once, evaluated with AWS's ``$states``, functions and limits.

An expression is the text between ``{%`` and ``%}``. ``compile_expression`` parses it once
(jsonatapy, a Rust JSONata 2.x engine) and records, from one lexical scan, which
``$states`` fields and which workflow variables it reads, so an evaluation binds only those:
``$states.context`` is built only for expressions that read it, and a machine with a
hundred variables passes an expression the two it names.

What AWS adds to JSONata 2.0.6 (Developer Guide, "Transforming data with JSONata"):

* ``$states`` = ``{input, result, errorOutput, context}``, each present only where AWS
  offers it (``result`` in a Task/Map/Parallel ``Output``/``Assign``, ``errorOutput`` in a
  catcher's).
* ``$partition``, ``$range``, ``$hash``, ``$random`` (seedable: ``java.util.Random``, so a
  seed gives AWS's number), ``$uuid``, ``$parse``; ``$eval`` is refused (``T1006``). The
  edge cases follow Floci's measurements against AWS (floci-io/floci ``JsonataEvaluator``):
  non-integers round towards zero, several argument shapes evaluate to nothing, a
  one-element ``$range`` is the bare number. Functions that may return nothing are wrapped
  in a JSONata lambda (a Python callback can only return null), added in front of the
  expressions that call them.
* An expression that returns nothing fails the field with ``States.QueryEvaluationError``;
  any JSONata error does too, behind AWS's sentence naming the expression and the field.

Limits keep a runaway expression from stalling the event loop: every evaluation runs with a
time budget, a recursion depth (100, AWS's own ceiling) and a bound on sequence length
(873,782 items, the largest array AWS's memory bound admits); ``$range`` stops at 360,145
items and ``$pad`` at AWS's 6,990,256-byte value bound, both checked before allocating.
Errors past a bound read ``Expression evaluation memory limit exceeded`` as on AWS.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import jsonatapy
import orjson

from express.asl._validate_jsonata import ExpressionInfo, expression_body, scan
from express.errors import ErrorName, StatesError

from ._frame import Frame
from ._payload import dumps_compact

__all__ = [
    "LIMITS",
    "MISSING",
    "Expression",
    "Limits",
    "compile_expression",
    "is_expression",
    "query_error",
    "type_name",
    "unexpected_type",
]


@dataclass(slots=True)
class Limits:
    """Bounds applied to every evaluation (module-wide; tests may lower ``timeout_ms``)."""

    timeout_ms: int = 1000
    """Wall-clock budget of one evaluation. AWS publishes none; a second is ample for any
    expression over a 256 KiB payload and keeps the loop responsive."""
    max_depth: int = 100
    """Evaluation nesting, AWS's ceiling (Floci measured 100 on AWS)."""
    max_sequence: int = 873_782
    """Longest sequence: ``[1..873782]`` is the largest array AWS accepts."""
    max_range: int = 360_145
    """Largest ``$range`` AWS accepts."""
    max_string: int = 6_990_256
    """AWS's bound on one value an expression builds, applied to ``$pad``."""


LIMITS: Final = Limits()

MISSING: Final[Any] = object()
"""A ``$states`` field that the state does not offer (no result before the work is done)."""

_UNDEFINED: Final[Any] = object()
_MEMORY: Final = "Expression evaluation memory limit exceeded"
_CODE = re.compile(r"[A-Z]\d{4}: ")
_HOST_PREFIX = re.compile(r"^host function raised \w+: ")
#: What a Python callback returns for "nothing"; the lambda wrappers turn it into undefined.
_NOTHING_MARK: Final = "\ue000\ue001undefined"


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 4 and value[:2] == "{%" and value[-2:] == "%}"


def query_error(cause: str) -> StatesError:
    return StatesError(ErrorName.QUERY_EVALUATION_ERROR, cause)


def type_name(value: Any) -> str:
    """The JSON type name AWS prints in ``Expected 'array', but was 'boolean'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def unexpected_type(text: str, field: str, expected: str, value: Any) -> StatesError:
    return query_error(
        f"The JSONata expression '{text}' specified for the field '{field}' returned an "
        f"unexpected result type. Expected '{expected}', but was '{type_name(value)}' for "
        f"value: {dumps_compact(value)}"
    )


# --------------------------------------------------------------------------------------
# AWS's functions


class _Refusal(ValueError):
    """A JSONata error raised by one of AWS's functions (message as AWS words it)."""


def _signature(name: str, position: int) -> _Refusal:
    return _Refusal(
        f'T0410: Argument {position} of function "{name}" does not match function signature'
    )


def _arg(args: tuple[Any, ...], i: int) -> Any:
    return args[i] if i < len(args) else None


def _towards_zero(value: Any, name: str, position: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _signature(name, position)
    return int(value)


def _partition(*args: Any) -> Any:
    array, size = _arg(args, 0), _arg(args, 1)
    if array is None:
        return _NOTHING_MARK
    if not isinstance(array, list):
        raise _signature("partition", 1)
    if not array:
        return _NOTHING_MARK
    if size is None:
        return [array]
    n = _towards_zero(size, "partition", 2)
    if n < 0:
        raise _Refusal("D3137: Second argument must be zero or greater")
    if n == 0:
        return _NOTHING_MARK
    return [array[i : i + n] for i in range(0, len(array), n)]


def _range(*args: Any) -> Any:
    start = _towards_zero(_arg(args, 0), "range", 1)
    end = _towards_zero(_arg(args, 1), "range", 2)
    if _arg(args, 2) is None:
        return _NOTHING_MARK
    step = _towards_zero(args[2], "range", 3)
    if step == 0 or (step > 0 and start > end) or (step < 0 and start < end):
        return _NOTHING_MARK
    count = (end - start) // step + 1
    if count > LIMITS.max_range:
        raise _Refusal(_MEMORY)
    if count == 1:
        return start
    return list(range(start, start + count * step, step))


_HASHES: Final = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _hash(*args: Any) -> Any:
    value, algorithm = _arg(args, 0), _arg(args, 1)
    if not isinstance(value, str):
        raise _signature("hash", 1)
    if algorithm is None:
        return _NOTHING_MARK
    if not isinstance(algorithm, str):
        raise _signature("hash", 2)
    name = _HASHES.get(algorithm)
    if name is None:
        raise _Refusal(
            f"D3137: Hash algorithm '{algorithm}' must be one of SHA-1, SHA-384, SHA-256, "
            "SHA-512, MD5"
        )
    return hashlib.new(name, value.encode()).hexdigest()


def _parse(*args: Any) -> Any:
    text = _arg(args, 0)
    if text is None:
        return _NOTHING_MARK
    if not isinstance(text, str):
        raise _signature("parse", 1)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise _Refusal("D3137: Invalid JSON") from None


def _pad(*args: Any) -> Any:
    text, width, char = _arg(args, 0), _arg(args, 1), _arg(args, 2)
    if text is None:
        return _NOTHING_MARK
    if not isinstance(text, str):
        raise _signature("pad", 1)
    if isinstance(width, bool) or not isinstance(width, int | float):
        raise _signature("pad", 2)
    if char is not None and not isinstance(char, str):
        raise _signature("pad", 3)
    if not char:
        char = " "
    missing = int(abs(width)) - len(text)
    if missing <= 0:
        return text
    if missing + len(text) > LIMITS.max_string:
        raise _Refusal(_MEMORY)
    padding = (char * missing)[:missing]
    return text + padding if width > 0 else padding + text


def _random(*args: Any) -> float:
    seed = _arg(args, 0)
    if seed is None:
        return random.random()
    return _JavaRandom(_towards_zero(seed, "random", 1)).next_double()


class _JavaRandom:
    """``java.util.Random``: AWS seeds it with ``$random(seed)``, so the numbers match."""

    __slots__ = ("_seed",)
    _MASK = (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ 0x5DEECE66D) & self._MASK

    def _next(self, bits: int) -> int:
        self._seed = (self._seed * 0x5DEECE66D + 0xB) & self._MASK
        return self._seed >> (48 - bits)

    def next_double(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * 2.0**-53


def _uuid(*args: Any) -> str:
    if args and any(a is not None for a in args):
        raise _signature("uuid", 1)
    return str(uuid.uuid4())


def _eval(*args: Any) -> Any:
    raise _Refusal("T1006: Attempted to invoke a non-function")


#: name -> (Python implementation, parameter names): wrapped in a JSONata lambda that
#: turns ``_NOTHING_MARK`` into undefined.
_WRAPPED: Final[dict[str, tuple[Callable[..., Any], tuple[str, ...]]]] = {
    "partition": (_partition, ("a", "n")),
    "range": (_range, ("s", "e", "t")),
    "hash": (_hash, ("v", "h")),
    "parse": (_parse, ("j",)),
    "pad": (_pad, ("s", "w", "c")),
}
_WORD = re.compile(r"\$(\w+)")


def _prologue(names: list[str]) -> str:
    parts = [f'$__sfnU := function($v){{ $v = "{_NOTHING_MARK}" ? $__sfnNothing : $v }}']
    for name in names:
        params = ", ".join(f"${p}" for p in _WRAPPED[name][1])
        parts.append(f"${name} := function({params}){{ $__sfnU($__sfn_{name}({params})) }}")
    return "(" + "; ".join(parts) + "; ("


# --------------------------------------------------------------------------------------
# Expressions


class Expression:
    """One compiled ``{% ... %}`` expression."""

    __slots__ = ("_compiled", "_context", "_error_output", "_input", "_result", "_vars", "text")

    def __init__(self, body: str) -> None:
        self.text = body
        info = scan(body)
        wrapped = [n for n in _WRAPPED if f"${n}" in body and n in info.variables]
        source = _prologue(wrapped) + body + "\n))" if wrapped else body
        compiled = jsonatapy.compile(source)
        for name in wrapped:
            compiled.register(f"__sfn_{name}", _WRAPPED[name][0])
        if "uuid" in info.variables:
            compiled.register("uuid", _uuid)
        if "random" in info.variables:
            compiled.register_override("random", _random)
        if "eval" in info.variables:
            compiled.register_override("eval", _eval)
        self._compiled = compiled
        # What of each $states field to bind: nothing (False), all of it (True), or only
        # the keys the expression names ($states.input.a.b binds input's "a"): a large
        # input or the context object (which holds the execution input) is not converted
        # into the engine for an expression that reads one field of it.
        self._input = _projection(info, "input")
        self._result = _projection(info, "result")
        self._error_output = _projection(info, "errorOutput")
        self._context = _projection(info, "context")
        self._vars = tuple(sorted(info.variables - {"states"}))

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def bindings(
        self, frame: Frame, state_input: Any, result: Any, error_output: Any
    ) -> dict[str, Any]:
        states: dict[str, Any] = {}
        if self._input is not False:
            states["input"] = _project(state_input, self._input)
        if self._result is not False and result is not MISSING:
            states["result"] = _project(result, self._result)
        if self._error_output is not False and error_output is not MISSING:
            states["errorOutput"] = _project(error_output, self._error_output)
        if self._context is not False:
            states["context"] = _project(frame.context(), self._context)
        bound: dict[str, Any] = {"states": states}
        if self._vars:
            variables = frame.variables
            for name in self._vars:
                if name in variables:
                    bound[name] = variables[name]
        return bound

    def raw(
        self,
        field: str,
        frame: Frame,
        state_input: Any,
        result: Any = MISSING,
        error_output: Any = MISSING,
    ) -> Any:
        """The value, or ``_UNDEFINED``; raises ``States.QueryEvaluationError`` on errors."""
        bound = self.bindings(frame, state_input, result, error_output)
        compiled = self._compiled
        limits = LIMITS
        try:
            try:
                value = compiled.evaluate(
                    None,
                    bound,
                    timeout=limits.timeout_ms,
                    max_stack_depth=limits.max_depth,
                    max_sequence_length=limits.max_sequence,
                )
            except OverflowError:  # an integer wider than 64 bits: AWS makes it a double
                bound = _narrow(bound)
                value = compiled.evaluate(
                    None,
                    bound,
                    timeout=limits.timeout_ms,
                    max_stack_depth=limits.max_depth,
                    max_sequence_length=limits.max_sequence,
                )
            if value is None:
                text = compiled.evaluate_json_or_none(
                    None,
                    bound,
                    timeout=limits.timeout_ms,
                    max_stack_depth=limits.max_depth,
                    max_sequence_length=limits.max_sequence,
                )
                if text == '""':
                    # The engine hands a function value back as None, but serialises it
                    # as "": JSON has no functions, and AWS refuses them.
                    raise query_error(
                        f"The JSONata expression '{self.text}' specified for the field "
                        f"'{field}' returned an unsupported result type."
                    )
                return _UNDEFINED if text is None else None
        except ValueError as exc:
            raise self._failure(field, str(exc)) from None
        if value.__class__ is float and not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return value

    def value(
        self,
        field: str,
        frame: Frame,
        state_input: Any,
        result: Any = MISSING,
        error_output: Any = MISSING,
    ) -> Any:
        """The value of the expression in ``field``; nothing is an error there."""
        value = self.raw(field, frame, state_input, result, error_output)
        if value is _UNDEFINED:
            raise query_error(
                f"The JSONata expression '{self.text}' specified for the field '{field}' "
                "returned nothing (undefined)."
            )
        return value

    def _failure(self, field: str, message: str) -> StatesError:
        message = _HOST_PREFIX.sub("", message)
        if message.startswith(("D2014", "D2015")):
            message = _MEMORY
        elif message.startswith("T1006"):
            message = "T1006: Attempted to invoke a non-function"
        sep = ". " if _CODE.match(message) else ": "
        return query_error(
            f"The JSONata expression '{self.text}' specified for the field '{field}' threw "
            f"an error during evaluation{sep}{message}"
        )


Projection = bool | tuple[str, ...]


def _projection(info: ExpressionInfo, field: str) -> Projection:
    if info.whole_states:
        return True
    if field not in info.states_fields:
        return False
    keys = [key for name, key in info.states_keys if name == field]
    if any(key is None for key in keys):
        return True
    return tuple(k for k in dict.fromkeys(keys) if k is not None)


def _project(value: Any, keys: Projection) -> Any:
    if keys is True or value.__class__ is not dict:
        return value
    assert isinstance(keys, tuple)
    return {k: value[k] for k in keys if k in value}


def _narrow(value: Any) -> Any:
    """Integers wider than 64 bits become doubles (AWS's number model past ``long``)."""
    if value.__class__ is int and not -(2**63) <= value < 2**63:
        return float(value)
    if isinstance(value, dict):
        return {k: _narrow(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_narrow(v) for v in value]
    return value


_CACHE: dict[str, Expression] = {}


def compile_expression(text: str) -> Expression:
    """Compile ``"{% expr %}"`` (or a bare expression) once; identical texts share one."""
    body = expression_body(text)
    if body is None:
        body = text.strip()
    found = _CACHE.get(body)
    if found is None:
        if len(_CACHE) > 10_000:
            _CACHE.clear()
        found = _CACHE[body] = Expression(body)
    return found
