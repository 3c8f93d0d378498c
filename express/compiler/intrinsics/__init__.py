"""Intrinsic calls compiled to getters.

``compile_intrinsic`` parses the text once, looks every function up, binds literal
arguments as constants and path arguments as compiled paths, and folds calls whose
arguments are all constant into their (immutable) result. The returned getter only
evaluates.

A path argument that matches nothing raises ``PathError`` (the caller words AWS's cause);
bad argument values raise ``StatesError`` with ``INTRINSIC_ERROR``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Final

from express.asl._intrinsics import (
    Arg,
    Call,
    IntrinsicSyntaxError,
    Path,
    Template,
    arity,
    parse_intrinsic,
    split_template,
)
from express.errors import StatesError

from .._frame import Frame, Getter
from .._paths import compile_path
from . import _array, _encoding, _json, _math, _string
from ._base import INTRINSIC_ERROR, Impl, invalid
from ._java import java_str

__all__ = ["INLINE_FAILURES", "INTRINSIC_ERROR", "compile_intrinsic", "inline_call"]

_IMPLS: Final[dict[str, Impl]] = {
    **_array.FUNCTIONS,
    **_encoding.FUNCTIONS,
    **_json.FUNCTIONS,
    **_math.FUNCTIONS,
    **_string.FUNCTIONS,
}

# Failures inside an implementation on odd data become AWS's error, never a crash.
_BAD_VALUE: Final = (TypeError, ValueError, OverflowError, RecursionError)


class _Variable:
    """Marks an argument whose value is only known at run time."""


_VARIABLE: Final = _Variable()


def compile_intrinsic(text: str, *, check_args: bool = True) -> Getter:
    """Compile ``text`` to ``getter(data, frame)``.

    With ``check_args`` (the default) argument errors are raised now as deferrable
    ``IntrinsicSyntaxError``s; without, they fail at run time, as on AWS.
    """
    getter, _ = _compile_call(parse_intrinsic(text, check_args=check_args))
    return getter


def _compile_call(call: Call) -> tuple[Getter, Any]:
    """The call's getter, and its value when known at compile time (else ``_VARIABLE``)."""
    low, high = arity(call.name)
    if len(call.args) < low or (high is not None and len(call.args) > high):
        return _failing(invalid(call)), _VARIABLE
    compiled = [_compile_arg(call, arg) for arg in call.args]
    getters = tuple(getter for getter, _ in compiled)
    values = [value for _, value in compiled]
    impl = _IMPLS[call.name]
    deterministic = call.name not in _math.IMPURE or len(call.args) == 3  # seeded random
    if deterministic and not any(value is _VARIABLE for value in values):
        try:
            value = impl(call, *values)
        except (StatesError, *_BAD_VALUE):
            pass  # AWS fails when the call runs, so this one must too
        else:
            # Arrays and objects are rebuilt on each run: a shared one could be mutated
            # by whoever receives one execution's output.
            if not isinstance(value, list | dict):
                return _constant(value), value
    return _bind(impl, call, getters), _VARIABLE


def _compile_arg(call: Call, arg: Arg) -> tuple[Getter, Any]:
    if isinstance(arg, Call):
        return _compile_call(arg)
    if isinstance(arg, Path):
        return compile_path(arg.text), _VARIABLE
    if isinstance(arg, Template):
        try:
            parts = _string.SplitTemplate(split_template(arg.raw))
        except IntrinsicSyntaxError as exc:
            # Only reachable with check_args=False: AWS fails at run time.
            return _failing(invalid(call, f"Invalid template in {call.name}: {exc}")), _VARIABLE
        return _constant(parts), parts
    return _constant(arg), arg


def _constant(value: Any) -> Getter:
    return lambda d, f: value


def _failing(error: StatesError) -> Getter:
    def fail(d: Any, f: Frame) -> Any:
        raise StatesError(error.error, error.cause)

    return fail


def _bind(impl: Impl, call: Call, getters: tuple[Getter, ...]) -> Getter:
    """One closure per arity, so evaluating makes no argument list."""
    if len(getters) == 0:

        def get0(d: Any, f: Frame) -> Any:
            try:
                return impl(call)
            except _BAD_VALUE:
                raise invalid(call) from None

        return get0
    if len(getters) == 1:
        (g0,) = getters

        def get1(d: Any, f: Frame) -> Any:
            a = g0(d, f)
            try:
                return impl(call, a)
            except _BAD_VALUE:
                raise invalid(call) from None

        return get1
    if len(getters) == 2:
        g0, g1 = getters

        def get2(d: Any, f: Frame) -> Any:
            a, b = g0(d, f), g1(d, f)
            try:
                return impl(call, a, b)
            except _BAD_VALUE:
                raise invalid(call) from None

        return get2

    def get_n(d: Any, f: Frame) -> Any:
        values = [g(d, f) for g in getters]
        try:
            return impl(call, *values)
        except _BAD_VALUE:
            raise invalid(call) from None

    return get_n


def inline_call(
    text: str,
    path: Callable[[str], str],
    bind: Callable[[Any], str],
) -> str | None:
    """``text`` as one Python expression for generated code, or None when it cannot be.

    ``path(text)`` gives the expression reading a path argument and ``bind(value)`` a
    name for a constant. Implementations are called directly (no getter closures); any
    lookup or value error makes the generated code fall back to ``compile_intrinsic``'s
    getter, which raises AWS's error.
    """
    try:
        call = parse_intrinsic(text, check_args=False)
    except IntrinsicSyntaxError:
        return None
    return _inline(call, path, bind)


def _inline(call: Call, path: Callable[[str], str], bind: Callable[[Any], str]) -> str | None:
    low, high = arity(call.name)
    if len(call.args) < low or (high is not None and len(call.args) > high):
        return None
    args = []
    for arg in call.args:
        if isinstance(arg, Call):
            inner = _inline(arg, path, bind)
            if inner is None:
                return None
            args.append(inner)
        elif isinstance(arg, Path):
            args.append(path(arg.text))
        elif isinstance(arg, Template):
            try:
                args.append(bind(_string.SplitTemplate(split_template(arg.raw))))
            except IntrinsicSyntaxError:
                return None
        else:
            args.append(bind(arg))
    general = f"{bind(_IMPLS[call.name])}({bind(call)}, {', '.join(args)})".replace(", )", ")")
    if call.name == "States.Format" and isinstance(call.args[0], Template):
        return _format(call, args, general, bind)
    return general


_temps = itertools.count()


def _format(call: Call, args: list[str], general: str, bind: Callable[[Any], str]) -> str:
    """States.Format of a literal template as one concatenation; values print as
    ``format_`` prints them (strings as they are, anything else as Java does)."""
    template = call.args[0]
    assert isinstance(template, Template)
    parts = split_template(template.raw)
    values = args[1:]
    if len(parts) != len(values) + 1:
        return general  # raises AWS's error for the arity
    java = bind(java_str)
    pieces = [repr(parts[0])] if parts[0] else []
    for value, part in zip(values, parts[1:], strict=True):
        t = f"_f{next(_temps)}"
        pieces.append(
            f"({t} if ({t} := {value}).__class__ is str else "
            f"str({t}) if {t}.__class__ is int else {java}({t}))"
        )
        if part:
            pieces.append(repr(part))
    return "(" + " + ".join(pieces or ["''"]) + ")"


#: What generated code must treat as "take the slow path" besides failed lookups.
INLINE_FAILURES: Final = _BAD_VALUE
