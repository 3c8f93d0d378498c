"""Choice rules: ``Variable`` + one of the 39 comparison operators, ``And``/``Or``/``Not``
(JSONPath), or ``Condition`` (JSONata). A top-level rule has ``Next``; nested ones do not.
"""

from __future__ import annotations

from typing import Any, Final

from ._validate_base import BOTH, JSONATA, JSONPATH, Checker, Code, expect, is_number, join
from ._validate_exprs import (
    check_assign,
    check_jsonata_string,
    check_jsonata_tree,
    check_path,
    is_timestamp,
    looks_like_path,
)

__all__ = ["OPERATORS", "check_choices"]

_STRING_OPS: Final = (
    "StringEquals", "StringLessThan", "StringGreaterThan",
    "StringLessThanEquals", "StringGreaterThanEquals",
)  # fmt: skip
_NUMERIC_OPS: Final = (
    "NumericEquals", "NumericLessThan", "NumericGreaterThan",
    "NumericLessThanEquals", "NumericGreaterThanEquals",
)  # fmt: skip
_TIMESTAMP_OPS: Final = (
    "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
    "TimestampLessThanEquals", "TimestampGreaterThanEquals",
)  # fmt: skip
_TYPE_TESTS: Final = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")

#: operator -> the kind of operand it takes (features.md §1.3: 39 operators).
OPERATORS: Final[dict[str, str]] = {
    **dict.fromkeys(_STRING_OPS, "string"),
    "StringMatches": "string",
    **dict.fromkeys(_NUMERIC_OPS, "number"),
    "BooleanEquals": "boolean",
    **dict.fromkeys(_TIMESTAMP_OPS, "timestamp"),
    **dict.fromkeys(_TYPE_TESTS, "boolean"),
    **{f"{op}Path": "path" for op in (*_STRING_OPS, *_NUMERIC_OPS, "BooleanEquals")},
    **{f"{op}Path": "path" for op in _TIMESTAMP_OPS},
}
_COMBINATORS: Final = ("And", "Or", "Not")

_NESTED_FIELDS: Final = {
    "Comment": BOTH, "Variable": JSONPATH, **dict.fromkeys(_COMBINATORS, JSONPATH),
    **dict.fromkeys(OPERATORS, JSONPATH),
}  # fmt: skip
_TOP_FIELDS: Final = {
    **_NESTED_FIELDS, "Next": BOTH, "Assign": BOTH, "Output": JSONATA, "Condition": JSONATA,
}  # fmt: skip

#: The fields of a JSONPath rule that are not an operator.
_PLAIN: Final = frozenset({"Next", "Comment", "Assign", "Variable"})
#: Rules nest through And/Or/Not; deeper than this is refused rather than recursed.
MAX_RULE_DEPTH: Final = 64


def check_choices(
    ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool
) -> list[tuple[str, str]]:
    """Check ``Choices``; return the (target, pointer) of every rule's ``Next``."""
    targets: list[tuple[str, str]] = []
    choices = state.get("Choices")
    where = join(pointer, "Choices")
    if choices is None or not expect(ck, choices, "ARRAY", where):
        return targets
    if not choices:
        ck.schema("Choices must contain at least one rule", where)
    for i, rule in enumerate(choices):
        here = join(where, i)
        if not expect(ck, rule, "OBJECT", here):
            continue
        ck.fields(rule, _TOP_FIELDS, here, jsonata)
        if ck.required(rule, ("Next",), here):
            nxt = rule["Next"]
            if expect(ck, nxt, "STRING", join(here, "Next")):
                targets.append((nxt, join(here, "Next")))
        if "Assign" in rule:
            check_assign(ck, rule["Assign"], join(here, "Assign"), jsonata)
        if jsonata:
            if "Output" in rule:
                check_jsonata_tree(ck, rule["Output"], join(here, "Output"))
            _check_condition(ck, rule, here)
        else:
            _check_rule(ck, rule, here, 0)
    return targets


def _check_condition(ck: Checker, rule: dict[str, Any], pointer: str) -> None:
    if not ck.required(rule, ("Condition",), pointer):
        return
    value = rule["Condition"]
    here = join(pointer, "Condition")
    if isinstance(value, bool):
        return
    if not isinstance(value, str) or not value.startswith("{%"):
        ck.schema("Condition must be a JSONata expression string '{% ... %}' or a boolean", here)
        return
    check_jsonata_string(ck, value, here)


def _check_rule(ck: Checker, rule: dict[str, Any], pointer: str, depth: int) -> None:
    if depth > MAX_RULE_DEPTH:
        ck.error(
            Code.TOO_DEEP,
            f"Choice rules nest more than {MAX_RULE_DEPTH} levels deep; flatten them",
            pointer,
        )
        return
    if depth:
        ck.fields(rule, _NESTED_FIELDS, pointer, False)
    combinators = [k for k in _COMBINATORS if k in rule]
    operators = [k for k in rule if k in OPERATORS]
    kinds = combinators + operators
    if len(kinds) > 1:
        listed = ", ".join(kinds)
        ck.schema(f"A choice rule has exactly one operator; this one has [{listed}]", pointer)
    elif not kinds and not any(key not in _PLAIN for key in rule):
        # (A rule with some other key already got "not supported": likely a typo'd operator.)
        ck.schema(
            "A choice rule needs one comparison operator with 'Variable' (e.g. "
            "'StringEquals'), or one of 'And', 'Or', 'Not'",
            pointer,
        )
    if combinators:
        if "Variable" in rule:
            ck.schema(
                f"'Variable' cannot be combined with '{combinators[0]}'; move it into "
                "the nested rules",
                join(pointer, "Variable"),
            )
        for name in combinators:
            _check_combinator(ck, rule[name], name, join(pointer, name), depth)
        return
    if not operators:
        return
    if ck.required(rule, ("Variable",), pointer):
        check_path(ck, rule["Variable"], join(pointer, "Variable"))
    for op in operators:
        _check_operand(ck, op, rule[op], join(pointer, op))


def _check_combinator(ck: Checker, value: Any, name: str, pointer: str, depth: int) -> None:
    if name == "Not":
        if expect(ck, value, "OBJECT", pointer):
            _check_rule(ck, value, pointer, depth + 1)
        return
    if not expect(ck, value, "ARRAY", pointer):
        return
    if not value:
        ck.schema(f"'{name}' must contain at least one rule", pointer)
    for i, sub in enumerate(value):
        here = join(pointer, i)
        if expect(ck, sub, "OBJECT", here):
            _check_rule(ck, sub, here, depth + 1)


def _check_operand(ck: Checker, op: str, value: Any, pointer: str) -> None:
    kind = OPERATORS[op]
    if kind == "path":
        check_path(ck, value, pointer)
    elif kind == "string":
        is_literal = expect(ck, value, "STRING", pointer)
        if is_literal and op != "StringMatches" and looks_like_path(value):
            ck.warn(
                Code.NO_PATH,
                f"'{value}' looks like a path but '{op}' compares with a literal; "
                f"use '{op}Path' to compare with the value at that path",
                pointer,
            )
    elif kind == "number":
        if not is_number(value):
            ck.schema("Expected value of type [NUMBER]", pointer)
    elif kind == "boolean":
        expect(ck, value, "BOOLEAN", pointer)
    elif expect(ck, value, "STRING", pointer) and not is_timestamp(value):
        ck.schema(
            f"'{value}' is not an RFC 3339 timestamp such as '2016-03-14T01:59:00Z' "
            "(uppercase 'T', and 'Z' or a numeric offset)",
            pointer,
        )
