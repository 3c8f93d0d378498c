"""Paths compiled to getters and setters.

A definite path (``$.a.b[0]``) becomes generated code doing the lookups inline inside one
``try``; the slow walk that builds AWS's error text only runs when a lookup fails. An
indefinite path is parsed once by jsonpath-ng and returns the list of matches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from express.asl._jsonpath import (
    ParsedPath,
    Segment,
    Slice,
    Step,
    Union,
    Wildcard,
    format_segments,
    parse_path,
)
from express.errors import ErrorName, StatesError

from ._frame import Frame, Getter

__all__ = ["PathError", "compile_path", "compile_reference_setter", "walk"]


class PathError(Exception):
    """A path matched nothing. ``detail`` is Jayway's wording, as AWS quotes it."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


def walk(root: Any, segments: tuple[Segment, ...]) -> Any:
    """Follow ``segments`` from ``root``; raise ``PathError`` worded as AWS words it."""
    cur = root
    last = len(segments) - 1
    for i, seg in enumerate(segments):
        if isinstance(seg, int):
            ok = isinstance(cur, list) and -len(cur) <= seg < len(cur)
        else:
            ok = isinstance(cur, dict) and seg in cur
        if not ok:
            if i == last:
                raise PathError(f"No results for path: {format_segments(segments)}")
            raise PathError(f"Missing property in path {format_segments(segments[: i + 1])}")
        cur = cur[seg]
    return cur


def _root_expr(parsed: ParsedPath) -> str:
    if parsed.root == "$":
        return "d"
    if parsed.root == "$$":
        return "f.context()"
    return f"f.variables[{parsed.root!r}]"


def compile_path(text: str) -> Getter:
    """Compile a path to ``getter(data, frame)``. The text must already be valid."""
    parsed = parse_path(text)
    if parsed.segments is None and parsed.steps is not None:
        getter = _stepwise(parsed, parsed.steps)
    elif parsed.segments is None:
        getter = _indefinite(parsed)
    else:
        getter = _definite(parsed, parsed.segments)
    if parsed.length_call:
        inner = getter

        def length(d: Any, f: Frame) -> Any:
            value = inner(d, f)
            if isinstance(value, list | str | dict):
                return len(value)
            raise PathError(f"Function length() can not be applied to {parsed.text}")

        return length
    return getter


def _definite(parsed: ParsedPath, segments: tuple[Segment, ...]) -> Getter:
    root = _root_expr(parsed)
    if parsed.root not in ("$", "$$"):
        name = parsed.root

        def var_root(f: Frame) -> Any:
            try:
                return f.variables[name]
            except KeyError:
                raise PathError(f"No results for path: ${name}") from None
    else:
        var_root = None  # type: ignore[assignment]
    if not segments:
        if parsed.root == "$":
            return _identity
        if parsed.root == "$$":
            return lambda d, f: f.context()
        return lambda d, f: var_root(f)
    expr = "r"
    for seg in segments:
        if isinstance(seg, int):
            expr = f"(x if (x := {expr}).__class__ is list else None)[{seg}]"
        else:
            expr = f"{expr}[{seg!r}]"
    root_stmt = "r = var_root(f)" if var_root is not None else f"r = {root}"
    src = (
        "def getter(d, f):\n"
        f"    {root_stmt}\n"
        "    try:\n"
        f"        return {expr}\n"
        "    except (KeyError, IndexError, TypeError):\n"
        "        return walk(r, segments)\n"
    )
    namespace: dict[str, Any] = {"walk": walk, "segments": segments, "var_root": var_root}
    exec(compile(src, f"<path {parsed.text}>", "exec"), namespace)
    getter: Getter = namespace["getter"]
    return getter


def _identity(d: Any, f: Frame) -> Any:
    return d


def _apply(step: Step, nodes: list[Any]) -> list[Any]:
    """One step of an indefinite path over every node matched so far (Jayway skips
    nodes where the step does not apply instead of failing)."""
    out: list[Any] = []
    if isinstance(step, str):
        for n in nodes:
            if n.__class__ is dict and step in n:
                out.append(n[step])
    elif isinstance(step, int):
        for n in nodes:
            if n.__class__ is list and -len(n) <= step < len(n):
                out.append(n[step])
    elif isinstance(step, Wildcard):
        for n in nodes:
            if n.__class__ is list:
                out.extend(n)
            elif n.__class__ is dict:
                out.extend(n.values())
    elif isinstance(step, Slice):
        s = slice(step.start, step.stop, step.step)
        for n in nodes:
            if n.__class__ is list:
                out.extend(n[s])
    else:
        assert isinstance(step, Union)
        for n in nodes:
            for key in step.keys:
                out.extend(_apply(key, [n]))
    return out


