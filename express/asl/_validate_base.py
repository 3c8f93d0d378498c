"""The validator's vocabulary: diagnostic codes, the field tables, the reporter and the
primitive type/range checks every rule family uses.

Messages reuse AWS's wording wherever it was recorded against the real service
(``Field 'X' is not supported``, ``These fields are required: [...]``, ``Expected value of
type [STRING]``, ``Value should be one of the following: [...]``, ``Minimum value is 0``);
the ``location`` AWS reports becomes our JSON pointer, with RFC 6901 array indexes
(``/Choices/0``) where AWS prints ``Choices[0]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, TypeGuard

from express.errors import Diagnostic

__all__ = [
    "BOTH",
    "CATCHER_FIELDS",
    "JSONATA",
    "JSONPATH",
    "MAX_INT",
    "RETRIER_FIELDS",
    "STATE_FIELDS",
    "Checker",
    "Code",
    "Edges",
    "check_enum",
    "check_exclusive",
    "check_int",
    "check_number",
    "expect",
    "is_int",
    "is_number",
    "join",
    "language_mismatch",
]


class Code:
    """Diagnostic codes. All but the last group are AWS's own
    (``ValidateStateMachineDefinitionDiagnostic`` in the Step Functions API reference)."""

    SCHEMA: Final = "SCHEMA_VALIDATION_FAILED"
    MISSING_TARGET: Final = "MISSING_TRANSITION_TARGET"
    MISSING_END: Final = "MISSING_END_STATE"
    INVALID_RESOURCE: Final = "INVALID_RESOURCE"
    DUPLICATE_STATE: Final = "DUPLICATE_STATE_NAME"
    INVALID_STATE_NAME: Final = "INVALID_STATE_NAME"
    DUPLICATE_LABEL: Final = "DUPLICATE_LABEL_NAME"
    INVALID_LABEL: Final = "INVALID_LABEL_NAME"
    TOO_DEEP: Final = "TOO_DEEPLY_NESTED"
    # Warnings (severity WARNING).
    NO_DOLLAR: Final = "NO_DOLLAR"
    NO_PATH: Final = "NO_PATH"
    PASS_RESULT_IS_STATIC: Final = "PASS_RESULT_IS_STATIC"
    # Not in the API reference, but what AWS answers for JSONata (measured by Floci
    # against ValidateStateMachineDefinition).
    INVALID_JSONATA: Final = "INVALID_JSONATA_EXPRESSION"
    # Ours (WARNING): an intrinsic call whose arguments fail every time it runs, which
    # AWS accepts at definition time.
    INTRINSIC_ARGUMENTS: Final = "INVALID_INTRINSIC_ARGUMENTS"


#: Query-language masks: a field is legal in JSONPath states, JSONata states, or both.
JSONPATH: Final = 1
JSONATA: Final = 2
BOTH: Final = 3

#: The largest value AWS accepts in its integer timing fields.
MAX_INT: Final = 99_999_999

_COMMON: Final = {"Type": BOTH, "Comment": BOTH, "QueryLanguage": BOTH}
_IO: Final = {"InputPath": JSONPATH, "OutputPath": JSONPATH, "Output": JSONATA}
_FLOW: Final = {"Next": BOTH, "End": BOTH}
_ERRORS: Final = {"Retry": BOTH, "Catch": BOTH}
_RESULT: Final = {"ResultSelector": JSONPATH, "ResultPath": JSONPATH}

#: Which fields each state type accepts, in which query language (features.md §1.2).
#: A field absent from a type's table is refused with AWS's "Field 'X' is not supported".
STATE_FIELDS: Final[dict[str, dict[str, int]]] = {
    "Pass": {
        **_COMMON, **_IO, **_FLOW,
        "Assign": BOTH, "Parameters": JSONPATH, "Result": JSONPATH, "ResultPath": JSONPATH,
    },
    "Task": {
        **_COMMON, **_IO, **_FLOW, **_ERRORS, **_RESULT,
        "Assign": BOTH, "Resource": BOTH, "Parameters": JSONPATH, "Arguments": JSONATA,
        "TimeoutSeconds": BOTH, "TimeoutSecondsPath": JSONPATH,
        "HeartbeatSeconds": BOTH, "HeartbeatSecondsPath": JSONPATH, "Credentials": BOTH,
    },
    "Choice": {**_COMMON, **_IO, "Assign": BOTH, "Choices": BOTH, "Default": BOTH},
    "Wait": {
        **_COMMON, **_IO, **_FLOW,
        "Assign": BOTH, "Seconds": BOTH, "SecondsPath": JSONPATH,
        "Timestamp": BOTH, "TimestampPath": JSONPATH,
    },
    "Succeed": {**_COMMON, **_IO},
    "Fail": {
        **_COMMON,
        "Error": BOTH, "ErrorPath": JSONPATH, "Cause": BOTH, "CausePath": JSONPATH,
    },
    "Parallel": {
        **_COMMON, **_IO, **_FLOW, **_ERRORS, **_RESULT,
        "Assign": BOTH, "Branches": BOTH, "Parameters": JSONPATH, "Arguments": JSONATA,
    },
    "Map": {
        **_COMMON, **_IO, **_FLOW, **_ERRORS, **_RESULT,
        "Assign": BOTH, "ItemProcessor": BOTH, "Iterator": BOTH,
        "ItemsPath": JSONPATH, "Items": JSONATA, "ItemSelector": BOTH, "Parameters": JSONPATH,
        "MaxConcurrency": BOTH, "MaxConcurrencyPath": JSONPATH,
        "ToleratedFailurePercentage": BOTH, "ToleratedFailurePercentagePath": JSONPATH,
        "ToleratedFailureCount": BOTH, "ToleratedFailureCountPath": JSONPATH,
        "Label": BOTH, "ItemReader": BOTH, "ItemBatcher": BOTH, "ResultWriter": BOTH,
    },
}  # fmt: skip

RETRIER_FIELDS: Final = {
    "ErrorEquals": BOTH, "IntervalSeconds": BOTH, "MaxAttempts": BOTH, "BackoffRate": BOTH,
    "MaxDelaySeconds": BOTH, "JitterStrategy": BOTH, "Comment": BOTH,
}  # fmt: skip
CATCHER_FIELDS: Final = {
    "ErrorEquals": BOTH, "Next": BOTH, "ResultPath": JSONPATH, "Output": JSONATA,
    "Assign": BOTH, "Comment": BOTH,
}  # fmt: skip


@dataclass(slots=True)
class Edges:
    """What a state contributes to the graph checks."""

    #: (target state name, pointer of the field naming it)
    targets: list[tuple[str, str]] = field(default_factory=list)
    #: (scope object, pointer, is a Map processor) for ItemProcessor / Iterator / branches
    scopes: list[tuple[Any, str, bool]] = field(default_factory=list)


def _escape(part: str | int) -> str:
    if isinstance(part, int):
        return str(part)
    return part.replace("~", "~0").replace("/", "~1")


def join(base: str, *parts: str | int) -> str:
    """Extend JSON pointer ``base`` (``"/"`` is the root) with escaped ``parts``."""
    tail = "/".join(_escape(p) for p in parts)
    return f"/{tail}" if base == "/" else f"{base}/{tail}"


@dataclass(slots=True)
class Checker:
    """Collects diagnostics, plus what must be unique across the whole machine."""

    machine_jsonata: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: state name -> pointer of its first definition (names are unique machine-wide)
    names: dict[str, str] = field(default_factory=dict)
    #: Map Label -> pointer of its first use
    labels: dict[str, str] = field(default_factory=dict)

    def error(self, code: str, message: str, pointer: str) -> None:
        self.diagnostics.append(Diagnostic(code, message, pointer))

    def schema(self, message: str, pointer: str) -> None:
        self.diagnostics.append(Diagnostic(Code.SCHEMA, message, pointer))

    def warn(self, code: str, message: str, pointer: str) -> None:
        self.diagnostics.append(Diagnostic(code, message, pointer, "WARNING"))

    def fields(
        self,
        obj: dict[str, Any],
        allowed: dict[str, int],
        pointer: str,
        jsonata: bool,
        *,
        lenient: bool = False,
    ) -> None:
        """Refuse unknown fields and (unless ``lenient``) fields of the other query
        language, at ``pointer``: AWS locates both at the object, not at the field."""
        mine = JSONATA if jsonata else JSONPATH
        for key in obj:
            mask = allowed.get(key)
            if mask is None:
                self.schema(f"Field '{key}' is not supported", pointer)
            elif not mask & mine and not lenient:
                self.schema(language_mismatch(key, jsonata), pointer)

    def required(self, obj: dict[str, Any], names: tuple[str, ...], pointer: str) -> bool:
        missing = [n for n in names if n not in obj]
        if missing:
            self.schema(f"These fields are required: [{', '.join(missing)}]", pointer)
        return not missing


def language_mismatch(key: str, jsonata: bool) -> str:
    """AWS's message for a field of the other query language."""
    have, need = ("JSONata", "JSONPath") if jsonata else ("JSONPath", "JSONata")
    return (
        f"The QueryLanguage is set to '{have}', but field '{key}' is only supported "
        f"for the '{need}' QueryLanguage"
    )


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: Final[dict[str, type | tuple[type, ...]]] = {
    "STRING": str,
    "OBJECT": dict,
    "ARRAY": list,
    "BOOLEAN": bool,
}


