"""State machine operations: Create, Describe, Update, Delete, List, Validate, tags."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from express.asl._load import load_definition
from express.asl._validate import validate
from express.errors import DefinitionError, Diagnostic

from . import _errors
from ._api import Api, new_id
from ._logs import LEVELS
from ._registry import MachineRecord
from ._wire import (
    Member,
    check,
    decode_token,
    encode_token,
    machine_arn,
    parse_machine_arn,
    valid_name,
)

__all__ = ["OPS"]

MAX_TAGS = 50
DEFAULT_PAGE = 100

_ARN = Member(str, required=True, min=1, max=256)
_DEFINITION = Member(str, min=1, max=1_048_576)
_TYPES = ("STANDARD", "EXPRESS")
_INCLUDED = ("ALL_DATA", "METADATA_ONLY")

CREATE = {
    "name": Member(str, required=True, min=1, max=80),
    "definition": Member(str, required=True, min=1, max=1_048_576),
    "roleArn": _ARN,
    "type": Member(str, enum=_TYPES),
    "loggingConfiguration": Member(dict),
    "tracingConfiguration": Member(dict),
    "tags": Member(list),
    "publish": Member(bool),
    "versionDescription": Member(str, max=256),
}
UPDATE = {
    "stateMachineArn": _ARN,
    "definition": _DEFINITION,
    "roleArn": Member(str, min=1, max=256),
    "loggingConfiguration": Member(dict),
    "tracingConfiguration": Member(dict),
    "publish": Member(bool),
    "versionDescription": Member(str, max=256),
}
DESCRIBE = {"stateMachineArn": _ARN, "includedData": Member(str, enum=_INCLUDED)}
DELETE = {"stateMachineArn": _ARN}
LIST = {"maxResults": Member(int, min=0, max=1000), "nextToken": Member(str, min=1, max=1024)}
VALIDATE = {
    "definition": Member(str, required=True, min=1, max=1_048_576),
    "type": Member(str, enum=_TYPES),
    "severity": Member(str, enum=("ERROR", "WARNING")),
    "maxResults": Member(int, min=0, max=100),
}
TAG = {"resourceArn": _ARN, "tags": Member(list, required=True)}
UNTAG = {"resourceArn": _ARN, "tagKeys": Member(list, required=True)}
LIST_TAGS = {"resourceArn": _ARN}


def _check_definition(text: str) -> None:
    try:
        diagnostics = validate(load_definition(text))
    except DefinitionError as exc:
        diagnostics = exc.diagnostics
    if any(d.severity == "ERROR" for d in diagnostics):
        raise _errors.invalid_definition(diagnostics)


def _check_role(role: str) -> None:
    if not role.startswith("arn:"):
        raise _errors.invalid_arn(role)


def _logging(config: dict[str, Any] | None) -> dict[str, Any]:
    """A loggingConfiguration as Describe shows it, or InvalidLoggingConfiguration."""
    if config is None:
        return {"level": "OFF", "includeExecutionData": False}
    level = config.get("level", "OFF")
    if level not in LEVELS:
        raise _errors.validation(
            "loggingConfiguration.level",
            level,
            f"Member must satisfy enum value set: [{', '.join(LEVELS)}]",
        )
    include = config.get("includeExecutionData", False)
    destinations = config.get("destinations")
    out: dict[str, Any] = {"level": level, "includeExecutionData": bool(include)}
    if destinations is not None:
        if not isinstance(destinations, list) or len(destinations) > 1:
            raise _errors.invalid_logging("Must specify exactly one Log Destination.")
        for d in destinations:
            group = d.get("cloudWatchLogsLogGroup") if isinstance(d, dict) else None
            if not isinstance(group, dict) or not isinstance(group.get("logGroupArn"), str):
                raise _errors.invalid_logging("Must specify exactly one Log Destination.")
        out["destinations"] = destinations
    if level != "OFF" and not destinations:
        raise _errors.invalid_logging("Must specify exactly one Log Destination.")
    return out


def _tracing(config: dict[str, Any] | None) -> dict[str, Any]:
    return {"enabled": bool((config or {}).get("enabled", False))}


def _tags(tags: list[Any], into: dict[str, str], arn: str) -> None:
    for i, tag in enumerate(tags):
        key = tag.get("key") if isinstance(tag, dict) else None
        value = tag.get("value", "") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise _errors.validation(
                f"tags.{i + 1}.member.key", key, "Member must have length between 1 and 128"
            )
        if not isinstance(value, str) or len(value) > 256:
            raise _errors.validation(
                f"tags.{i + 1}.member.value", value, "Member must have length less than 256"
            )
        into[key] = value
    if len(into) > MAX_TAGS:
        raise _errors.too_many_tags(arn)


async def create_state_machine(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(CREATE, p)
    name = p["name"]
    if not valid_name(name):
        raise _errors.invalid_name(name)
    _check_role(p["roleArn"])
    _check_definition(p["definition"])
    logging = _logging(p.get("loggingConfiguration"))
    tracing = _tracing(p.get("tracingConfiguration"))
    kind = p.get("type", "STANDARD")
    arn = machine_arn(api.config.region, api.config.account, name)
    tags: dict[str, str] = {}
    _tags(p.get("tags") or [], tags, arn)
    now = time.time()
    record = MachineRecord(
        name, arn, kind, p["definition"], p["roleArn"], logging, tracing, tags, now, now
    )
    with api.registry.writing():
        existing = api.registry.get(arn)
        if existing is not None:
            # CreateStateMachine is idempotent on what defines the machine (not role, tags).
            same = (existing.definition, existing.type, existing.logging, existing.tracing)
            if same != (record.definition, record.type, record.logging, record.tracing):
                raise _errors.machine_exists(arn)
            return {"stateMachineArn": arn, "creationDate": existing.created}
        try:
            api.prepare(record)
        except DefinitionError as exc:  # the validator passed it: a compiler gap, say so
            raise _errors.invalid_definition(exc.diagnostics) from None
        api.registry.put(record)
    return {"stateMachineArn": arn, "creationDate": now}


def _describe(record: MachineRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stateMachineArn": record.arn,
        "name": record.name,
        "status": "ACTIVE",
        "definition": record.definition,
        "roleArn": record.role_arn,
        "type": record.type,
        "creationDate": record.created,
        "loggingConfiguration": record.logging,
        "tracingConfiguration": record.tracing,
    }
    if record.revision_id is not None:
        out["revisionId"] = record.revision_id
    return out


async def describe_state_machine(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(DESCRIBE, p)
    return _describe(api.machine(p["stateMachineArn"]))


async def update_state_machine(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(UPDATE, p)
    arn = p["stateMachineArn"]
    fields = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration")
    if all(p.get(f) is None for f in fields):
        raise _errors.missing_update()
    if p.get("definition") is not None:
        _check_definition(p["definition"])
    if p.get("roleArn") is not None:
        _check_role(p["roleArn"])
    with api.registry.writing():
        old = api.machine(arn)
        changes: dict[str, Any] = {}
        if p.get("definition") is not None:
            changes["definition"] = p["definition"]
        if p.get("roleArn") is not None:
            changes["role_arn"] = p["roleArn"]
        if p.get("loggingConfiguration") is not None:
            changes["logging"] = _logging(p["loggingConfiguration"])
        if p.get("tracingConfiguration") is not None:
            changes["tracing"] = _tracing(p["tracingConfiguration"])
        now = time.time()
        if any(getattr(old, k) != v for k, v in changes.items()) or old.revision_id is None:
            changes["revision_id"] = new_id()
        # A new record, not a changed one: executions keep the machine they started with.
        record = dataclasses.replace(old, updated=now, tags=old.tags, **changes)
        api.prepare(record)
        api.registry.put(record)
    return {"updateDate": now, "revisionId": record.revision_id}


async def delete_state_machine(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(DELETE, p)
    arn = p["stateMachineArn"]
    parse_machine_arn(arn)
    with api.registry.writing():
        record = api.registry.get(arn)
        if record is not None:
            api.registry.remove(record)
    return {}


async def list_state_machines(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(LIST, p)
    size = p.get("maxResults") or DEFAULT_PAGE
    after = decode_token(p["nextToken"], "machines") if p.get("nextToken") else None
    records = sorted(api.registry.all(), key=lambda r: r.name)
    if after is not None:
        records = [r for r in records if r.name > after]
    page = records[:size]
    out: dict[str, Any] = {
        "stateMachines": [
            {
                "stateMachineArn": r.arn,
                "name": r.name,
                "type": r.type,
                "creationDate": r.created,
            }
            for r in page
        ]
    }
    if len(records) > size:
        out["nextToken"] = encode_token("machines", page[-1].name)
    return out


async def validate_state_machine_definition(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(VALIDATE, p)
    try:
        diagnostics: list[Diagnostic] = validate(load_definition(p["definition"]))
    except DefinitionError as exc:
        diagnostics = exc.diagnostics
    if p.get("severity", "ERROR") == "ERROR":
        diagnostics = [d for d in diagnostics if d.severity == "ERROR"]
    limit = p.get("maxResults") or 100
    failed = any(d.severity == "ERROR" for d in diagnostics)
    return {
        "result": "FAIL" if failed else "OK",
        "diagnostics": [
            {"severity": d.severity, "code": d.code, "message": d.message, "location": d.pointer}
            for d in diagnostics[:limit]
        ],
        "truncated": len(diagnostics) > limit,
    }


def _tagged(api: Api, arn: str) -> MachineRecord:
    parts = parse_machine_arn(arn)
    record = api.registry.get(arn) if len(parts.rest) == 1 else None
    if record is None:
        raise _errors.resource_not_found(arn)
    return record


async def tag_resource(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(TAG, p)
    with api.registry.writing():
        record = _tagged(api, p["resourceArn"])
        tags = dict(record.tags)
        _tags(p["tags"], tags, record.arn)
        record.tags = tags
        api.registry.put(record)
    return {}


async def untag_resource(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(UNTAG, p)
    with api.registry.writing():
        record = _tagged(api, p["resourceArn"])
        remove = {k for k in p["tagKeys"] if isinstance(k, str)}
        record.tags = {k: v for k, v in record.tags.items() if k not in remove}
        api.registry.put(record)
    return {}


async def list_tags_for_resource(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(LIST_TAGS, p)
    record = _tagged(api, p["resourceArn"])
    return {"tags": [{"key": k, "value": v} for k, v in record.tags.items()]}


OPS = {
    "CreateStateMachine": create_state_machine,
    "DescribeStateMachine": describe_state_machine,
    "UpdateStateMachine": update_state_machine,
    "DeleteStateMachine": delete_state_machine,
    "ListStateMachines": list_state_machines,
    "ValidateStateMachineDefinition": validate_state_machine_definition,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
