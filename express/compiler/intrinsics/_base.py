"""What every intrinsic family shares: the error AWS raises and argument coercions."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

from express.asl._intrinsics import Call
from express.errors import ErrorName, StatesError

__all__ = [
    "INTRINSIC_ERROR",
    "MAX_INPUT_CHARS",
    "Impl",
    "invalid",
    "require_dict",
    "require_list",
    "require_str",
    "to_int",
]

INTRINSIC_ERROR: Final = ErrorName.RUNTIME
"""The error name of a failed intrinsic. AWS reports ``States.Runtime`` (so ``Catch``
cannot handle it), not ``States.IntrinsicFailure``: seen in an AWS-executed conformance
suite for every function, in an AWS integration test asserting ``States.Runtime`` with
"Invalid arguments in States.MathAdd", and in a user's AWS log "States.Runtime: Invalid
arguments in States.StringToJson"."""

MAX_INPUT_CHARS: Final = 10_000
"""Base64Encode, Base64Decode and Hash input limit (AWS Developer Guide)."""

INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1

Impl = Callable[..., Any]
"""An intrinsic's evaluation: ``impl(call, *argument_values) -> result``."""


def invalid(call: Call, detail: str = "") -> StatesError:
    """AWS's failure for bad argument values.

    The wording ("There was an error while evaluating the intrinsic function: <call>.
    Invalid arguments in <name>") is the one an AWS-recorded conformance suite mirrors;
    "Invalid arguments in States.X" alone is confirmed by several AWS observations.
    ``detail`` replaces the "Invalid arguments" sentence where AWS words it otherwise.
    """
    sentence = detail or f"Invalid arguments in {call.name}"
    return StatesError(
        INTRINSIC_ERROR,
        f"There was an error while evaluating the intrinsic function: "
        f"{call.text or call.name}. {sentence}",
    )


def to_int(call: Call, value: Any) -> int:
    """A Java ``int`` argument: fractions are truncated (AWS: ``ArrayRange(1.6, 1.4, 1)`` is
    ``[1]``, ``ArrayPartition(a, 2.6)`` uses 2, ``ArrayGetItem(a, 1.2)`` reads index 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(call)
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(call)
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise invalid(call)
    return number


def require_list(call: Call, value: Any) -> list[Any]:
    if value.__class__ is not list:
        raise invalid(call)
    result: list[Any] = value
    return result


def require_dict(call: Call, value: Any) -> dict[str, Any]:
    if value.__class__ is not dict:
        raise invalid(call)
    result: dict[str, Any] = value
    return result


def require_str(call: Call, value: Any) -> str:
    if value.__class__ is not str:
        raise invalid(call)
    result: str = value
    return result
