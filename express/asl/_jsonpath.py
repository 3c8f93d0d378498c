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

__all__ = [
    "ParsedPath",
    "PathSyntaxError",
    "Slice",
    "Step",
    "Union",
    "Wildcard",
    "format_segments",
    "parse_path",
]

Segment = str | int


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``[*]`` or ``.*``: every element of an array, every value of an object."""


@dataclass(frozen=True, slots=True)
class Slice:
    """``[start:stop:step]`` of an array."""

    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True, slots=True)
class Union:
    """``[0,2]`` or ``['a','b']``: several indexes or names."""

    keys: tuple[Segment, ...]


Step = Segment | Wildcard | Slice | Union
_SLICE = re.compile(r"\[\s*(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d*)\s*)?\]")
_UNION_ITEM = re.compile(r"""\s*(?:(-?\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*""")

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
    steps: tuple[Step, ...] | None = None
    """Every step of an indefinite path made of names, indexes, wildcards, slices and
    unions; None when it needs the general engine (filters, ``..``)."""

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
    steps = _steps(tail, pos)
    if steps is None or not all(isinstance(s, str | int) for s in steps):
        _check_indefinite("$" + tail)
        return ParsedPath(text, root, None, tail, length_call, steps)
    segments = tuple(s for s in steps if isinstance(s, str | int))
    return ParsedPath(text, root, segments, tail, length_call, steps)


def _steps(tail: str, pos: int) -> tuple[Step, ...] | None:
    """The steps of ``tail``, or None when it uses filters or ``..``."""
    steps: list[Step] = []
    i = 0
    while i < len(tail):
        ch = tail[i]
        if tail.startswith("..", i):
            return None
        if ch == ".":
            if tail.startswith(".*", i):
                steps.append(Wildcard())
                i += 2
                continue
            m = _DOT_NAME.match(tail, i)
            if m is None:
                raise PathSyntaxError(f"unexpected character at position {pos + i + 1}")
            steps.append(m.group(1))
            i = m.end()
        elif ch == "[":
            step, end = _bracket(tail, i)
            if step is None:
                return None
            steps.append(step)
            i = end
        else:
            raise PathSyntaxError(f"unexpected character {ch!r} at position {pos + i + 1}")
    return tuple(steps)


def _unquote(raw: str) -> str:
    # Jayway takes a quoted name as written: a backslash only keeps the next character
    # from ending the name, and stays part of it (AWS-recorded: $['Test\""Name"'] finds
    # the key Test\""Name").
    return raw


def _bracket(tail: str, i: int) -> tuple[Step | None, int]:
    if (m := _INDEX.match(tail, i)) is not None:
        return int(m.group(1)), m.end()
    if (m := _QUOTED.match(tail, i)) is not None:
        return _unquote(m.group(1) if m.group(1) is not None else m.group(2)), m.end()
    if tail.startswith("[*]", i):
        return Wildcard(), i + 3
    if (m := _SLICE.match(tail, i)) is not None:
        start, stop, step = (int(g) if g else None for g in m.groups())
        if step == 0:
            raise PathSyntaxError("a slice step cannot be 0")
        return Slice(start, stop, step), m.end()
    end = tail.find("]", i)
    if end > i and not tail.startswith("[?", i):
        keys: list[Segment] = []
        for part in tail[i + 1 : end].split(","):
            um = _UNION_ITEM.fullmatch(part)
            if um is None:
                return None, i
            if um.group(1) is not None:
                keys.append(int(um.group(1)))
            else:
                keys.append(_unquote(um.group(2) if um.group(2) is not None else um.group(3)))
        return Union(tuple(keys)), end + 1
    return None, i


def _check_indefinite(text: str) -> None:
    from jsonpath_ng.ext.parser import parse as jp_parse

    try:
        jp_parse(text)
    except Exception as exc:  # jsonpath-ng raises several unrelated types
        raise PathSyntaxError(str(exc)) from None
