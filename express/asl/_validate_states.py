"""Rules specific to one state type (Task, Pass, Wait, Fail, Parallel, Map). Each checker
records the transitions and nested scopes it finds in ``Edges`` so that the graph checks
in ``_validate`` see them without a second walk.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from ._validate_base import (
    MAX_INT,
    Checker,
    Code,
    Edges,
    check_enum,
    check_exclusive,
    check_int,
    check_number,
    expect,
    is_int,
    join,
)
from ._validate_exprs import (
    check_expression_or,
    check_jsonata_tree,
    check_path,
    check_path_or_intrinsic,
    check_template,
    is_timestamp,
    literal,
    looks_like_path,
)

__all__ = ["CHECKS", "StateCheck"]

#: Largest MaxInputBytesPerBatch: the 256 KiB payload quota.
MAX_BATCH_BYTES: Final = 262_144
MAX_LABEL: Final = 40
# A Map Label ends up in a Map Run ARN, so it follows AWS's naming rules for names.
_LABEL_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_ARN = re.compile(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+\Z", re.DOTALL)


def _limit(
    ck: Checker,
    obj: dict[str, Any],
    pointer: str,
    jsonata: bool,
    name: str,
    *,
    low: int,
    high: int | None,
    fraction: bool = False,
    exclusive: bool = True,
) -> None:
    """A ``<name>`` / ``<name>Path`` pair: a number in [low, high] (an integer unless
    ``fraction``; a ``{% %}`` expression in JSONata), or a reference path."""
    if exclusive:
        check_exclusive(ck, obj, pointer, name, f"{name}Path")
    if name in obj:
        here = join(pointer, name)
        if not check_expression_or(ck, obj[name], here, jsonata):
            check = check_number if fraction else check_int
            check(ck, obj[name], here, low, high)
    if f"{name}Path" in obj and not jsonata:
        check_path(ck, obj[f"{name}Path"], join(pointer, f"{name}Path"), reference=True)


def _task(ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, edges: Edges) -> None:
    if "Resource" in state:
        _resource(ck, state["Resource"], join(pointer, "Resource"))
    _limit(ck, state, pointer, jsonata, "TimeoutSeconds", low=1, high=MAX_INT)
    _limit(ck, state, pointer, jsonata, "HeartbeatSeconds", low=1, high=MAX_INT)
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if is_int(timeout) and is_int(heartbeat) and heartbeat >= timeout:
        ck.schema(
            f"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({timeout})",
            join(pointer, "HeartbeatSeconds"),
        )
    if "Credentials" in state:
        _object_template(ck, state["Credentials"], join(pointer, "Credentials"), jsonata)


def _resource(ck: Checker, resource: Any, pointer: str) -> None:
    if not expect(ck, resource, "STRING", pointer):
        return
    if not _ARN.match(resource):
        ck.error(
            Code.INVALID_RESOURCE,
            f"Resource '{resource}' is not an ARN; use e.g. 'arn:aws:states:::lambda:invoke' "
            "or 'arn:aws:lambda:<region>:<account>:function:<name>' (JSONata "
            "expressions are not allowed in Resource)",
            pointer,
        )
        return
    # Express workflows run only Request-Response integrations (features.md §2.3); the
    # messages are AWS's, trailing space included for '.waitForTaskToken'.
    parts = resource.split(":", 5)
    if parts[2] == "states" and parts[3] and parts[4] and parts[5].startswith("activity:"):
        ck.schema("Express state machine does not support Activity ARN", pointer)
    elif resource.endswith(".waitForTaskToken"):
        ck.schema(
            "Express state machine does not support '.waitForTaskToken' service integration ",
            pointer,
        )
    elif resource.endswith((".sync", ".sync:2")):
        ck.schema("Express state machine does not support '.sync' service integration", pointer)


def _pass(ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, edges: Edges) -> None:
    if "Result" not in state or jsonata:
        return
    # Result is never evaluated: flag what was evidently meant as a path (AWS's warning).
    queue: deque[tuple[Any, str]] = deque([(state["Result"], join(pointer, "Result"))])
    while queue:
        node, where = queue.popleft()
        if isinstance(node, str) and looks_like_path(node):
            _static_result(ck, f"'{node}' is a literal string here", where)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key.endswith(".$"):
                    _static_result(ck, f"'{key}' is copied as is", join(where, key))
                else:
                    queue.append((value, join(where, key)))
        elif isinstance(node, list):
            queue.extend((v, join(where, i)) for i, v in enumerate(node))


def _static_result(ck: Checker, what: str, pointer: str) -> None:
    ck.warn(
        Code.PASS_RESULT_IS_STATIC,
        f"The Result of a Pass state is static, so {what}; use Parameters to build "
        "the output from paths",
        pointer,
    )


_WAIT_FIELDS: Final = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")


def _wait(ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, edges: Edges) -> None:
    present = [f for f in _WAIT_FIELDS if f in state]
    if not present:
        ck.schema(
            "A Wait state needs exactly one of 'Seconds', 'SecondsPath', 'Timestamp' "
            "and 'TimestampPath'",
            pointer,
        )
    check_exclusive(ck, state, pointer, *_WAIT_FIELDS)
    _limit(ck, state, pointer, jsonata, "Seconds", low=0, high=MAX_INT, exclusive=False)
    if "Timestamp" in state:
        here = join(pointer, "Timestamp")
        if literal(ck, state["Timestamp"], here, jsonata, "STRING"):
            _timestamp_literal(ck, state["Timestamp"], here, jsonata)
    if "TimestampPath" in state and not jsonata:
        check_path(ck, state["TimestampPath"], join(pointer, "TimestampPath"), reference=True)


def _timestamp_literal(ck: Checker, value: str, pointer: str, jsonata: bool) -> None:
    if is_timestamp(value):
        return
    if not jsonata and looks_like_path(value):
        ck.warn(
            Code.NO_PATH,
            f"'{value}' looks like a path; use 'TimestampPath' to read the timestamp from it",
            pointer,
        )
    ck.schema(
        f"'{value}' is not an RFC 3339 timestamp such as '2016-03-14T01:59:00Z' "
        "(uppercase 'T', and 'Z' or a numeric offset)",
        pointer,
    )


def _fail(ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, edges: Edges) -> None:
    for name in ("Error", "Cause"):
        check_exclusive(ck, state, pointer, name, f"{name}Path")
        if name in state:
            here = join(pointer, name)
            value = state[name]
            is_literal = literal(ck, value, here, jsonata, "STRING")
            if is_literal and not jsonata and looks_like_path(value):
                ck.warn(
                    Code.NO_PATH,
                    f"'{value}' looks like a path but '{name}' is a literal; use "
                    f"'{name}Path' to read it from the state input",
                    here,
                )
        if f"{name}Path" in state and not jsonata:
            check_path_or_intrinsic(ck, state[f"{name}Path"], join(pointer, f"{name}Path"))


def _parallel(
    ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, edges: Edges
) -> None:
    where = join(pointer, "Branches")
    branches = state.get("Branches")
    if branches is None or not expect(ck, branches, "ARRAY", where):
        return
    if not branches:
        ck.schema("Branches must contain at least one branch", where)
    edges.scopes.extend((b, join(where, i), False) for i, b in enumerate(branches))


def _map(ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, edges: Edges) -> None:
    check_exclusive(ck, state, pointer, "ItemProcessor", "Iterator")
    name = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    if name not in state:
        ck.schema("These fields are required: [ItemProcessor]", pointer)
    else:
        processor = state[name]
        here = join(pointer, name)
        if expect(ck, processor, "OBJECT", here):
            _processor_config(ck, processor, here)
            edges.scopes.append((processor, here, True))
    if "ItemsPath" in state and not jsonata:
        check_path(ck, state["ItemsPath"], join(pointer, "ItemsPath"), reference=True)
    if "Items" in state and jsonata:
        here = join(pointer, "Items")
        if literal(ck, state["Items"], here, jsonata, "ARRAY"):
            check_jsonata_tree(ck, state["Items"], here)
    check_exclusive(ck, state, pointer, "ItemSelector", "Parameters")
    if "ItemSelector" in state:
        _object_template(ck, state["ItemSelector"], join(pointer, "ItemSelector"), jsonata)
    _limit(ck, state, pointer, jsonata, "MaxConcurrency", low=0, high=None)
    _limit(ck, state, pointer, jsonata, "ToleratedFailureCount", low=0, high=None)
    _limit(
        ck, state, pointer, jsonata, "ToleratedFailurePercentage", low=0, high=100, fraction=True
    )
    if "Label" in state:
        _label(ck, state["Label"], join(pointer, "Label"))
    if "ItemBatcher" in state:
        _item_batcher(ck, state["ItemBatcher"], join(pointer, "ItemBatcher"), jsonata)
    for name, instead in (
        ("ItemReader", "pass the items in the state input and select them with ItemsPath"),
        ("ResultWriter", "the Map result is returned in the state output"),
    ):
        if name in state:
            ck.schema(
                f"Field '{name}' is not supported by this runtime: an Express workflow runs "
                f"a Distributed Map inline, without S3; {instead}",
                join(pointer, name),
            )


def _processor_config(ck: Checker, processor: dict[str, Any], pointer: str) -> None:
    if "ProcessorConfig" not in processor:
        return
    here = join(pointer, "ProcessorConfig")
    config = processor["ProcessorConfig"]
    if not expect(ck, config, "OBJECT", here):
        return
    for key in config:
        if key not in ("Mode", "ExecutionType"):
            ck.schema(f"Field '{key}' is not supported", here)
    mode = config.get("Mode", "INLINE")
    if "Mode" in config:
        check_enum(ck, mode, ("INLINE", "DISTRIBUTED"), join(here, "Mode"))
    if "ExecutionType" in config:
        types = ("STANDARD", "EXPRESS")
        check_enum(ck, config["ExecutionType"], types, join(here, "ExecutionType"))
    elif mode == "DISTRIBUTED":
        ck.schema("These fields are required: [ExecutionType]", here)


def _label(ck: Checker, label: Any, pointer: str) -> None:
    if not expect(ck, label, "STRING", pointer):
        return
    bad = _LABEL_FORBIDDEN.search(label)
    if not label or len(label) > MAX_LABEL or bad:
        why = (
            f"it contains {bad.group(0)!r}"
            if bad
            else f"it is {len(label)} characters long (1 to {MAX_LABEL} allowed)"
        )
        ck.error(
            Code.INVALID_LABEL,
            f"Label '{label}' is invalid: {why}; a Label has at most {MAX_LABEL} characters "
            "and no whitespace, brackets, wildcards, control or special characters",
            pointer,
        )
        return
    first = ck.labels.setdefault(label, pointer)
    if first != pointer:
        ck.error(
            Code.DUPLICATE_LABEL,
            f"Label '{label}' is already used at {first}; each Map Label must be unique",
            pointer,
        )


_BATCHER: Final = ("MaxItemsPerBatch", "MaxInputBytesPerBatch")


def _item_batcher(ck: Checker, batcher: Any, pointer: str, jsonata: bool) -> None:
    if not expect(ck, batcher, "OBJECT", pointer):
        return
    known = {*_BATCHER, *(f"{n}Path" for n in _BATCHER), "BatchInput"}
    for key in batcher:
        if key not in known:
            ck.schema(f"Field '{key}' is not supported", pointer)
    if not any(k in batcher for k in known - {"BatchInput"}):
        ck.schema(
            "An ItemBatcher needs 'MaxItemsPerBatch' or 'MaxInputBytesPerBatch' (or their "
            "'Path' forms)",
            pointer,
        )
    for name, high in zip(_BATCHER, (None, MAX_BATCH_BYTES), strict=True):
        _limit(ck, batcher, pointer, jsonata, name, low=1, high=high)
    if "BatchInput" in batcher:
        _object_template(ck, batcher["BatchInput"], join(pointer, "BatchInput"), jsonata)


def _object_template(ck: Checker, value: Any, pointer: str, jsonata: bool) -> None:
    """An object built per evaluation: a payload template (JSONPath) or an object of
    JSONata expressions, or one JSONata expression."""
    if not literal(ck, value, pointer, jsonata, "OBJECT"):
        return
    if jsonata:
        check_jsonata_tree(ck, value, pointer)
    else:
        check_template(ck, value, pointer)


StateCheck = Callable[[Checker, dict[str, Any], str, bool, Edges], None]

#: State type -> its specific rules (Choice lives in _validate_choice; Succeed has none).
CHECKS: Final[dict[str, StateCheck]] = {
    "Task": _task,
    "Pass": _pass,
    "Wait": _wait,
    "Fail": _fail,
    "Parallel": _parallel,
    "Map": _map,
}
