"""End-to-end smoke tests of the public API on both event loops."""

from __future__ import annotations

import pytest

import express

pytestmark = pytest.mark.anyio


async def test_pass_chain_succeeds() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
                "B": {"Type": "Pass", "Parameters": {"y.$": "$.a.x"}, "End": True},
            },
        }
    )
    result = await machine.execute({"in": True})
    assert result.status == "SUCCEEDED"
    assert result.output == {"y": 1}
