"""A JSONPath Choice state's rules fused into one generated selector.

``select(data, frame)`` returns the index of the first matching rule, or -1. Paths are
read inline and the commonest comparisons (string and boolean equality, in-range numbers,
IsNull, IsPresent) are written as expressions; the rest call the exact tests of
``_choice``. As in ``_fuse``, any failed lookup abandons the fast path for the rule-by-rule
predicates, which decide what a missing path means (IsPresent: false; any other
operator: ``States.Runtime``). A fast result is therefore always the predicates' result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from express.asl._jsonpath import parse_path

from ._choice import (
    OPERATORS,
    Predicate,
    _constant_test,
    _pair_test,
    compile_rule,
    wildcard_ends,
    wildcard_parts,
)
from ._frame import Frame
from ._paths import PathError, compile_path

__all__ = ["Selector", "choice_lines", "fuse_choice"]

Selector = Callable[[Any, Frame], int]

#: Integers beyond 2**53 compare as rounded doubles on AWS: those go to the exact test.
_EXACT = 2**53
_NUMERIC_OPS = {
    "NumericEquals": "==",
    "NumericLessThan": "<",
    "NumericGreaterThan": ">",
    "NumericLessThanEquals": "<=",
    "NumericGreaterThanEquals": ">=",
}


def _exact_number(v: str) -> str:
    return f"({v}.__class__ is float or ({v}.__class__ is int and -EXACT <= {v} <= EXACT))"


class _Gen:
    def __init__(self, names: dict[str, Any] | None = None) -> None:
        self.names: dict[str, Any] = names if names is not None else {}
        self.names.update(PathError=PathError, EXACT=_EXACT)
        self.temps = 0
        self.prefixes: dict[tuple[Any, ...], str] = {}
        self.prelude: list[str] = []

    def bind(self, value: Any) -> str:
        name = f"k{len(self.names)}"
        self.names[name] = value
        return name

    def temp(self) -> str:
        self.temps += 1
        return f"_v{self.temps}"

    def path(self, text: str) -> str:
        parsed = parse_path(text)
        if parsed.root != "$" or parsed.segments is None or parsed.length_call:
            return f"{self.bind(compile_path(text))}(d, f)"
        segments = parsed.segments
        k = 0
        while k < len(segments) - 1 and isinstance(segments[k], str):
            k += 1
        expr = self.prefix(segments[:k])
        for seg in segments[k:]:
            if isinstance(seg, int):
                t = self.temp()
                expr = f"({t} if ({t} := {expr}).__class__ is list else None)[{seg}]"
            else:
                expr = f"{expr}[{seg!r}]"
        return expr

    def prefix(self, names: tuple[Any, ...]) -> str:
        """A local holding the object at ``$.<names>``, or None where there is none: rules
        share their lookups, and reading a missing one still fails where it is used."""
        if not names:
            return "d"
        var = self.prefixes.get(names)
        if var is None:
            parent = self.prefix(names[:-1])
            var = self.prefixes[names] = f"_q{len(self.prefixes)}"
            self.prelude.append(
                f"{var} = {parent}.get({names[-1]!r}) if {parent}.__class__ is dict else None"
            )
        return var

    def presence(self, text: str) -> Predicate | None:
        """A generated ``has(d, f)`` for a definite ``$`` path (no error text is built
        for a missing one, unlike the getter's)."""
        parsed = parse_path(text)
        if parsed.root != "$" or parsed.segments is None or parsed.length_call:
            return None
        expr = "d"
        for seg in parsed.segments:
            if isinstance(seg, int):
                expr = f"(_t if (_t := {expr}).__class__ is list else None)[{seg}]"
            else:
                expr = f"{expr}[{seg!r}]"
        src = (
            "def has(d, f):\n"
            "    try:\n"
            f"        {expr}\n"
            "    except (KeyError, IndexError, TypeError):\n"
            "        return False\n"
            "    return True\n"
        )
        namespace: dict[str, Any] = {}
        exec(compile(src, f"<IsPresent {text}>", "exec"), namespace)
        has: Predicate = namespace["has"]
        return has

    def inline_presence(self, text: str) -> str | None:
        """IsPresent of a definite path ending in a name, as one expression (a missing or
        odd container on the way means absent)."""
        parsed = parse_path(text)
        if parsed.root != "$" or not parsed.segments or parsed.length_call:
            return None
        *head, last = parsed.segments
        if not isinstance(last, str) or any(isinstance(seg, int) for seg in head):
            return None
        expr = self.prefix(tuple(head))
        t = self.temp()
        return f"(({t} := {expr}).__class__ is dict and {last!r} in {t})"

    def rule(self, rule: dict[str, Any]) -> str:
        if "And" in rule:
            return "(" + " and ".join(self.rule(r) for r in rule["And"]) + ")"
        if "Or" in rule:
            return "(" + " or ".join(self.rule(r) for r in rule["Or"]) + ")"
        if "Not" in rule:
            return f"(not {self.rule(rule['Not'])})"
        op = next(k for k in rule if k in OPERATORS)
        if op == "IsPresent":
            inline = self.inline_presence(rule["Variable"])
            if inline is not None:
                return inline if rule[op] is True else f"(not {inline})"
            # Asking about a missing path is the point here: never raise, never fall back.
            present = self.presence(rule["Variable"]) or compile_rule(rule)
            test = f"{self.bind(present)}(d, f)"
            return test if rule[op] is True else f"(not {test})"
        return self.comparison(self.path(rule["Variable"]), op, rule[op])

    def comparison(self, value: str, op: str, c: Any) -> str:
        if op.endswith("Path"):
            base = op[: -len("Path")]
            test = self.bind(_pair_test(base))
            symbol = _NUMERIC_OPS.get(base)
            if symbol is None:
                return f"{test}({value}, {self.path(c)})"
            # Both read first (a walrus inside a short-circuit may never be bound); doubles
            # and exactly representable ints compare as Python compares them.
            a, b = self.temp(), self.temp()
            return (
                f"({a} {symbol} {b} if (({a} := {value}), ({b} := {self.path(c)})) and "
                f"{_exact_number(a)} and {_exact_number(b)} else {test}({a}, {b}))"
            )
        if op == "IsNull":
            return f"(({value}) is None) is {c is True}"
        if op == "BooleanEquals":
            return f"({value}) is {c is True}"
        if op == "StringEquals":
            v = self.temp()
            return f"(({v} := {value}).__class__ is str and {v} == {self.bind(c)})"
        if op == "StringMatches" and isinstance(c, str):
            ends = wildcard_ends(wildcard_parts(c))
            if ends is not None:
                v = self.temp()
                head, tail = ends
                tests = [f"({v} := {value}).__class__ is str"]
                if head and tail:
                    tests.append(f"len({v}) >= {len(head) + len(tail)}")
                if head:
                    tests.append(f"{v}.startswith({head!r})")
                if tail:
                    tests.append(f"{v}.endswith({tail!r})")
                return "(" + " and ".join(tests) + ")"
        symbol = _NUMERIC_OPS.get(op)
        if (
            symbol is not None
            and isinstance(c, int | float)
            and not isinstance(c, bool)
            and abs(c) <= _EXACT
        ):
            v = self.temp()
            exact = self.bind(_constant_test(op, c))
            return (
                f"({v} {symbol} {self.bind(float(c))} if (({v} := {value}).__class__ is "
                f"float or ({v}.__class__ is int and -EXACT <= {v} <= EXACT)) "
                f"else {exact}({v}))"
            )
        return f"{self.bind(_constant_test(op, c))}({value})"


def choice_lines(rules: list[dict[str, Any]], names: dict[str, Any]) -> list[str]:
    """Statements (unindented) setting ``i`` to the first matching rule's index or -1,
    for code generated elsewhere; ``names`` receives the constants they use. A failed
    lookup raises (KeyError, IndexError, TypeError, PathError): the caller falls back to
    ``fuse_choice``'s selector."""
    gen = _Gen(names)
    lines: list[str] = []
    for i, rule in enumerate(rules):
        lines += [f"{'if' if i == 0 else 'elif'} {gen.rule(rule)}:", f"    i = {i}"]
    if lines:
        lines += ["else:", "    i = -1"]
    else:
        lines = ["i = -1"]
    return gen.prelude + lines


def fuse_choice(rules: list[dict[str, Any]], predicates: tuple[Predicate, ...]) -> Selector:
    """One selector for the rules of a JSONPath Choice state (``predicates`` are the same
    rules compiled one by one: the fallback and the reference semantics)."""
    gen = _Gen()
    body = []
    for i, rule in enumerate(rules):
        body += [f"        if {gen.rule(rule)}:", f"            return {i}"]
    lines = ["def select(d, f):", "    try:", *("        " + p for p in gen.prelude), *body]
    lines += [
        "        return -1",
        "    except (KeyError, IndexError, TypeError, PathError):",
        "        return slow(d, f)",
    ]

    def slow(d: Any, f: Frame) -> int:
        for i, predicate in enumerate(predicates):
            if predicate(d, f):
                return i
        return -1

    gen.names["slow"] = slow
    exec(compile("\n".join(lines), "<fused Choice state>", "exec"), gen.names)
    select: Selector = gen.names["select"]
    return select
