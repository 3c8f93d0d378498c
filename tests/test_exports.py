"""The public surface of ``express`` is exactly what ``__all__`` lists."""

from __future__ import annotations

import express

EXPECTED = {
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
}


def test_public_surface_is_pinned() -> None:
    assert set(express.__all__) == EXPECTED
    for name in express.__all__:
        assert hasattr(express, name), name


def test_error_hierarchy() -> None:
    assert issubclass(express.TaskFailed, express.StatesError)
    assert issubclass(express.StatesError, express.ExpressError)
    assert issubclass(express.DefinitionError, express.ExpressError)
    assert issubclass(express.Throttled, express.ExpressError)
