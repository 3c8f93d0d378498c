"""express: AWS Step Functions Express workflows, compiled once and run on asyncio.

The engine is layered one way: ``asl`` loads and validates a definition, ``compiler``
turns it into ready callables once, ``runtime`` runs executions of it on the event loop,
and ``tasks`` binds Task resources. This module is the public surface.
"""

from express.errors import (
    ApiError,
    DefinitionError,
    Diagnostic,
    ErrorName,
    ExpressError,
    LambdaFunctionError,
    StatesError,
    TaskFailed,
    Throttled,
)
from express.runtime._clock import Clock, RealClock, VirtualClock
from express.runtime._events import HistoryEvent
from express.runtime._executor import ExecutionHandle, Executor
from express.runtime._machine import ExecutionResult, StateMachine

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "Clock",
    "DefinitionError",
    "Diagnostic",
    "ErrorName",
    "ExecutionHandle",
    "ExecutionResult",
    "Executor",
    "ExpressError",
    "HistoryEvent",
    "LambdaFunctionError",
    "RealClock",
    "StateMachine",
    "StatesError",
    "TaskFailed",
    "Throttled",
    "VirtualClock",
    "__version__",
]
