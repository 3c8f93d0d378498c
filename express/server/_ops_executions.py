"""Execution operations: start (sync and async), describe, stop, list, history.

StartSyncExecution is the hot path: one dict lookup for the machine, one admission
check, the run itself, and one ``orjson.dumps`` of the answer. The history is recorded
only when the store keeps it or the machine logs.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from express.runtime._events import HistoryEvent
from express.runtime._machine import StateMachine

from . import _errors
from ._api import Api, dumps, new_id, parse_input
from ._store import ExecutionRecord
from ._wire import (
    Member,
    check,
    decode_token,
    encode_token,
    execution_arn,
    parse_execution_arn,
    parse_machine_arn,
    valid_name,
)

__all__ = ["OPS", "merge_pages"]

DEFAULT_PAGE = 100
_ARN = Member(str, required=True, min=1, max=256)
_INCLUDED = Member(str, enum=("ALL_DATA", "METADATA_ONLY"))
# The order of AWS's own message (a Java hash set), not the model's.
_STATUSES = ("SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING")

START = {
    "stateMachineArn": _ARN,
    "name": Member(str, min=1, max=80),
    "input": Member(str, max=262_144),
    "traceHeader": Member(str, max=256),
}
START_SYNC = {**START, "includedData": _INCLUDED}
DESCRIBE = {"executionArn": _ARN, "includedData": _INCLUDED}
STOP = {
    "executionArn": _ARN,
    "error": Member(str, max=256),
    "cause": Member(str, max=32_768),
}
LIST = {
    "stateMachineArn": Member(str, min=1, max=256),
    "statusFilter": Member(str, enum=_STATUSES),
    "maxResults": Member(int, min=0, max=1000),
    "nextToken": Member(str, min=1, max=3096),
    "mapRunArn": Member(str, min=1, max=2000),
    "redriveFilter": Member(str, enum=("REDRIVEN", "NOT_REDRIVEN")),
}
HISTORY = {
    "executionArn": _ARN,
    "maxResults": Member(int, min=0, max=1000),
    "reverseOrder": Member(bool),
    "nextToken": Member(str, min=1, max=1024),
    "includeExecutionData": Member(bool),
}


def _billing(seconds: float) -> dict[str, int]:
    # Express bills in 100 ms steps of 64 MB (billedDuration rounds up; the minimum is 100).
    return {
        "billedMemoryUsedInMB": 64,
        "billedDurationInMilliseconds": max(100, -(-int(seconds * 1000) // 100) * 100),
    }


def _name(p: dict[str, Any]) -> str:
    name = p.get("name")
    if name is None:
        return new_id()
    if not valid_name(name):
        raise _errors.invalid_name(name)
    return str(name)


async def start_sync_execution(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(START_SYNC, p)
    record = api.machine(p["stateMachineArn"])
    if record.type != "EXPRESS":
        raise _errors.not_supported()
    name = _name(p)
    text = p.get("input")
    data = parse_input(text)
    # Resolved before admission: a refused test case must not hold an in-flight slot.
    machine = api.runnable(record, p["stateMachineArn"])
    bound = api.admit(record)
    arn = execution_arn(record.arn, name, new_id())
    events: list[HistoryEvent] | None = [] if bound.record_events else None
    try:
        result = await machine.execute(data, name=name, arn=arn, events=events)
    except asyncio.CancelledError:
        bound.metrics.record("ABORTED", 0.0, 0)
        raise
    finally:
        api.admission.release()
    status = result.status
    out: dict[str, Any] = {
        "executionArn": arn,
        "stateMachineArn": record.arn,
        "name": name,
        "startDate": result.start_time,
        "stopDate": result.stop_time,
        "status": status,
        "billingDetails": _billing(result.stop_time - result.start_time),
    }
    metadata_only = p.get("includedData") == "METADATA_ONLY"
    if metadata_only:
        out["inputDetails"] = out["outputDetails"] = {"included": False}
    else:
        out["input"] = "{}" if text is None else text
        out["inputDetails"] = out["outputDetails"] = {"included": True}
    if status == "SUCCEEDED":
        if not metadata_only:
            out["output"] = dumps(result.output)
    else:
        if result.error is not None:
            out["error"] = result.error
        if result.cause is not None:
            out["cause"] = result.cause
    if p.get("traceHeader") is not None:
        out["traceHeader"] = p["traceHeader"]
    if events is not None or api.store.enabled:
        execution = ExecutionRecord(
            arn, name, record, out.get("input", "{}"), result.start_time, events
        )
        execution.stop = result.stop_time
        execution.status = status
        execution.output = result.output
        execution.error = result.error
        execution.cause = result.cause
        api.store.add_done(execution)
        api.finished(execution, result.transitions)
    else:
        bound.metrics.record(status, result.stop_time - result.start_time, result.transitions)
    return out


async def start_execution(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(START, p)
    record = api.machine(p["stateMachineArn"])
    name = _name(p)
    text = p.get("input")
    data = parse_input(text)
    text = "{}" if text is None else text
    standard = record.type == "STANDARD"
    arn = execution_arn(record.arn, name, None if standard else new_id())
    if standard:
        # Names are unique per STANDARD machine; a start repeating a running one is a no-op.
        existing = api.store.get(arn)
        if existing is not None:
            if existing.status == "RUNNING" and existing.input_text == text:
                return {"executionArn": arn, "startDate": existing.start}
            raise _errors.execution_already_exists(arn)
    machine = api.runnable(record, p["stateMachineArn"])
    bound = api.admit(record)
    events: list[HistoryEvent] | None = [] if bound.record_events else None
    execution = ExecutionRecord(arn, name, record, text, time.time(), events, p.get("traceHeader"))
    api.store.add_running(execution)
    execution.task = asyncio.get_running_loop().create_task(_run(api, execution, machine, data))
    return {"executionArn": arn, "startDate": execution.start}


async def _run(api: Api, execution: ExecutionRecord, machine: StateMachine, data: Any) -> None:
    transitions = 0
    try:
        result = await machine.execute(
            data, name=execution.name, arn=execution.arn, events=execution.events
        )
    except asyncio.CancelledError:
        # StopExecution (or the end of a drain): the history so far, then ExecutionAborted.
        execution.status = "ABORTED"
        execution.stop = time.time()
        events = execution.events
        if events and events[-1].type == "ExecutionAborted":
            last = events[-1]
            details = {k: v for k in ("error", "cause") if (v := getattr(execution, k))}
            events[-1] = HistoryEvent(
                last.id, last.previous_event_id, last.type, last.timestamp, details
            )
    else:
        execution.status = result.status
        execution.stop = result.stop_time
        execution.output = result.output
        execution.error = result.error
        execution.cause = result.cause
        transitions = result.transitions
    finally:
        api.admission.release()
        execution.task = None
        api.store.finish(execution)
    api.finished(execution, transitions)


def _execution(api: Api, arn: str) -> ExecutionRecord:
    parts = parse_execution_arn(arn)
    if parts.kind == "express" and not api.store.enabled:
        raise _errors.wrong_resource_type("express")  # AWS keeps no Express executions
    found = api.store.get(arn)
    if found is None:
        raise _errors.execution_not_found(arn)
    return found


def _summary(e: ExecutionRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "executionArn": e.arn,
        "stateMachineArn": e.machine.arn,
        "name": e.name,
        "status": e.status,
        "startDate": e.start,
    }
    if e.stop is not None:
        out["stopDate"] = e.stop
    out["redriveCount"] = 0
    return out


async def describe_execution(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(DESCRIBE, p)
    e = _execution(api, p["executionArn"])
    out = _summary(e)
    included = p.get("includedData") != "METADATA_ONLY"
    if included:
        out["input"] = e.input_text
    out["inputDetails"] = {"included": included}
    if e.status == "SUCCEEDED":
        if included:
            out["output"] = dumps(e.output)
        out["outputDetails"] = {"included": included}
    if e.error is not None:
        out["error"] = e.error
    if e.cause is not None:
        out["cause"] = e.cause
    if e.trace_header is not None:
        out["traceHeader"] = e.trace_header
    out["redriveStatus"] = "NOT_REDRIVABLE"
    out["redriveStatusReason"] = f"Execution is {e.status} and cannot be redriven"
    return out


async def stop_execution(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(STOP, p)
    e = _execution(api, p["executionArn"])
    task = e.task
    if task is not None and e.status == "RUNNING":
        e.error = p.get("error")
        e.cause = p.get("cause")
        task.cancel()
        # The run ends at its next await; wait for it so that stopDate is final.
        await asyncio.wait({task}, timeout=5)
    return {"stopDate": e.stop if e.stop is not None else time.time()}


async def describe_state_machine_for_execution(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(DESCRIBE, p)
    m = _execution(api, p["executionArn"]).machine
    out: dict[str, Any] = {
        "stateMachineArn": m.arn,
        "name": m.name,
        "definition": m.definition,
        "roleArn": m.role_arn,
        "updateDate": m.updated,
        "loggingConfiguration": m.logging,
        "tracingConfiguration": m.tracing,
    }
    if m.revision_id is not None:
        out["revisionId"] = m.revision_id
    return out


async def list_executions(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(LIST, p)
    arn = p.get("stateMachineArn")
    if p.get("mapRunArn") is not None:
        raise _errors.resource_not_found(p["mapRunArn"])  # no Distributed Map runs here
    if arn is None:
        raise _errors.validation("stateMachineArn", None, "Member must not be null")
    parse_machine_arn(arn)
    record = api.machine(arn)
    if record.type == "EXPRESS" and not api.store.enabled:
        raise _errors.not_supported()
    size = p.get("maxResults") or DEFAULT_PAGE
    found = api.store.select(arn, p.get("statusFilter"))
    if p.get("nextToken"):
        start, last = decode_token(p["nextToken"], "executions")
        found = [e for e in found if (e.start, e.arn) < (start, last)]
    page = found[:size]
    out: dict[str, Any] = {"executions": [_summary(e) for e in page]}
    if len(found) > size:
        out["nextToken"] = encode_token("executions", [page[-1].start, page[-1].arn])
    return out


def merge_pages(pages: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """One ListExecutions page from the pages of every worker (each cut at ``size``)."""
    items = [e for page in pages for e in page.get("executions", ())]
    items.sort(key=lambda e: (e["startDate"], e["executionArn"]), reverse=True)
    more = len(items) > size or any("nextToken" in page for page in pages)
    page = items[:size]
    out: dict[str, Any] = {"executions": page}
    if more and page:
        out["nextToken"] = encode_token(
            "executions", [page[-1]["startDate"], page[-1]["executionArn"]]
        )
    return out


_DATA_KEYS = ("input", "inputDetails", "output", "outputDetails", "parameters")


async def get_execution_history(api: Api, p: dict[str, Any]) -> dict[str, Any]:
    check(HISTORY, p)
    e = _execution(api, p["executionArn"])
    events = e.events or []
    reverse = bool(p.get("reverseOrder"))
    size = p.get("maxResults") or DEFAULT_PAGE
    if reverse:
        events = events[::-1]
    if p.get("nextToken"):
        after = decode_token(p["nextToken"], "history")
        events = [ev for ev in events if (ev.id < after if reverse else ev.id > after)]
    page = events[:size]
    include = p.get("includeExecutionData", True)
    api_events = []
    for ev in page:
        item = ev.to_api()
        if ev.details is None and ev.type.startswith("Execution"):
            item[ev.details_key] = {}
        if not include:
            details = item.get(ev.details_key)
            if isinstance(details, dict):
                item[ev.details_key] = {k: v for k, v in details.items() if k not in _DATA_KEYS}
        api_events.append(item)
    out: dict[str, Any] = {"events": api_events}
    if len(events) > size:
        out["nextToken"] = encode_token("history", page[-1].id)
    return out


OPS = {
    "StartSyncExecution": start_sync_execution,
    "StartExecution": start_execution,
    "DescribeExecution": describe_execution,
    "StopExecution": stop_execution,
    "ListExecutions": list_executions,
    "GetExecutionHistory": get_execution_history,
    "DescribeStateMachineForExecution": describe_state_machine_for_execution,
}
