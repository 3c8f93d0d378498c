"""Upper bounds on the JSON size of what a state builds, known at compile time.

AWS refuses a state input, output or task result over 256 KiB. Measuring every one
(``orjson.dumps``) costs more than building it, so generated code carries an upper
bound of the current data's size instead and measures only where the bound could pass
the quota. A bound holds because a JSON subtree's text is a substring of its parent's:

* a definite path (or one made of wildcards and slices, which select disjoint
  subtrees) yields at most the size of the data it reads, plus 2 for a list's brackets;
* a payload template yields its constant skeleton plus one such value per ``.$`` path;
* a ResultPath merge yields at most the input plus the result plus each new key.

* ``States.Format`` yields its template's text plus each argument as Java prints it:
  a string's or an integer's text is no longer than its JSON; a float's is at most 24
  characters and a container's at most 25 times its JSON (", " separators, floats).

Anything else (another intrinsic, the context object, a variable, ``..``, a union that
may repeat a match) has no bound here: the caller measures.
"""

from __future__ import annotations

from typing import Any

import orjson

from express.asl._intrinsics import (
    Call,
    IntrinsicSyntaxError,
    Path,
    Template,
    looks_like_intrinsic,
    parse_intrinsic,
    split_template,
)
from express.asl._jsonpath import PathSyntaxError, Slice, Wildcard, parse_path
from express.compiler._io import MAX_PAYLOAD_BYTES

__all__ = [
    "Bound",
    "Linear",
    "apply_bound",
    "bound_expr",
    "over_quota",
    "pass_bound",
    "path_cost",
    "template_bound",
]

Bound = tuple[int, int]
"""``(m, c)``: the value's size is at most ``m * size(source) + c``."""


def _bounded_path(text: str) -> bool:
    try:
        parsed = parse_path(text)
    except PathSyntaxError:
        return False
    if parsed.root != "$" or parsed.length_call:
        return False
    if parsed.segments is not None:
        return True
    steps = parsed.steps
    return steps is not None and all(isinstance(s, str | int | Wildcard | Slice) for s in steps)


def template_bound(template: Any) -> Bound | None:
    """Bound of a payload template's output in terms of its input's size."""
    mult = 0
    const = 0

    def walk(node: Any) -> bool:
        nonlocal mult, const
        if isinstance(node, dict):
            const += 2 + max(0, len(node) - 1)
            for key, value in node.items():
                if key.endswith(".$") and isinstance(value, str):
                    const += len(orjson.dumps(key[:-2])) + 1
                    if looks_like_intrinsic(value):
                        bound = _format_bound(value)
                        if bound is None:
                            return False
                        mult += bound[0]
                        const += bound[1]
                        continue
                    if not _bounded_path(value):
                        return False
                    mult += 1
                    const += 2
                else:
                    const += len(orjson.dumps(key)) + 1
                    if not walk(value):
                        return False
            return True
        if isinstance(node, list):
            const += 2 + max(0, len(node) - 1)
            return all(walk(v) for v in node)
        try:
            const += len(orjson.dumps(node))
        except TypeError:
            return False
        return True

    return (mult, const) if walk(template) else None


#: A value printed by Java, against its JSON text: see the module's docstring.
_JAVA_MULT = 25
_JAVA_CONST = 24


def _format_bound(text: str) -> Bound | None:
    """Bound of a ``States.Format`` call whose arguments are literals or bounded paths."""
    try:
        call = parse_intrinsic(text, check_args=False)
    except IntrinsicSyntaxError:
        return None
    if call.name != "States.Format" or not call.args or not isinstance(call.args[0], Template):
        return None
    try:
        const = len(orjson.dumps("".join(split_template(call.args[0].raw))))
    except IntrinsicSyntaxError:
        return None
    mult = 0
    for arg in call.args[1:]:
        if isinstance(arg, Call | Template):
            return None
        if isinstance(arg, Path):
            if not _bounded_path(arg.text):
                return None
            mult += _JAVA_MULT
            const += _JAVA_MULT * 2 + _JAVA_CONST  # 2: a list's brackets (wildcards)
        else:
            const += _JAVA_MULT * len(orjson.dumps(arg)) + _JAVA_CONST
    return (mult, const)


def path_cost(text: str) -> int | None:
    """Bytes a ResultPath merge may add besides the result itself (new keys and the
    objects holding them); None for a path no bound is kept for."""
    try:
        parsed = parse_path(text)
    except PathSyntaxError:
        return None
    if parsed.root != "$" or parsed.segments is None:
        return None
    cost = 0
    for seg in parsed.segments:
        if isinstance(seg, int):
            cost += 2  # replaces an element: at most the brackets of a new level
        else:
            cost += len(orjson.dumps(seg)) + 4  # "key": plus a comma and new braces
    return cost


# --- bounds as generated code reads them ---

Linear = tuple[int, int] | None
"""A size bound ``a * z + b`` in the size ``z`` of the state's input; None: unknown."""


def apply_bound(bound: Linear, template: Any) -> Linear:
    """The bound of payload ``template`` applied to data bounded by ``bound``."""
    if bound is None:
        return None
    tb = template_bound(template)
    if tb is None:
        return None
    m, c = tb
    return (m * bound[0], m * bound[1] + c)


def over_quota(bound: Linear, var: str) -> str:
    """A test that ``bound`` of ``var`` may exceed the quota, with no arithmetic at run
    time (``a * z + b > MAX`` is ``z > (MAX - b) // a``)."""
    if bound is None:
        return "True"
    a, b = bound
    if a == 0:
        return str(b > MAX_PAYLOAD_BYTES)
    return f"{var} > {(MAX_PAYLOAD_BYTES - b) // a}"


def bound_expr(bound: Linear, var: str) -> str:
    """``bound`` of ``var`` as an expression (``UNKNOWN``: a name bound to a size over
    the quota, which every bound built on it stays over)."""
    if bound is None:
        return "UNKNOWN"
    a, b = bound
    if a == 0:
        return str(b)
    if (a, b) == (1, 0):
        return var
    if a == 1:
        return f"{var} + {b}"
    return f"{a} * {var} + {b}"


def pass_bound(node: dict[str, Any]) -> Linear:
    """Bound of a JSONPath Pass state's output in terms of its input's size."""
    text = node.get("InputPath", "$")
    x: Linear = (0, 2) if "InputPath" in node and text is None else (1, 0)
    if "Result" in node:
        try:
            r: Linear = (0, len(orjson.dumps(node["Result"])))
        except TypeError:
            r = None
    elif "Parameters" in node:
        r = apply_bound(x, node["Parameters"])
    else:
        r = x
    result_path = node.get("ResultPath", "$")
    if "ResultPath" in node and result_path is None:
        o: Linear = (1, 0)
    elif result_path == "$":
        o = r
    else:
        cost = path_cost(result_path)
        o = None if cost is None or r is None else (1 + r[0], r[1] + cost)
    if "OutputPath" in node and node["OutputPath"] is None:
        return (0, 2)
    return o
