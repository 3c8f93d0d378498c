"""The task adapter protocol: what a Task state's ``Resource`` is bound to.

A binding is resolved once per Task state when the machine is compiled (the resolver of
``express.tasks._resolve`` picks a local callable, a Lambda endpoint, the HTTP Task or a
mocked response). The runtime hands it one request, the effective input plus a
``TaskCall`` (one dataclass, so that a new field breaks no adapter), and gets a result
back or an ASL error raised as ``TaskFailed``/``StatesError``. A binding that can answer
without awaiting offers ``call_sync`` so that a Task calling a plain function costs no
await at all.

Cross-cutting concerns are composed per state at compile time, never per call: the
runtime enforces TimeoutSeconds and HeartbeatSeconds around any binding, and
``observed`` wraps a binding with a metrics hook only when an observer is configured.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["TaskBinding", "TaskCall", "TaskObserver", "observed"]


def _no_heartbeat() -> None:
    return None


@dataclass(slots=True)
class TaskCall:
    """What a binding knows of the call besides its payload."""

    state_name: str
    resource: str
    context: Callable[[], Any]
    """Builds the context object (``$$``) of the calling state."""
    heartbeat: Callable[[], None] = field(default=_no_heartbeat)
    """Report progress: restarts the state's HeartbeatSeconds timer (a no-op without one;
    the runtime arms it for bindings that declare ``heartbeats = True``)."""


class TaskBinding(Protocol):
    resource: str
    lambda_events: bool
    """History events are ``LambdaFunction*`` (a direct Lambda ARN) rather than ``Task*``."""
    label: str
    """How AWS names the resource in a ``States.DataLimitExceeded`` cause."""
    call_sync: Callable[[Any, TaskCall], Any] | None
    """Answers without awaiting, when the resource allows it."""
    # Optional: ``heartbeats = True`` declares that the binding calls ``TaskCall.heartbeat``,
    # and so asks the runtime to enforce the state's HeartbeatSeconds on it (it is read
    # with getattr: request-response bindings need not define it).

    def invoke(self, payload: Any, call: TaskCall) -> Awaitable[Any]: ...


TaskObserver = Callable[[str, str, float], None]
"""``observer(kind, outcome, seconds)`` after every task call.

``kind`` is the adapter (``python``, ``lambda``, ``http``, ``mock``), ``outcome`` one of
``succeeded``, ``failed`` or ``cancelled`` (a timeout or an aborted execution). Both are
small fixed sets, so they make safe metric labels.
"""


class _Observed:
    """A binding wrapped with a metrics hook; keeps the inner one's sync fast path."""

    __slots__ = (
        "_inner",
        "_kind",
        "_observer",
        "call_sync",
        "heartbeats",
        "label",
        "lambda_events",
        "resource",
    )

    def __init__(self, inner: TaskBinding, kind: str, observer: TaskObserver) -> None:
        self._inner = inner
        self._kind = kind
        self._observer = observer
        self.resource = inner.resource
        self.lambda_events = inner.lambda_events
        self.label = inner.label
        self.heartbeats: bool = getattr(inner, "heartbeats", False)
        self.call_sync: Callable[[Any, TaskCall], Any] | None = (
            self._call_sync if inner.call_sync is not None else None
        )

    def _call_sync(self, payload: Any, call: TaskCall) -> Any:
        assert self._inner.call_sync is not None
        start = time.perf_counter()
        outcome = "failed"
        try:
            result = self._inner.call_sync(payload, call)
            outcome = "succeeded"
            return result
        finally:
            self._observer(self._kind, outcome, time.perf_counter() - start)

    async def invoke(self, payload: Any, call: TaskCall) -> Any:
        start = time.perf_counter()
        outcome = "cancelled"
        try:
            result = await self._inner.invoke(payload, call)
            outcome = "succeeded"
            return result
        except Exception:
            outcome = "failed"
            raise
        finally:
            self._observer(self._kind, outcome, time.perf_counter() - start)


def observed(binding: TaskBinding, kind: str, observer: TaskObserver | None) -> TaskBinding:
    """``binding`` reporting to ``observer``, or ``binding`` itself when there is none."""
    if observer is None:
        return binding
    return _Observed(binding, kind, observer)
