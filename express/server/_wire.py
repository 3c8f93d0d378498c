"""The wire format: request members checked against the service model, ARNs, names,
pagination tokens and timestamps.

Constraints are the botocore model's (``stepfunctions/2016-11-23``); botocore checks most
of them client-side, so these checks are what other SDKs, raw HTTP and the AWS CLI's
``--cli-input-json`` meet. Messages follow AWS's ``ValidationException`` wording.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

import orjson

from . import _errors

__all__ = [
    "ArnParts",
    "Member",
    "check",
    "decode_token",
    "encode_token",
    "execution_arn",
    "machine_arn",
    "parse_execution_arn",
    "parse_machine_arn",
    "valid_name",
]


@dataclass(frozen=True, slots=True)
class Member:
    """One request member: its JSON type and the model's constraints."""

    kind: type
    required: bool = False
    min: int | None = None
    max: int | None = None
    enum: tuple[str, ...] | None = None


_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", list: "list", dict: "structure"}


def check(spec: dict[str, Member], payload: dict[str, Any]) -> None:
    """Raise the first constraint a member of ``payload`` breaks (AWS reports the first)."""
    for key, member in spec.items():
        value: Any = payload.get(key)
        if value is None:
            if member.required:
                _fail(key, None, "Member must not be null")
            continue
        kind = member.kind
        # JSON booleans are ints in Python: an integer member must not accept them.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _errors.serialization(
                f"Expected {_TYPE_NAMES.get(kind, kind.__name__)} for member '{key}'"
            )
        value = payload[key]  # typed Any again (isinstance against a variable type narrows)
        if kind is int:
            if member.min is not None and value < member.min:
                _fail(key, value, f"Member must have value greater than or equal to {member.min}")
            if member.max is not None and value > member.max:
                _fail(key, value, f"Member must have value less than or equal to {member.max}")
        elif kind is str or kind is list:
            size = len(value)
            if member.min is not None and size < member.min:
                _fail(key, value, f"Member must have length greater than or equal to {member.min}")
            if member.max is not None and size > member.max:
                _fail(key, value, f"Member must have length less than or equal to {member.max}")
            if member.enum is not None and value not in member.enum:
                _fail(
                    key,
                    value,
                    f"Member must satisfy enum value set: [{', '.join(member.enum)}]",
                )


def _fail(key: str, value: object, constraint: str) -> None:
    raise _errors.validation(key, value, constraint)


# --- names -------------------------------------------------------------------------------

# Whitespace, brackets, wildcards, the special characters AWS lists and control characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def valid_name(name: str) -> bool:
    """A state machine or execution name as AWS accepts it: 1-80 characters, none special."""
    return 0 < len(name) <= 80 and _BAD_NAME.search(name) is None


# --- ARNs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArnParts:
    """``arn:<partition>:states:<region>:<account>:<kind>:<rest...>``."""

    kind: str
    rest: tuple[str, ...]


def _parse(arn: str) -> ArnParts:
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "states":
        raise _errors.invalid_arn(arn)
    return ArnParts(parts[5], tuple(parts[6:]))


def parse_machine_arn(arn: str) -> ArnParts:
    """A state machine ARN, or the InvalidArn AWS answers (versions and aliases included)."""
    parts = _parse(arn)
    if parts.kind != "stateMachine":
        raise _errors.wrong_resource_type(parts.kind)
    return parts


def parse_execution_arn(arn: str) -> ArnParts:
    """An execution ARN: ``execution:<machine>:<name>`` or ``express:<machine>:<name>:<id>``."""
    parts = _parse(arn)
    if parts.kind not in ("execution", "express"):
        raise _errors.wrong_resource_type(parts.kind)
    return parts


def machine_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def execution_arn(machine: str, name: str, express_id: str | None) -> str:
    """STANDARD: ``...:execution:<machine>:<name>``; EXPRESS: ``...:express:<m>:<name>:<id>``."""
    prefix, _, machine_name = machine.partition(":stateMachine:")
    if express_id is None:
        return f"{prefix}:execution:{machine_name}:{name}"
    return f"{prefix}:express:{machine_name}:{name}:{express_id}"


# --- pagination --------------------------------------------------------------------------


def encode_token(kind: str, cursor: Any) -> str:
    """An opaque nextToken naming where the next page starts (not an offset: lists move)."""
    raw = orjson.dumps([kind, cursor])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, kind: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        tag, cursor = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _errors.invalid_token(token) from None
    if tag != kind:
        raise _errors.invalid_token(token)
    return cursor
