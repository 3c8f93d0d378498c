"""Local Python resources for ``greet.asl.json`` (``express run ... --resources``)."""

from __future__ import annotations

from typing import Any


def greet(event: dict[str, Any]) -> str:
    return f"Hello, {event['name']}!"


RESOURCES = {"arn:aws:lambda:us-east-1:123456789012:function:greet": greet}
