"""``ExecutionResult``: what an execution ends with.

The result is the execution's own ``Run``, completed: its name, ARN, times, events and
transition count are the run's, so ending an execution allocates nothing more.
"""

from __future__ import annotations

from typing import Any

from ._clock import RealClock
from ._events import HistoryEvent
from ._frame import Run

__all__ = ["ExecutionResult"]


class ExecutionResult(Run):
    """The outcome of one execution.

    ``status`` is ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT`` or ``ABORTED``; ``events`` holds
    the history when the execution was asked to record it; ``transitions`` counts the
    states entered, those inside Map iterations and Parallel branches included.
    """

    __slots__ = ("cause", "error", "output", "status")

    status: str
    output: Any
    error: str | None
    cause: str | None

    @classmethod
    def of(
        cls,
        status: str,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
        *,
        events: list[HistoryEvent] | None = None,
        name: str = "",
        execution_arn: str = "",
        start_time: float = 0.0,
        stop_time: float = 0.0,
        transitions: int = 0,
    ) -> ExecutionResult:
        """A result of no run of this process (an execution aborted before it began)."""
        result = cls(None, None, name, RealClock(), start_time, start_time, False, False)
        result.end(status, output, error, cause)
        result.run = None  # type: ignore[assignment]  # it never ran here
        result.events = events
        result.fixed_arn = execution_arn
        result.stop_time = stop_time
        result.transitions = transitions
        return result

    def end(self, status: str, output: Any, error: str | None, cause: str | None) -> None:
        self.status = status
        self.output = output
        self.error = error
        self.cause = cause

    @property
    def execution_arn(self) -> str:
        if self.machine is None:
            return self.fixed_arn or ""
        return self.arn

    def __repr__(self) -> str:
        return (
            f"ExecutionResult(status={self.status!r}, output={self.output!r}, "
            f"error={self.error!r}, cause={self.cause!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"status", "output"}`` or ``{"status", "error", "cause"}``, as the CLI prints."""
        if self.status == "SUCCEEDED":
            return {"status": self.status, "output": self.output}
        return {"status": self.status, "error": self.error, "cause": self.cause}
