"""Fusing a JSONPath state's whole data flow into one generated function.

The composed closures of ``_io`` and ``_payload`` cost a Python call per step (InputPath,
each ``.$`` field, ResultPath, OutputPath). For the common case, where every path is a
definite ``$`` path, this module writes the state as straight-line code instead::

    def run(d, f):
        try:
            x = d['customer']
            r = {'id': x['id'], 'tier': x['tier']}
            o = d.copy(); o['customerKey'] = r
            return o
        except (KeyError, IndexError, TypeError, PathError):
            return slow(d, f)

The fast path only ever succeeds with the result the composed closures would give; any
lookup that fails (a missing key, a wrong type) falls back to ``slow``, the composed
closures themselves, which raise AWS's exact error. That keeps one source of truth for
semantics and errors, and makes the fused code safe to be naive.
"""

from __future__ import annotations

import itertools
from operator import itemgetter
from typing import Any

from express.asl._intrinsics import looks_like_intrinsic
from express.asl._jsonpath import Segment, Wildcard, parse_path

from ._frame import Getter
from ._paths import PathError, compile_path

__all__ = ["FAST_FAILURES", "Source", "fuse_pass", "pass_lines"]


class Source:
    def __init__(self) -> None:
        self.names: dict[str, Any] = {"PathError": PathError, "bad": _bad}
        self.lines: list[str] = []
        # Within one template: prefixes several of its paths share, read once into a
        # local by their first use (a dict display evaluates in order) and reused after.
        self._shared: dict[tuple[Segment, ...], list[Any]] = {}
        self._shared_var = ""

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def path(self, text: str, var: str) -> str:
        """An expression reading ``text`` from ``var``: inline for ``$`` paths of names,
        indexes and array wildcards."""
        parsed = parse_path(text)
        if parsed.root != "$" or parsed.length_call:
            return f"{self.bind('g', compile_path(text))}({var}, f)"
        if parsed.segments is not None:
            if var == self._shared_var:
                return self._reuse(var, parsed.segments)
            return _lookups(var, parsed.segments)
        steps = parsed.steps
        if steps is None or not all(isinstance(s, str | int | Wildcard) for s in steps):
            return f"{self.bind('g', compile_path(text))}({var}, f)"
        # Matches in document order: one ``for`` per wildcard. Anything but a list under
        # a wildcard, or a match missing below it, falls back to the composed getter
        # (which skips such nodes, as Jayway does).
        self.names["LIST"] = _list
        clauses: list[tuple[str, str]] = []  # (item variable, the list it runs over)
        cur = var
        run: list[Segment] = []
        for step in steps:
            if isinstance(step, Wildcard):
                item = f"_e{len(clauses)}"
                clauses.append((item, f"LIST({_lookups(cur, run)})"))
                cur, run = item, []
            else:
                assert isinstance(step, str | int)
                run.append(step)
        if len(clauses) == 1 and (not run or (len(run) == 1 and isinstance(run[0], str))):
            # Outside a comprehension the list check is written out (a walrus may not
            # sit in a comprehension's iterable).
            over = clauses[0][1][len("LIST(") : -1]
            checked = f"(_t if (_t := {over}).__class__ is list else bad())"
            if not run:
                return f"{checked}.copy()"
            return f"list(map({self.bind('IG', itemgetter(run[0]))}, {checked}))"
        loops = " ".join(f"for {item} in {over}" for item, over in clauses)
        return f"[{_lookups(cur, run)} {loops}]"

    def value(self, text: str, var: str) -> str:
        if looks_like_intrinsic(text):
            from .intrinsics import compile_intrinsic, inline_call

            inline = inline_call(text, lambda p: self.path(p, var), lambda v: self.bind("c", v))
            if inline is not None:
                return inline
            return f"{self.bind('g', compile_intrinsic(text, check_args=False))}({var}, f)"
        return self.path(text, var)

    def _reuse(self, var: str, segments: tuple[Segment, ...]) -> str:
        for cut in range(len(segments) - 1, 0, -1):
            entry = self._shared.get(segments[:cut])
            if entry is not None:
                name, read = entry
                if read:
                    return _lookups(name, segments[cut:])
                entry[1] = True
                return _lookups(f"({name} := {_lookups(var, segments[:cut])})", segments[cut:])
        return _lookups(var, segments)

    def template(self, node: Any, var: str) -> str:
        """An expression building payload template ``node`` from ``var``."""
        counts: dict[tuple[Segment, ...], int] = {}
        for text in _paths_of(node):
            segments = parse_path(text).segments
            if segments is not None and text.startswith("$"):
                for cut in range(1, len(segments)):
                    counts[segments[:cut]] = counts.get(segments[:cut], 0) + 1
        self._shared = {
            prefix: [f"_p{next(_temps)}", False] for prefix, k in counts.items() if k > 1
        }
        self._shared_var = var
        try:
            return self._template(node, var)
        finally:
            self._shared, self._shared_var = {}, ""

    def _template(self, node: Any, var: str) -> str:
        if isinstance(node, dict):
            if not _dynamic(node):
                return self.bind("c", node)
            parts = []
            for key, value in node.items():
                if key.endswith(".$") and isinstance(value, str):
                    parts.append(f"{key[:-2]!r}: {self.value(value, var)}")
                else:
                    parts.append(f"{key!r}: {self._template(value, var)}")
            return "{" + ", ".join(parts) + "}"
        if isinstance(node, list) and _dynamic(node):
            return "[" + ", ".join(self._template(v, var) for v in node) + "]"
        return self.bind("c", node)

    def put(self, text: str, target: str, value: str) -> bool:
        """Statements writing ``value`` into a copy of ``target`` as ``o``; False if the
        path has array indexes (then the composed setter is used)."""
        segments = parse_path(text).segments or ()
        if not segments or not all(isinstance(s, str) for s in segments):
            return False
        # A non-dict anywhere raises TypeError (None is replaced by a new object).
        self.lines.append(f"o = {target}.copy() if {target}.__class__ is dict else bad()")
        node = "o"
        for i, key in enumerate(segments[:-1]):
            child = f"n{i}"
            self.lines += [
                f"{child} = {node}.get({key!r})",
                f"{child} = {{}} if {child} is None else "
                f"({child}.copy() if {child}.__class__ is dict else bad())",
                f"{node}[{key!r}] = {child}",
            ]
            node = child
        self.lines.append(f"{node}[{segments[-1]!r}] = {value}")
        return True