def _stepwise(parsed: ParsedPath, steps: tuple[Step, ...]) -> Getter:
    """An indefinite path of simple steps: a list of every match, in document order."""
    first = 0
    while first < len(steps) and isinstance(steps[first], str | int):
        first += 1
    prefix = tuple(s for s in steps[:first] if isinstance(s, str | int))
    rest = steps[first:]
    root = _definite(ParsedPath(parsed.text, parsed.root, prefix, ""), prefix)

    def getter(d: Any, f: Frame) -> Any:
        try:
            nodes = [root(d, f)]
        except PathError:
            return []
        for step in rest:
            nodes = _apply(step, nodes)
        return nodes

    return getter


def _indefinite(parsed: ParsedPath) -> Getter:
    from jsonpath_ng.ext.parser import parse as jp_parse

    expr = jp_parse("$" + parsed.tail)
    root = parsed.root

    def getter(d: Any, f: Frame) -> Any:
        if root == "$":
            base = d
        elif root == "$$":
            base = f.context()
        else:
            base = f.variables.get(root)
        return [m.value for m in expr.find(base)]

    return getter


Setter = Callable[..., Any]
"""``setter(input, result, frame=None) -> new data`` (the frame is unused: the signature
lets a setter serve directly as a state's finishing step)."""


class ResultPathError(StatesError):
    """The result cannot be written into the input at this reference path."""

    def __init__(self, path: str, data: Any) -> None:
        try:
            shown = orjson.dumps(orjson.dumps(data).decode()).decode()
        except TypeError:
            shown = repr(data)
        super().__init__(
            ErrorName.RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply ReferencePath {path} to input {shown}",
        )


def compile_reference_setter(text: str) -> Setter:
    """Compile a ResultPath to ``setter(input, result) -> new data``.

    Only the containers along the path are copied: the input is never mutated, so it can
    be shared by everything that still refers to it.
    """
    parsed = parse_path(text)
    segments = parsed.segments or ()
    if not segments:
        return lambda data, result, f=None: result

    def put(node: Any, i: int, result: Any) -> Any:
        seg = segments[i]
        last = i == len(segments) - 1
        if isinstance(seg, int):
            if not isinstance(node, list) or not -len(node) <= seg < len(node):
                raise ResultPathError(text, root)
            copy_list = list(node)
            copy_list[seg] = result if last else put(node[seg], i + 1, result)
            return copy_list
        if node is None and i > 0:
            node = {}
        if not isinstance(node, dict):
            raise ResultPathError(text, root)
        copy = dict(node)
        copy[seg] = result if last else put(node.get(seg), i + 1, result)
        return copy

    if all(isinstance(s, str) for s in segments):
        return _generated_setter(text, segments)  # type: ignore[arg-type]
    root: Any = None

    def set_any(data: Any, result: Any, f: Any = None) -> Any:
        nonlocal root
        root = data
        return put(data, 0, result)

    return set_any


def _generated_setter(text: str, keys: tuple[str, ...]) -> Setter:
    """Generated code for a ResultPath of property names: copy each dict on the way down.

    A missing (or null) intermediate becomes a new object, as on AWS.
    """
    lines = [
        "def setter(data, result, f=None):",
        "    if data.__class__ is not dict:",
        "        raise E(t, data)",
    ]
    lines.append("    n0 = data.copy()")
    for i, key in enumerate(keys[:-1]):
        lines += [
            f"    c = n{i}.get({key!r})",
            "    if c.__class__ is dict:",
            f"        n{i + 1} = c.copy()",
            "    elif c is None:",
            f"        n{i + 1} = {{}}",
            "    else:",
            "        raise E(t, data)",
            f"    n{i}[{key!r}] = n{i + 1}",
        ]
    lines += [f"    n{len(keys) - 1}[{keys[-1]!r}] = result", "    return n0"]
    namespace: dict[str, Any] = {"E": ResultPathError, "t": text}
    exec(compile("\n".join(lines), f"<ResultPath {text}>", "exec"), namespace)
    setter: Setter = namespace["setter"]
    return setter
