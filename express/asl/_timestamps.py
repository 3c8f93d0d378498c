"""RFC 3339 timestamps as ASL profiles them (Wait ``Timestamp``/``TimestampPath`` and the
JSONata Wait): an uppercase ``T``, seconds, an optional fraction and an explicit offset.

One parser for every place that waits, so that they cannot disagree. (Choice rules keep
their own nanosecond-exact comparison in ``compiler/_choice.py``.)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

__all__ = ["parse_timestamp"]

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def parse_timestamp(text: Any) -> float | None:
    """Epoch seconds of ``text``, or None when AWS would refuse it as a timestamp."""
    if not isinstance(text, str):
        return None
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    zone = "+00:00" if m.group(2) == "Z" else m.group(2)
    try:
        when = datetime.fromisoformat(text[:19] + zone).timestamp()
    except ValueError:  # month 13, hour 25, ...
        return None
    frac = m.group(1)
    return when + float("0" + frac) if frac else when
