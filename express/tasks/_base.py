"""The task adapter protocol: what a Task state's ``Resource`` is bound to.

A binding is resolved once per Task state when the machine is compiled. The runtime calls
``invoke(payload, call)``; a binding that can answer without awaiting offers ``call_sync``
so that a Task calling a plain function costs no await at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["TaskBinding", "TaskCall"]


@dataclass(slots=True)
class TaskCall:
    """What a binding knows of the call besides its payload."""

    state_name: str
    resource: str
    context: Callable[[], Any]
    """Builds the context object (``$$``) of the calling state."""


class TaskBinding(Protocol):
    resource: str
    lambda_events: bool
    """History events are ``LambdaFunction*`` (a direct Lambda ARN) rather than ``Task*``."""
    label: str
    """How AWS names the resource in a ``States.DataLimitExceeded`` cause."""
    call_sync: Callable[[Any, TaskCall], Any] | None
    """Answers without awaiting, when the resource allows it."""

    def invoke(self, payload: Any, call: TaskCall) -> Awaitable[Any]: ...