def expect(ck: Checker, value: Any, kind: str, pointer: str) -> bool:
    """Check ``value`` is a JSON ``kind`` (STRING, OBJECT, ARRAY, BOOLEAN)."""
    if isinstance(value, _TYPES[kind]):
        return True
    ck.schema(f"Expected value of type [{kind}]", pointer)
    return False


def check_int(
    ck: Checker, value: Any, pointer: str, minimum: int = 0, maximum: int | None = None
) -> bool:
    if not is_int(value):
        ck.schema("Expected value of type [INTEGER]", pointer)
        return False
    if value < minimum:
        ck.schema(f"Minimum value is {minimum}", pointer)
        return False
    if maximum is not None and value > maximum:
        ck.schema(f"Maximum value is {maximum}", pointer)
        return False
    return True


def check_number(
    ck: Checker, value: Any, pointer: str, minimum: float, maximum: float | None = None
) -> bool:
    if not is_number(value):
        ck.schema("Expected value of type [NUMBER]", pointer)
        return False
    if value < minimum:
        ck.schema(f"Minimum value is {minimum}", pointer)
        return False
    if maximum is not None and value > maximum:
        ck.schema(f"Maximum value is {maximum}", pointer)
        return False
    return True


def check_enum(ck: Checker, value: Any, choices: tuple[str, ...], pointer: str) -> bool:
    if not isinstance(value, str):
        ck.schema("Expected value of type [STRING]", pointer)
        return False
    if value not in choices:
        ck.schema(f"Value should be one of the following: [{', '.join(choices)}]", pointer)
        return False
    return True


def check_exclusive(ck: Checker, obj: dict[str, Any], pointer: str, *names: str) -> bool:
    """At most one of ``names`` may be present; report at the first one present."""
    present = [n for n in names if n in obj]
    if len(present) <= 1:
        return True
    listed = " and ".join(f"'{n}'" for n in present)
    ck.schema(
        f"Fields {listed} are mutually exclusive; keep only one of them",
        join(pointer, present[0]),
    )
    return False
