"""Retry and Catch: the arrays of retriers and catchers of Task, Parallel and Map."""

from __future__ import annotations

from typing import Any, Final

from ._validate_base import (
    CATCHER_FIELDS,
    MAX_INT,
    RETRIER_FIELDS,
    Checker,
    Edges,
    check_enum,
    check_int,
    check_number,
    expect,
    join,
)
from ._validate_exprs import check_assign, check_jsonata_tree, check_path

__all__ = ["check_catch", "check_retry"]

ALL_ERRORS: Final = "States.ALL"
#: AWS's ceiling for MaxDelaySeconds (LocalStack's limit, recorded against AWS).
MAX_DELAY_SECONDS: Final = 31_622_401


def _error_equals(ck: Checker, handler: dict[str, Any], pointer: str, last: bool) -> None:
    here = join(pointer, "ErrorEquals")
    names = handler["ErrorEquals"]
    if not expect(ck, names, "ARRAY", here):
        return
    if not names:
        ck.schema("ErrorEquals must name at least one error", here)
    for i, name in enumerate(names):
        expect(ck, name, "STRING", join(here, i))
    if ALL_ERRORS in names:
        if len(names) > 1:
            ck.schema(f"'{ALL_ERRORS}' must appear alone in ErrorEquals", here)
        if not last:
            ck.schema(
                f"The entry matching '{ALL_ERRORS}' must be the last one, or the entries "
                "after it can never match",
                here,
            )


def check_retry(ck: Checker, retry: Any, pointer: str, jsonata: bool) -> None:
    if not expect(ck, retry, "ARRAY", pointer):
        return
    for i, retrier in enumerate(retry):
        here = join(pointer, i)
        if not expect(ck, retrier, "OBJECT", here):
            continue
        ck.fields(retrier, RETRIER_FIELDS, here, jsonata)
        if ck.required(retrier, ("ErrorEquals",), here):
            _error_equals(ck, retrier, here, i == len(retry) - 1)
        limits = (
            ("IntervalSeconds", 1, MAX_INT),
            ("MaxAttempts", 0, MAX_INT),
            ("MaxDelaySeconds", 1, MAX_DELAY_SECONDS),
        )
        for name, low, high in limits:
            if name in retrier:
                check_int(ck, retrier[name], join(here, name), low, high)
        if "BackoffRate" in retrier:
            check_number(ck, retrier["BackoffRate"], join(here, "BackoffRate"), 1.0)
        if "JitterStrategy" in retrier:
            where = join(here, "JitterStrategy")
            check_enum(ck, retrier["JitterStrategy"], ("FULL", "NONE"), where)


def check_catch(ck: Checker, catch: Any, pointer: str, jsonata: bool, edges: Edges) -> None:
    if not expect(ck, catch, "ARRAY", pointer):
        return
    for i, catcher in enumerate(catch):
        here = join(pointer, i)
        if not expect(ck, catcher, "OBJECT", here):
            continue
        ck.fields(catcher, CATCHER_FIELDS, here, jsonata)
        if "ErrorEquals" in catcher:
            _error_equals(ck, catcher, here, i == len(catch) - 1)
        ck.required(catcher, ("ErrorEquals", "Next"), here)
        if "Next" in catcher and expect(ck, catcher["Next"], "STRING", join(here, "Next")):
            edges.targets.append((catcher["Next"], join(here, "Next")))
        if "ResultPath" in catcher and not jsonata:
            check_path(
                ck, catcher["ResultPath"], join(here, "ResultPath"),
                nullable=True, reference=True, data_only=True,
            )  # fmt: skip
        if "Output" in catcher and jsonata:
            check_jsonata_tree(ck, catcher["Output"], join(here, "Output"))
        if "Assign" in catcher:
            check_assign(ck, catcher["Assign"], join(here, "Assign"), jsonata)
