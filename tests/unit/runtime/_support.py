"""Small builders shared by the runtime tests (not a test module)."""

from __future__ import annotations

from typing import Any

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
#: The payload quota of Step Functions: 256 KiB of UTF-8.
MAX_PAYLOAD = 262_144


def definition(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    """A state machine definition whose StartAt is the first state unless given."""
    return {"StartAt": start or next(iter(states)), "States": states, **top}


def single(state: dict[str, Any], name: str = "S") -> dict[str, Any]:
    """A definition made of one state, ``End: true`` added where the type needs it."""
    node = dict(state)
    if node["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in node:
        node.setdefault("End", True)
    return definition({name: node})


def located(state: str, event_id: int) -> str:
    """AWS's prefix of the cause of an error raised by a state's own processing."""
    return (
        f"An error occurred while executing the state '{state}' "
        f"(entered at the event id #{event_id}). "
    )
