"""Parsing of ASL paths: ``$...`` (state data), ``$$...`` (context object), ``$name...``
(a workflow variable).

A path is *definite* when it is made of property names and integer indexes only; such a
path is compiled to a chain of lookups. Wildcards, slices, unions, filters and ``..`` make
it indefinite: those are handed to jsonpath-ng (parsed once) and yield a list of matches,
as AWS's Jayway-based implementation does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ParsedPath", "PathSyntaxError", "format_segments", "parse_path"]

Segment = str | int

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_QUOTED = re.compile(r"""\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]""")
_DOT_NAME = re.compile(r"\.([^.\[\]\s()]+)")


class PathSyntaxError(ValueError):
    """The text is not a valid ASL path."""


@dataclass(frozen=True, slots=True)
class ParsedPath:
    """A parsed path. ``segments`` is ``None`` for an indefinite path."""

    text: str
    root: str
    """``"$"`` for state data, ``"$$"`` for the context object, else a variable name."""
    segments: tuple[Segment, ...] | None
    tail: str
    """The text after the root, e.g. ``".a[0]"``; jsonpath-ng parses ``"$" + tail``."""
    length_call: bool = False
    """The path ends in Jayway's ``.length()`` function."""

    @property
    def definite(self) -> bool:
        return self.segments is not None


def format_segments(segments: tuple[Segment, ...] | list[Segment]) -> str:
    """Jayway's rendering of a path: ``$['a'][0]``, used in AWS's error causes."""
    out = ["$"]
    for seg in segments:
        out.append(f"[{seg}]" if isinstance(seg, int) else f"['{seg}']")
    return "".join(out)


@lru_cache(maxsize=4096)
def parse_path(text: str) -> ParsedPath:
    """Parse ``text``; raise ``PathSyntaxError`` with a human message when it is invalid."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError("a path must start with '$'")
    if text.startswith("$$"):
        root, pos = "$$", 2
    elif len(text) > 1 and (m := _IDENT.match(text, 1)) is not None:
        root, pos = m.group(0), m.end()
    else:
        root, pos = "$", 1
    tail = text[pos:]
    length_call = False
    if tail.endswith(".length()"):
        tail = tail[: -len(".length()")]
        length_call = True
    segments: list[Segment] = []
    definite = True
    i = 0
    while i < len(tail):
        ch = tail[i]
        if tail.startswith("..", i):
            definite = False
            break
        if ch == ".":
            m = _DOT_NAME.match(tail, i)
            if m is None:
                if tail.startswith(".*", i):
                    definite = False
                    break
                raise PathSyntaxError(f"unexpected character at position {pos + i + 1}")
            name = m.group(1)
            if name == "*":
                definite = False
                break
            segments.append(name)
            i = m.end()
        elif ch == "[":
            m = _INDEX.match(tail, i)
            if m is not None:
                segments.append(int(m.group(1)))
                i = m.end()
                continue
            m = _QUOTED.match(tail, i)
            if m is not None:
                raw = m.group(1) if m.group(1) is not None else m.group(2)
                segments.append(re.sub(r"\\(.)", r"\1", raw))
                i = m.end()
                continue
            definite = False
            break
        else:
            raise PathSyntaxError(f"unexpected character {ch!r} at position {pos + i + 1}")
    if not definite:
        _check_indefinite("$" + tail)
        return ParsedPath(text, root, None, tail, length_call)
    return ParsedPath(text, root, tuple(segments), tail, length_call)


def _check_indefinite(text: str) -> None:
    from jsonpath_ng.ext.parser import parse as jp_parse

    try:
        jp_parse(text)
    except Exception as exc:  # jsonpath-ng raises several unrelated types
        raise PathSyntaxError(str(exc)) from None
