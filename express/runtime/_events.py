"""Execution history events, numbered as AWS numbers them.

Event ids are always counted (AWS's error causes cite them); event objects are built only
when the execution records its history, so an execution that does not pays one integer
increment per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["HistoryEvent", "iso_timestamp", "payload_details"]


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event as GetExecutionHistory shows it (``details`` is the ``*EventDetails``)."""

    id: int
    previous_event_id: int
    type: str
    timestamp: float
    details: dict[str, Any] | None

    @property
    def details_key(self) -> str:
        """The name AWS gives this event's details member, e.g. ``stateEnteredEventDetails``."""
        return _DETAILS_KEY.get(self.type, _default_key(self.type))

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "timestamp": self.timestamp,
            "type": self.type,
            "id": self.id,
            "previousEventId": self.previous_event_id,
        }
        if self.details is not None:
            out[self.details_key] = self.details
        return out


def _default_key(event_type: str) -> str:
    return event_type[0].lower() + event_type[1:] + "EventDetails"


_DETAILS_KEY: dict[str, str] = {}
for _kind in ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"):
    _DETAILS_KEY[f"{_kind}StateEntered"] = "stateEnteredEventDetails"
    _DETAILS_KEY[f"{_kind}StateExited"] = "stateExitedEventDetails"
for _kind in ("Started", "Succeeded", "Failed", "Aborted"):
    _DETAILS_KEY[f"MapIteration{_kind}"] = "mapIterationStartedEventDetails".replace(
        "Started", _kind
    )
_DETAILS_KEY["MapStateStarted"] = "mapStateStartedEventDetails"


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        import json

        return json.dumps(value, separators=(",", ":"))


def payload_details(key: str, value: Any) -> dict[str, Any]:
    """``{"input": "<json>", "inputDetails": {"truncated": false}}`` for key ``input``."""
    return {key: _dumps(value), f"{key}Details": {"truncated": False}}


def iso_timestamp(seconds: float) -> str:
    """An ISO-8601 UTC timestamp with milliseconds, as the context object shows times."""
    dt = datetime.fromtimestamp(seconds, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
