"""Express log events, shaped as Step Functions writes them to CloudWatch Logs.

A state machine whose ``loggingConfiguration.level`` is not OFF gets one JSON line per
history event of the selected kinds, ``{"id", "type", "details", "previous_event_id",
"event_timestamp", "execution_arn", "redrive_count"}`` with every id and the timestamp
(epoch milliseconds) as strings and payloads embedded as JSON, not as JSON text. Without
``includeExecutionData`` the payloads are left out. Lines go to one sink (stdout or a
file), written once per execution so that the lines of an execution stay together.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from express.runtime._events import HistoryEvent

__all__ = ["ERROR_EVENTS", "FATAL_EVENTS", "LEVELS", "LogSink", "log_lines"]

LEVELS = ("ALL", "ERROR", "FATAL", "OFF")

FATAL_EVENTS = frozenset({"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"})
ERROR_EVENTS = FATAL_EVENTS | frozenset(
    {
        "FailStateEntered",
        "LambdaFunctionFailed",
        "LambdaFunctionScheduleFailed",
        "LambdaFunctionStartFailed",
        "LambdaFunctionTimedOut",
        "MapStateAborted",
        "MapStateFailed",
        "MapIterationAborted",
        "MapIterationFailed",
        "MapRunAborted",
        "MapRunFailed",
        "ParallelStateAborted",
        "ParallelStateFailed",
        "TaskFailed",
        "TaskStartFailed",
        "TaskStateAborted",
        "TaskSubmitFailed",
        "TaskTimedOut",
        "WaitStateAborted",
    }
)
#: Details members that carry execution data (left out without includeExecutionData).
_DATA_KEYS = ("input", "inputDetails", "output", "outputDetails", "parameters")
#: Members holding JSON text in the API and embedded JSON in the logs.
_JSON_KEYS = ("input", "output", "parameters")


def _details(details: dict[str, Any] | None, include_data: bool) -> dict[str, Any]:
    if not details:
        return {}
    out = dict(details)
    if not include_data:
        for key in _DATA_KEYS:
            out.pop(key, None)
        return out
    for key in _JSON_KEYS:
        text = out.get(key)
        if isinstance(text, str):
            with contextlib.suppress(orjson.JSONDecodeError):
                out[key] = orjson.loads(text)
    return out


def log_lines(
    events: Iterable[HistoryEvent],
    execution_arn: str,
    level: str,
    include_data: bool,
) -> bytes:
    """The log lines (newline-terminated JSON) of one execution's events at ``level``."""
    wanted = None if level == "ALL" else (ERROR_EVENTS if level == "ERROR" else FATAL_EVENTS)
    chunks = []
    for event in events:
        if wanted is not None and event.type not in wanted:
            continue
        chunks.append(
            orjson.dumps(
                {
                    "id": str(event.id),
                    "type": event.type,
                    "details": _details(event.details, include_data),
                    "previous_event_id": str(event.previous_event_id),
                    "event_timestamp": str(int(event.timestamp * 1000)),
                    "execution_arn": execution_arn,
                    "redrive_count": "0",
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
        )
    return b"".join(chunks)


class LogSink:
    """Where log lines go: ``-`` (stdout) or a file path, appended to."""

    def __init__(self, target: str = "-") -> None:
        self.target = target
        self._stream: BinaryIO | None = None
        self._fd: int | None = None
        if target == "-":
            self._stream = sys.stdout.buffer
        else:
            # O_APPEND: the workers of one server share the file, each write lands whole.
            self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._fd is not None:
            os.write(self._fd, data)
        else:
            assert self._stream is not None
            self._stream.write(data)
            self._stream.flush()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
