"""The error family of express, and the ASL error names it raises.

```
ExpressError
├─ DefinitionError(diagnostics)   the definition is invalid; each Diagnostic has a code,
│                                 a message saying what to change and a JSON pointer
├─ StatesError(error, cause)      a runtime ASL error, matched by name in Retry/Catch
│  └─ TaskFailed(error, cause)    raised by task resources with their own error names
├─ LambdaFunctionError(type, msg)  raised by a resource: an unhandled function error,
│                                 reported as the Lambda runtime reports it
├─ Throttled                      an executor is full (or closed): start refused, retry later
└─ ApiError(type, message)        an API error, sent as {"__type": ..., "message": ...}
```

Error names are plain strings because ASL allows any custom name; the predefined ones
live in ``ErrorName`` so that no other module spells them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ApiError",
    "DefinitionError",
    "Diagnostic",
    "ErrorName",
    "ExpressError",
    "LambdaFunctionError",
    "StatesError",
    "TaskFailed",
    "Throttled",
    "data_limit_exceeded",
]


class ErrorName:
    """The predefined ASL error names (AWS Step Functions Developer Guide, error handling)."""

    ALL: Final = "States.ALL"
    HEARTBEAT_TIMEOUT: Final = "States.HeartbeatTimeout"
    TIMEOUT: Final = "States.Timeout"
    TASK_FAILED: Final = "States.TaskFailed"
    PERMISSIONS: Final = "States.Permissions"
    RESULT_PATH_MATCH_FAILURE: Final = "States.ResultPathMatchFailure"
    PARAMETER_PATH_FAILURE: Final = "States.ParameterPathFailure"
    QUERY_EVALUATION_ERROR: Final = "States.QueryEvaluationError"
    BRANCH_FAILED: Final = "States.BranchFailed"
    NO_CHOICE_MATCHED: Final = "States.NoChoiceMatched"
    INTRINSIC_FAILURE: Final = "States.IntrinsicFailure"
    EXCEED_TOLERATED_FAILURE_THRESHOLD: Final = "States.ExceedToleratedFailureThreshold"
    ITEM_READER_FAILED: Final = "States.ItemReaderFailed"
    RESULT_WRITER_FAILED: Final = "States.ResultWriterFailed"
    RUNTIME: Final = "States.Runtime"
    DATA_LIMIT_EXCEEDED: Final = "States.DataLimitExceeded"

    #: Errors that ``States.ALL`` does not catch and no retrier retries.
    UNCATCHABLE: Final = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})


class ExpressError(Exception):
    """Base class of every error express raises on purpose."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a definition.

    ``pointer`` is a JSON pointer (RFC 6901) into the definition, ``/`` for the root.
    ``severity`` is ``"ERROR"`` (the definition is refused) or ``"WARNING"``.
    """

    code: str
    message: str
    pointer: str
    severity: str = "ERROR"

    def __str__(self) -> str:
        return f"{self.pointer}: {self.code}: {self.message}"


class DefinitionError(ExpressError):
    """The definition is not valid; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "ERROR"] or diagnostics
        first = errors[0] if errors else None
        summary = str(first) if first else "invalid definition"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(summary + more)


class StatesError(ExpressError):
    """A runtime error with an ASL error name, as Retry and Catch see it."""

    #: The cause is final (no "An error occurred while executing the state ..." prefix to add).
    located: bool = False
    #: Neither Retry nor Catch applies: the execution fails (States.Runtime and the like).
    terminal: bool = False

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}" if cause else str(error))


def data_limit_exceeded(who: str, *, terminal: bool) -> StatesError:
    """``States.DataLimitExceeded`` worded as AWS words it (``who``: the state's name, the
    resource ARN, or ``lambda``/``http`` for those integrations). A state's own oversized
    input or output is ``terminal``; an oversized task result is a catchable task failure,
    as AWS's recorded executions show."""
    err = StatesError(
        ErrorName.DATA_LIMIT_EXCEEDED,
        f"The state/task '{who}' returned a result with a size exceeding the maximum number "
        "of bytes service limit.",
    )
    err.located = True
    err.terminal = terminal
    return err


class TaskFailed(StatesError):
    """Raised by a task resource to fail its Task state with ``error`` and ``cause``."""

    located = True

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(error, cause)


class LambdaFunctionError(ExpressError):
    """An unhandled function error, as the Lambda runtime reports one.

    The Task fails with ``error_type`` as its error; its cause is the Lambda error document
    ``{"errorMessage", "errorType", "requestId", "stackTrace"}`` as the integration in use
    serialises it. Any other exception a resource raises is reported this way too.
    """

    def __init__(
        self,
        error_type: str,
        error_message: str,
        stack_trace: list[str] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.error_type = error_type
        self.error_message = error_message
        self.stack_trace = stack_trace or []
        self.request_id = request_id
        super().__init__(f"{error_type}: {error_message}")


class Throttled(ExpressError):
    """The executor refused a start: it has ``max_in_flight`` executions, or is closing."""


class ApiError(ExpressError):
    """An error of the Step Functions API, shaped ``{"__type": type, "message": message}``."""

    def __init__(self, type: str, message: str, status: int = 400) -> None:
        self.type = type
        self.message = message
        self.status = status
        super().__init__(f"{type}: {message}")
