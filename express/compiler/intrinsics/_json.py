"""States.StringToJson, States.JsonToString and States.JsonMerge."""

from __future__ import annotations

from typing import Any, Final

import orjson

from express.asl._intrinsics import Call

from ._base import Impl, invalid, require_dict, require_str
from ._java import hashmap_merge, java_json

__all__ = ["FUNCTIONS"]

_JSON_WHITESPACE: Final = " \t\n\r"


def string_to_json(call: Call, text: Any) -> Any:
    text = require_str(call, text)
    if not text.strip(_JSON_WHITESPACE):
        return None  # AWS-recorded: "" and " " both parse to null
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise invalid(call) from None


def json_to_string(call: Call, value: Any) -> str:
    # Compact, as AWS prints it: {"Arg1":1,"Arg2":[]} (AWS-recorded).
    return java_json(value)


def json_merge(call: Call, first: Any, second: Any, deep: Any) -> dict[str, Any]:
    first = require_dict(call, first)
    second = require_dict(call, second)
    # Deep merging is unsupported; AWS takes any other third value (even "false") as shallow.
    if deep is True:
        raise invalid(call)
    return hashmap_merge(first, second)


FUNCTIONS: Final[dict[str, Impl]] = {
    "States.StringToJson": string_to_json,
    "States.JsonToString": json_to_string,
    "States.JsonMerge": json_merge,
}