_temps = itertools.count()


def _paths_of(node: Any) -> list[str]:
    """The plain paths (``.$`` fields that are not intrinsics) of a payload template."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith(".$") and isinstance(value, str):
                if not looks_like_intrinsic(value):
                    out.append(value)
            else:
                out += _paths_of(value)
    elif isinstance(node, list):
        for value in node:
            out += _paths_of(value)
    return out


def _lookups(expr: str, segments: tuple[Segment, ...] | list[Segment]) -> str:
    for seg in segments:
        if isinstance(seg, int):
            expr = f"(_t if (_t := {expr}).__class__ is list else None)[{seg}]"
        else:
            expr = f"{expr}[{seg!r}]"
    return expr


def _list(value: Any) -> list[Any]:
    if value.__class__ is not list:
        raise TypeError("not an array")
    return value


def _bad() -> Any:
    raise TypeError("not an object")


def _dynamic(node: Any) -> bool:
    if isinstance(node, dict):
        return any(
            (k.endswith(".$") and isinstance(v, str)) or _dynamic(v) for k, v in node.items()
        )
    if isinstance(node, list):
        return any(_dynamic(v) for v in node)
    return False


#: What makes fused code abandon its fast path for the composed closures.
FAST_FAILURES = (
    KeyError,
    IndexError,
    TypeError,
    PathError,
    ValueError,
    OverflowError,
    RecursionError,
)


def pass_lines(node: dict[str, Any], src: Source) -> list[str] | None:
    """Statements (unindented) computing a JSONPath Pass state's output from ``d`` into
    ``o``; None when a step needs the composed closures (a ResultPath with indexes)."""
    lines = src.lines = []
    in_path = node.get("InputPath", "$")
    if in_path is None:
        lines.append("x = {}")
    elif in_path == "$":
        lines.append("x = d")
    else:
        lines.append(f"x = {src.path(in_path, 'd')}")
    if "Result" in node:
        lines.append(f"r = {src.bind('c', node['Result'])}")
    elif "Parameters" in node:
        lines.append(f"r = {src.template(node['Parameters'], 'x')}")
    else:
        lines.append("r = x")
    result_path = node.get("ResultPath", "$")
    if "ResultPath" in node and result_path is None:
        lines.append("o = d")
    elif result_path == "$":
        lines.append("o = r")
    elif not src.put(result_path, "d", "r"):
        return None
    out_path = node.get("OutputPath", "$")
    if out_path is None:
        lines.append("o = {}")
    elif out_path != "$":
        lines.append(f"o = {src.path(out_path, 'o')}")
    return lines


def fuse_pass(node: dict[str, Any], slow: Getter) -> Getter:
    """One function for a JSONPath Pass state (Result or Parameters, and the four paths)."""
    src = Source()
    lines = pass_lines(node, src)
    if lines is None:
        return slow
    src.names["slow"] = slow
    src.names["FAST_FAILURES"] = FAST_FAILURES
    code = "\n".join(
        [
            "def run(d, f):",
            "    try:",
            *("        " + line for line in lines),
            "        return o",
            "    except FAST_FAILURES:",
            "        return slow(d, f)",
        ]
    )
    exec(compile(code, "<fused Pass state>", "exec"), src.names)
    run: Getter = src.names["run"]
    return run
