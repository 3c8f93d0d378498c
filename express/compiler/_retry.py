"""Retry and Catch compiled into match tables.

Matching follows the Developer Guide: ``States.ALL`` matches any error; ``States.TaskFailed``
matches any error except ``States.Timeout``; a heartbeat timeout also matches
``States.Timeout``. Errors that fail the execution outright (``States.Runtime`` raised by
the state's own processing, ``States.DataLimitExceeded`` of a state's output) never reach
these tables: the runtime marks them terminal first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from express.errors import ErrorName

from ._io import Finisher
from ._paths import compile_reference_setter

__all__ = ["Catcher", "Retrier", "compile_catchers", "compile_retriers", "matches"]


def matches(error_equals: frozenset[str], error: str | None) -> bool:
    if ErrorName.ALL in error_equals:
        return True
    name = error if error is not None else ""
    if name in error_equals:
        return True
    if ErrorName.TASK_FAILED in error_equals and name != ErrorName.TIMEOUT:
        return name != ErrorName.HEARTBEAT_TIMEOUT
    return name == ErrorName.HEARTBEAT_TIMEOUT and ErrorName.TIMEOUT in error_equals


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: frozenset[str]
    interval: float
    max_attempts: int
    backoff: float
    max_delay: float | None
    full_jitter: bool

    def delay(self, attempt: int, random: float) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        ``random`` is uniform in [0, 1), used only with ``JitterStrategy: FULL``.
        """
        try:
            seconds = self.interval * self.backoff ** (attempt - 1)
        except OverflowError:  # BackoffRate 1e10 for the 40th time: "very long"
            seconds = math.inf
        if self.max_delay is not None and seconds > self.max_delay:
            seconds = self.max_delay
        if self.full_jitter:
            seconds *= random
        return seconds


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: frozenset[str]
    next: int
    result_path: Finisher | None
    """``(raw_input, error_output, frame) -> state output``; None: JSONata (issue 3)."""
    assign: Any = None
    output: Any = None


def compile_retriers(node: dict[str, Any]) -> tuple[Retrier, ...]:
    out = []
    for r in node.get("Retry", ()):
        max_delay = r.get("MaxDelaySeconds")
        out.append(
            Retrier(
                error_equals=frozenset(r["ErrorEquals"]),
                interval=float(r.get("IntervalSeconds", 1)),
                max_attempts=int(r.get("MaxAttempts", 3)),
                backoff=float(r.get("BackoffRate", 2.0)),
                max_delay=float(max_delay) if max_delay is not None else None,
                full_jitter=r.get("JitterStrategy", "NONE") == "FULL",
            )
        )
    return tuple(out)


def compile_catchers(node: dict[str, Any], index_of: dict[str, int]) -> tuple[Catcher, ...]:
    out = []
    for c in node.get("Catch", ()):
        out.append(
            Catcher(
                error_equals=frozenset(c["ErrorEquals"]),
                next=index_of[c["Next"]],
                result_path=_catch_result_path(c),
                assign=c.get("Assign"),
                output=c.get("Output"),
            )
        )
    return tuple(out)


def _catch_result_path(c: dict[str, Any]) -> Finisher:
    if "ResultPath" in c and c["ResultPath"] is None:
        return lambda raw, err, f: raw
    text = c.get("ResultPath", "$")
    if text == "$":
        return lambda raw, err, f: err
    setter: Finisher = compile_reference_setter(text)
    return setter
