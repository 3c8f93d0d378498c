"""States.Format and States.StringSplit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from express.asl._intrinsics import Call, IntrinsicSyntaxError, split_template

from ._base import Impl, invalid, require_str
from ._java import java_str

__all__ = ["FUNCTIONS", "SplitTemplate"]


@dataclass(frozen=True, slots=True)
class SplitTemplate:
    """A template literal split once at compile time: the text around its ``{}``."""

    parts: tuple[str, ...]


def format_(call: Call, template: Any, *values: Any) -> str:
    if isinstance(template, SplitTemplate):
        parts = template.parts
    elif template.__class__ is str:
        # A template read from data: its braces follow the same rules as a literal's.
        try:
            parts = split_template(template, strict=False)
        except IntrinsicSyntaxError as exc:
            raise invalid(call, f"Invalid template in {call.name}: {exc}") from None
    else:
        raise invalid(call)
    if len(parts) != len(values) + 1:
        raise invalid(call)
    # Values print as Java's String.valueOf: null, 1.1, {Arg1=1, Arg2=[]} (AWS-recorded).
    out = [parts[0]]
    for value, part in zip(values, parts[1:], strict=True):
        out.append(value if value.__class__ is str else java_str(value))
        out.append(part)
    return "".join(out)


@lru_cache(maxsize=256)
def _token_pattern(delimiters: str) -> re.Pattern[str]:
    return re.compile(f"[^{''.join(re.escape(ch) for ch in delimiters)}]+")


def string_split(call: Call, text: Any, delimiters: Any) -> list[str]:
    # java.util.StringTokenizer: every character of `delimiters` separates, and empty
    # tokens are dropped (AWS: "a,,b" -> ["a", "b"], "" -> [], ", , ," -> [" ", " "]).
    text = require_str(call, text)
    delimiters = require_str(call, delimiters)
    if not delimiters:
        return [text] if text else []
    return _token_pattern(delimiters).findall(text)


FUNCTIONS: Final[dict[str, Impl]] = {
    "States.Format": format_,
    "States.StringSplit": string_split,
}
