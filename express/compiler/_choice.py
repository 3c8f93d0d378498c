"""JSONPath Choice rules compiled to predicates ``pred(data, frame) -> bool``.

Everything that depends only on the definition (paths, operator, constant, parsed timestamp,
wildcard pattern) is resolved here once, so that evaluating a rule is a path lookup plus one
type-checked comparison. Semantics follow what AWS records, not what Python would do:

* operands of the wrong JSON type never match and never raise (``true`` is not ``1``);
* numbers compare as IEEE doubles, strings as Java ``String.compareTo`` (UTF-16 code units),
  timestamps as instants with up to nanosecond precision;
* a ``Variable`` or ``*Path`` operand that selects nothing fails the execution with
  ``States.Runtime`` (only ``IsPresent`` asks the question instead).
"""

from __future__ import annotations

import datetime
import math
import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

from express.errors import ErrorName, StatesError

from ._frame import Frame, Getter
from ._paths import PathError, compile_path

__all__ = [
    "OPERATORS",
    "Predicate",
    "compile_rule",
    "parse_timestamp",
    "wildcard_ends",
    "wildcard_parts",
]

Predicate = Callable[[Any, Frame], bool]
_Test = Callable[[Any], bool]
_Test2 = Callable[[Any, Any], bool]
_Cmp = Callable[[Any, Any], bool]

_RELATIONS: Final[dict[str, _Cmp]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}
_TYPE_TESTS: Final = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")

OPERATORS: Final[frozenset[str]] = frozenset(
    [f"{family}{rel}{suffix}" for family in ("String", "Numeric", "Timestamp")
     for rel in _RELATIONS for suffix in ("", "Path")]
    + ["StringMatches", "BooleanEquals", "BooleanEqualsPath", *_TYPE_TESTS]
)  # fmt: skip
"""The 39 comparison operator names of a JSONPath Choice rule."""


def _cause(path: str) -> str:
    # AWS's cause after its "An error occurred while executing the state ..." prefix.
    return f"Invalid path '{path}': The choice state's condition path references an invalid value."


def compile_rule(rule: dict[str, Any]) -> Predicate:
    """Compile one Choice rule (comparison, ``And``, ``Or`` or ``Not``, nested at will).

    Keys other than the rule's own (``Next``, ``Comment``, ``Assign``, ``Output``) are
    ignored. The definition must already be valid.
    """
    if "And" in rule:
        return _all(tuple(compile_rule(r) for r in rule["And"]))
    if "Or" in rule:
        return _any(tuple(compile_rule(r) for r in rule["Or"]))
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda d, f: not inner(d, f)
    op = next((k for k in rule if k in OPERATORS), None)
    if op is None or "Variable" not in rule:
        raise ValueError(f"not a JSONPath choice rule: {sorted(rule)}")
    return _comparison(rule["Variable"], op, rule[op])


