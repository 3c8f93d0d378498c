"""States.MathRandom, States.MathAdd and States.UUID."""

from __future__ import annotations

import math
import random
from typing import Any, Final

from express._ids import uuid4
from express.asl._intrinsics import Call

from ._base import INT_MAX, INT_MIN, Impl, invalid, to_int
from ._java import JavaRandom, java_round

__all__ = ["FUNCTIONS", "IMPURE"]

_random = random.Random()


def math_random(call: Call, start: Any, end: Any, *seed: Any) -> int:
    # Start included, end excluded; fractions truncated; start < end (AWS rejects
    # MathRandom(1, 1), MathRandom(10, 5) and MathRandom(1.4, 1.6)).
    low, high = to_int(call, start), to_int(call, end)
    bound = high - low
    if not 0 < bound <= INT_MAX:  # Java's int subtraction would overflow
        raise invalid(call)
    if not seed:
        return low + _random.randrange(bound)
    value = seed[0]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(call)
    return low + JavaRandom(int(value)).next_int(bound)


def _rounded(call: Call, value: Any) -> int:
    if value.__class__ is int and INT_MIN <= value <= INT_MAX:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(call)
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(call)
    number = java_round(value) if isinstance(value, float) else int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise invalid(call)
    return number


def math_add(call: Call, a: Any, b: Any) -> int:
    # Operands rounded as Java's Math.round (AWS-recorded: -2.5 -> -2, 2.5 -> 3, -0.5 -> 0);
    # operands and the sum must fit a Java int (AWS rejects 2147483647 + 1).
    if a.__class__ is int and b.__class__ is int:
        total = a + b
        if INT_MIN <= total <= INT_MAX and INT_MIN <= a <= INT_MAX and INT_MIN <= b <= INT_MAX:
            return total
    total = _rounded(call, a) + _rounded(call, b)
    if not INT_MIN <= total <= INT_MAX:
        raise invalid(call)
    return total


def uuid_(call: Call) -> str:
    return uuid4()


FUNCTIONS: Final[dict[str, Impl]] = {
    "States.MathRandom": math_random,
    "States.MathAdd": math_add,
    "States.UUID": uuid_,
}

IMPURE: Final = frozenset({"States.UUID", "States.MathRandom"})
"""Never evaluated at compile time (a seeded MathRandom is, being deterministic)."""
