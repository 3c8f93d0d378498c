"""How long a Wait state waits, with AWS's errors for bad ``SecondsPath``/``TimestampPath``."""

from __future__ import annotations

from typing import Any

from express.asl._timestamps import parse_timestamp
from express.compiler._paths import PathError
from express.compiler._payload import dumps_compact
from express.compiler._states import WaitState
from express.errors import ErrorName, StatesError

from ._frame import Frame

__all__ = ["parse_timestamp", "wait_seconds"]


def _runtime(message: str) -> StatesError:
    return StatesError(ErrorName.RUNTIME, message)


def wait_seconds(st: WaitState, data: Any, frame: Frame, now: float) -> float:
    if st.dynamic is not None:  # a JSONata Seconds/Timestamp expression
        return st.dynamic(data, frame, now)
    if st.seconds_path is not None:
        assert callable(st.seconds)
        try:
            value = st.seconds(data, frame)
        except PathError:
            raise _runtime(
                f"The SecondsPath parameter does not reference an input value: {st.seconds_path}"
            ) from None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and not value.is_integer())
        ):
            raise _runtime(
                "The SecondsPath parameter cannot be parsed as a long value: "
                f"{st.seconds_path} == {_show(value)}"
            )
        if value < 0:
            raise _runtime(
                "The SecondsPath parameter references a negative value: "
                f"{st.seconds_path} == {_show(value)}"
            )
        return float(value)
    if st.seconds is not None:
        assert isinstance(st.seconds, int | float)
        return float(st.seconds)
    if st.timestamp is not None:
        when = parse_timestamp(st.timestamp)
        return max(0.0, (when or now) - now)
    if st.timestamp_path is not None:
        try:
            value = st.timestamp_path(data, frame)
        except PathError:
            raise _runtime(
                "The TimestampPath parameter does not reference an input value: "
                f"{st.timestamp_path_text}"
            ) from None
        when = parse_timestamp(value)
        if when is None:
            raise _runtime(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                f"offset date-time format string: {st.timestamp_path_text} == {_show(value)}"
            )
        return max(0.0, when - now)
    return 0.0


def _show(value: Any) -> str:
    return value if isinstance(value, str) else dumps_compact(value)
