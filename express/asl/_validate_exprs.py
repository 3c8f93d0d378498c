"""Checks of the small languages inside a definition: paths, payload templates, intrinsic
calls, timestamps and the ``{% ... %}`` JSONata strings.

Paths are parsed with the same parser the compiler uses, so anything accepted here
compiles. JSONata is only checked structurally for now: ``jsonata_error`` is the hook where
a real parse will go (it must return AWS's ``INVALID_JSONATA_EXPRESSION`` message).
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from typing import Any, Final

from express.asl._intrinsics import IntrinsicSyntaxError, looks_like_intrinsic, parse_intrinsic
from express.asl._jsonpath import PathSyntaxError, parse_path

from ._validate_base import Checker, Code, expect, join

__all__ = [
    "STRING_INTRINSICS",
    "check_assign",
    "check_expression_or",
    "check_jsonata_string",
    "check_jsonata_tree",
    "check_path",
    "check_path_or_intrinsic",
    "check_template",
    "is_timestamp",
    "jsonata_body",
    "jsonata_error",
    "literal",
    "looks_like_path",
]

#: Intrinsics that return a string: the only ones ErrorPath/CausePath accept (AWS-DG
#: ``state-fail``; AWS's own language service keeps the same list).
STRING_INTRINSICS: Final = frozenset(
    {
        "States.Format",
        "States.JsonToString",
        "States.ArrayGetItem",
        "States.Base64Encode",
        "States.Base64Decode",
        "States.Hash",
        "States.UUID",
    }
)

# RFC 3339 as ASL profiles it: uppercase T, and Z unless a numeric offset is given.
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def is_timestamp(text: str) -> bool:
    m = _TIMESTAMP.match(text)
    if m is None:
        return False
    zone = "+00:00" if m.group(4) == "Z" else m.group(4)
    try:  # the regex checks the shape; datetime checks the calendar (no 2024-02-30)
        datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{zone}")
    except ValueError:
        return False
    return True


def looks_like_path(text: str) -> bool:
    """A literal string that was probably meant as a path (for NO_DOLLAR / NO_PATH).

    Variable paths (``$name``) are left out: ``"$USD"`` is more likely a literal."""
    return text in ("$", "$$") or text.startswith(("$.", "$[", "$$."))


def _path_problem(text: str, *, reference: bool, data_only: bool) -> str | None:
    try:
        parsed = parse_path(text)
    except PathSyntaxError as exc:
        return f"Value must be a valid JSONPath ('{text}': {exc})"
    if data_only and parsed.root != "$":
        return (
            f"Value must be a valid ReferencePath starting with '$': '{text}' would write "
            "into the context object or a variable, which is read-only here"
        )
    if reference and (not parsed.definite or parsed.length_call):
        return (
            f"Value must be a valid ReferencePath: '{text}' can select several nodes; "
            "use only property names and array indexes"
        )
    return None


def check_path(
    ck: Checker,
    value: Any,
    pointer: str,
    *,
    nullable: bool = False,
    reference: bool = False,
    data_only: bool = False,
) -> None:
    """A path field: ``reference`` paths must be definite (ItemsPath, *SecondsPath, ...);
    ``data_only`` ones must also address the state data (ResultPath)."""
    if value is None and nullable:
        return
    if not expect(ck, value, "STRING", pointer):
        return
    problem = _path_problem(value, reference=reference, data_only=data_only)
    if problem is not None:
        ck.schema(problem, pointer)


def _intrinsic(ck: Checker, text: str, pointer: str, prefix: str) -> str | None:
    """Parse an intrinsic call and return its function name. A syntax error is an error
    (worded ``prefix: reason``); an argument error only fails at run time on AWS, so it
    is a warning. None when the call does not parse."""
    try:
        return parse_intrinsic(text).name
    except IntrinsicSyntaxError as exc:
        if not exc.deferrable:
            ck.schema(f"{prefix}: {exc}", pointer)
            return None
        ck.warn(
            Code.INTRINSIC_ARGUMENTS,
            f"{exc}; AWS accepts the definition, but the call fails with States.Runtime "
            "when it is evaluated",
            pointer,
        )
    try:
        return parse_intrinsic(text, check_args=False).name
    except IntrinsicSyntaxError:  # pragma: no cover - a deferrable error implies syntax is fine
        return None


def check_path_or_intrinsic(ck: Checker, value: Any, pointer: str) -> None:
    """ErrorPath / CausePath: a reference path, or an intrinsic that returns a string."""
    if not expect(ck, value, "STRING", pointer):
        return
    if looks_like_intrinsic(value):
        name = _intrinsic(ck, value, pointer, "Value must be a valid intrinsic function call")
        if name is not None and name not in STRING_INTRINSICS:
            allowed = ", ".join(sorted(STRING_INTRINSICS))
            ck.schema(f"'{name}' does not return a string; use one of: {allowed}", pointer)
        return
    problem = _path_problem(value, reference=True, data_only=False)
    if problem is not None:
        ck.schema(problem, pointer)


def _check_dynamic(ck: Checker, key: str, text: Any, pointer: str) -> None:
    """The value of a ``"key.$"`` template entry: a path or an intrinsic call."""
    base = f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic"
    base += " function call"
    if not isinstance(text, str):
        ck.schema(f"{base}, not {type(text).__name__} {text!r}", pointer)
    elif looks_like_intrinsic(text):
        _intrinsic(ck, text, pointer, base)
    else:
        try:
            parse_path(text)
        except PathSyntaxError as exc:
            ck.schema(f"{base} ('{text}': {exc})", pointer)


def check_template(ck: Checker, template: Any, pointer: str) -> None:
    """A JSONPath payload template (Parameters, ResultSelector, ItemSelector, Assign,
    Credentials): every ``"key.$"`` holds a path or an intrinsic call; a plain key whose
    string looks like one gets AWS's NO_DOLLAR warning. Walked breadth-first without
    recursion: the loader bounds depth, but callers may hand us any dict."""
    queue: deque[tuple[Any, str]] = deque([(template, pointer)])
    while queue:
        node, where = queue.popleft()
        if isinstance(node, dict):
            for key, value in node.items():
                here = join(where, key)
                if key.endswith(".$"):
                    _check_dynamic(ck, key, value, here)
                    continue
                if isinstance(value, str):
                    if looks_like_path(value) or looks_like_intrinsic(value):
                        ck.warn(
                            Code.NO_DOLLAR,
                            f"The value of '{key}' looks like a JSONPath or an intrinsic "
                            f"function call but is used as a literal; name the field "
                            f"'{key}.$' to evaluate it",
                            here,
                        )
                elif isinstance(value, dict | list):
                    queue.append((value, here))
        elif isinstance(node, list):
            queue.extend((item, join(where, i)) for i, item in enumerate(node))


#: Longest variable name AWS accepts (AWS-skill, "Variable Limits").
_MAX_VARIABLE_NAME = 80


def _check_variable_names(ck: Checker, assign: dict[str, Any], pointer: str) -> None:
    for key in assign:
        name = key[:-2] if key.endswith(".$") else key
        here = join(pointer, key)
        if not name:
            ck.schema("A variable name cannot be empty", here)
        elif "." in name or "[" in name:
            ck.schema(
                f"Variable '{name}' assigns a sub-path; Assign sets whole variables only, "
                "so build the object and assign it to the top-level name",
                here,
            )
        elif len(name) > _MAX_VARIABLE_NAME:
            ck.schema(
                f"Variable name is {len(name)} characters long; the limit is {_MAX_VARIABLE_NAME}",
                here,
            )


def check_assign(ck: Checker, value: Any, pointer: str, jsonata: bool) -> None:
    """Assign: whole variables, set from a payload template or from JSONata."""
    if not expect(ck, value, "OBJECT", pointer):
        return
    _check_variable_names(ck, value, pointer)
    if jsonata:
        check_jsonata_tree(ck, value, pointer)
    else:
        check_template(ck, value, pointer)


def jsonata_body(text: str) -> str | None:
    """The expression inside ``"{% ... %}"``, or None when ``text`` is a literal."""
    if len(text) >= 4 and text.startswith("{%") and text.endswith("%}"):
        return text[2:-2]
    return None


def jsonata_error(expression: str) -> str | None:
    """THE HOOK for JSONata checking: return AWS's INVALID_JSONATA_EXPRESSION message for
    ``expression`` (the text between ``{%`` and ``%}``), or None when it is fine.

    The expression is parsed by ``_validate_jsonata`` (the engine the compiler uses)."""
    from ._validate_jsonata import syntax_error

    return syntax_error(expression.strip())


def check_jsonata_string(ck: Checker, text: str, pointer: str) -> None:
    body = jsonata_body(text)
    if body is None:
        if text.startswith("{%"):
            ck.error(
                Code.INVALID_JSONATA,
                "A JSONata expression must end with '%}' (the whole string is '{% expression %}')",
                pointer,
            )
        return
    problem = jsonata_error(body)
    if problem is not None:
        ck.error(Code.INVALID_JSONATA, problem, pointer)


def check_jsonata_tree(ck: Checker, value: Any, pointer: str) -> None:
    """Check every ``{% %}`` string in a JSONata-mode value (Arguments, Output, ...)."""
    queue: deque[tuple[Any, str]] = deque([(value, pointer)])
    while queue:
        node, where = queue.popleft()
        if isinstance(node, str):
            check_jsonata_string(ck, node, where)
        elif isinstance(node, dict):
            queue.extend((v, join(where, k)) for k, v in node.items())
        elif isinstance(node, list):
            queue.extend((v, join(where, i)) for i, v in enumerate(node))


def check_expression_or(ck: Checker, value: Any, pointer: str, jsonata: bool) -> bool:
    """In a JSONata state a ``{% %}`` string may stand for any value. Returns True when
    ``value`` is such an expression (checked here), False when the caller must check it
    as a literal."""
    if jsonata and isinstance(value, str) and value.startswith("{%"):
        check_jsonata_string(ck, value, pointer)
        return True
    return False


def literal(ck: Checker, value: Any, pointer: str, jsonata: bool, kind: str) -> bool:
    """True when ``value`` is a literal of JSON ``kind`` left for the caller to check;
    False when it was a JSONata expression (checked) or of the wrong type (reported)."""
    if check_expression_or(ck, value, pointer, jsonata):
        return False
    return expect(ck, value, kind, pointer)