def _all(preds: tuple[Predicate, ...]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda d, f: a(d, f) and b(d, f)

    def all_of(d: Any, f: Frame) -> bool:
        # A plain loop: all() over a generator costs a frame per rule.
        for p in preds:  # noqa: SIM110
            if not p(d, f):
                return False
        return True

    return all_of


def _any(preds: tuple[Predicate, ...]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda d, f: a(d, f) or b(d, f)

    def any_of(d: Any, f: Frame) -> bool:
        for p in preds:  # noqa: SIM110
            if p(d, f):
                return True
        return False

    return any_of


def _comparison(variable: str, op: str, operand: Any) -> Predicate:
    get = compile_path(variable)
    if op == "IsPresent":
        return _is_present(get, bool(operand))
    if op.endswith("Path"):
        return _path_comparison(get, variable, operand, _pair_test(op[: -len("Path")]))
    test = _constant_test(op, operand)
    cause = _cause(variable)

    def compare(d: Any, f: Frame) -> bool:
        try:
            value = get(d, f)
        except PathError:
            raise StatesError(ErrorName.RUNTIME, cause) from None
        return test(value)

    return compare


def _is_present(get: Getter, expected: bool) -> Predicate:
    def is_present(d: Any, f: Frame) -> bool:
        try:
            get(d, f)
        except PathError:
            return not expected
        return expected

    return is_present


def _path_comparison(get: Getter, variable: str, other: str, test: _Test2) -> Predicate:
    get_other = compile_path(other)
    cause, other_cause = _cause(variable), _cause(other)

    def compare_paths(d: Any, f: Frame) -> bool:
        try:
            value = get(d, f)
        except PathError:
            raise StatesError(ErrorName.RUNTIME, cause) from None
        try:
            operand = get_other(d, f)
        except PathError:
            raise StatesError(ErrorName.RUNTIME, other_cause) from None
        return test(value, operand)

    return compare_paths


# --- comparisons against a constant -------------------------------------------------------


def _constant_test(op: str, c: Any) -> _Test:
    if op.startswith("Is"):
        return _type_test(op, c is True)
    if op == "BooleanEquals":
        return lambda v: v is c
    if op == "StringMatches":
        return _wildcard(c)
    family, cmp = _split(op)
    if family == "Numeric":
        return _numeric_test(cmp, _double(c))
    if family == "String":
        return _string_test(cmp, c)
    instant = parse_timestamp(c)
    if instant is None:
        raise ValueError(f"{op}: not a timestamp: {c!r}")
    return _timestamp_test(cmp, instant)


def _split(op: str) -> tuple[str, _Cmp]:
    """``"NumericLessThan"`` -> ``("Numeric", operator.lt)``."""
    family = next(f for f in ("Numeric", "String", "Timestamp") if op.startswith(f))
    return family, _RELATIONS[op[len(family) :]]


def _type_test(op: str, expected: bool) -> _Test:
    test: _Test
    if op == "IsNull":
        test = _is_null
    elif op == "IsNumeric":
        test = _is_number
    elif op == "IsString":
        test = _is_string
    elif op == "IsBoolean":
        test = _is_boolean
    else:
        test = _is_timestamp
    if expected:
        return test
    return lambda v: not test(v)


def _is_null(v: Any) -> bool:
    return v is None


def _is_number(v: Any) -> bool:
    # ``__class__ is`` rather than isinstance: a JSON boolean is never a number.
    return v.__class__ is float or v.__class__ is int


def _is_string(v: Any) -> bool:
    return v.__class__ is str


def _is_boolean(v: Any) -> bool:
    return v.__class__ is bool


def _is_timestamp(v: Any) -> bool:
    return v.__class__ is str and parse_timestamp(v) is not None


def _double(v: Any) -> float:
    """``v`` (an int or float) as the IEEE double AWS compares; beyond range is infinite."""
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _numeric_test(cmp: _Cmp, c: float) -> _Test:
    def numeric(v: Any) -> bool:
        cls = v.__class__
        if cls is float:
            return cmp(v, c)
        if cls is int:
            # Python compares int and float exactly; AWS rounds the int to a double first.
            return cmp(_double(v), c)
        return False

    return numeric


def _string_test(cmp: _Cmp, c: str) -> _Test:
    if cmp is operator.eq:
        return lambda v: v.__class__ is str and v == c
    c16 = _utf16(c)
    if _astral(c):
        return lambda v: v.__class__ is str and cmp(_utf16(v), c16)

    def string(v: Any) -> bool:
        if v.__class__ is not str:
            return False
        if v.isascii() or not _astral(v):
            return cmp(v, c)
        return cmp(_utf16(v), c16)

    return string


def _timestamp_test(cmp: _Cmp, c: int) -> _Test:
    def timestamp(v: Any) -> bool:
        if v.__class__ is not str:
            return False
        instant = parse_timestamp(v)
        return instant is not None and cmp(instant, c)

    return timestamp


# --- comparisons of two paths ---------------------------------------------------------------


def _pair_test(op: str) -> _Test2:
    if op == "BooleanEquals":
        return lambda v, o: v.__class__ is bool and v is o
    family, cmp = _split(op)
    if family == "Numeric":

        def numeric(v: Any, o: Any) -> bool:
            return _is_number(v) and _is_number(o) and cmp(_double(v), _double(o))

        return numeric
    if family == "String":

        def string(v: Any, o: Any) -> bool:
            if v.__class__ is not str or o.__class__ is not str:
                return False
            if cmp is operator.eq or not (_astral(v) or _astral(o)):
                return cmp(v, o)
            return cmp(_utf16(v), _utf16(o))

        return string

    def timestamp(v: Any, o: Any) -> bool:
        if v.__class__ is not str or o.__class__ is not str:
            return False
        a, b = parse_timestamp(v), parse_timestamp(o)
        return a is not None and b is not None and cmp(a, b)

    return timestamp


# --- strings ---------------------------------------------------------------------------------


def _astral(s: str) -> bool:
    """Whether ``s`` has a character outside the BMP: only then can Java's UTF-16 order
    differ from Python's code-point order (a surrogate sorts below U+E000..U+FFFF)."""
    return not s.isascii() and max(s) > "\uffff"


def _utf16(s: str) -> bytes:
    # Big-endian code units compare bytewise exactly as Java compares chars.
    return s.encode("utf-16-be", "surrogatepass")


def wildcard_parts(pattern: str) -> list[str | None]:
    """``StringMatches``: ``*`` matches any run of characters, ``\\*`` a literal star and
    ``\\\\`` a literal backslash; every other character (a lone backslash too) is literal.
    The pattern as literal texts and None for each star (runs of stars are one)."""
    parts: list[str | None] = []
    text: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and pattern[i + 1 : i + 2] in ("*", "\\"):
            text.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            if text:
                parts.append("".join(text))
                text = []
            if not parts or parts[-1] is not None:
                parts.append(None)
        else:
            text.append(ch)
        i += 1
    if text:
        parts.append("".join(text))
    return parts


def wildcard_ends(parts: list[str | None]) -> tuple[str, str] | None:
    """``(head, tail)`` of a pattern with one star ("abc*", "*abc", "ab*cd")."""
    if parts.count(None) != 1 or len(parts) > 3:
        return None
    star = parts.index(None)
    head = "".join(p for p in parts[:star] if p is not None)
    tail = "".join(p for p in parts[star + 1 :] if p is not None)
    return head, tail


def _wildcard(pattern: str) -> _Test:
    parts = wildcard_parts(pattern)
    # The common shapes skip the regex engine: "abc", "abc*", "*abc", "ab*cd".
    if None not in parts:
        literal = "".join(p for p in parts if p is not None)
        return lambda v: v.__class__ is str and v == literal
    ends = wildcard_ends(parts)
    if ends is not None:
        head, tail = ends
        size = len(head) + len(tail)
        return lambda v: (
            v.__class__ is str and len(v) >= size and v.startswith(head) and v.endswith(tail)
        )
    regex = re.compile("".join(".*" if p is None else re.escape(p) for p in parts), re.DOTALL)
    match = regex.fullmatch
    return lambda v: v.__class__ is str and match(v) is not None


# --- timestamps ------------------------------------------------------------------------------

# RFC 3339 date-time with ASL's restrictions: uppercase T, and Z or a numeric offset (never
# absent). Fractions are kept to nanoseconds (AWS accepts 9 digits, e.g. in Wait states).
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d\d):(\d\d))",
    re.ASCII,
)
_EPOCH_DAYS: Final = datetime.date(1970, 1, 1).toordinal()


def parse_timestamp(text: str) -> int | None:
    """Nanoseconds since the epoch of an ASL timestamp, or ``None`` if ``text`` is not one."""
    # The length test keeps long strings out of the cache (a timestamp has 20 to 35 chars).
    return _parse_timestamp(text) if 20 <= len(text) <= 35 else None


@lru_cache(maxsize=1024)  # a workflow tends to compare the same few instants over and over
def _parse_timestamp(text: str) -> int | None:
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, off_h, off_m = m.groups()
    h, mi, s = int(hour), int(minute), int(second)
    if h > 23 or mi > 59 or s > 59:
        return None
    try:
        days = datetime.date(int(year), int(month), int(day)).toordinal() - _EPOCH_DAYS
    except ValueError:  # no such day (month 13, 30 February, year 0000)
        return None
    seconds = days * 86400 + h * 3600 + mi * 60 + s
    if zulu is None:
        oh, om = int(off_h), int(off_m)
        if oh > 23 or om > 59:
            return None
        offset = oh * 3600 + om * 60
        seconds += -offset if sign == "+" else offset
    nanos = int(frac.ljust(9, "0")) if frac else 0
    return seconds * 1_000_000_000 + nanos
