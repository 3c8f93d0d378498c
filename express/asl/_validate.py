"""The definition validator: every rule of the States Language, every problem at once.

``validate(definition)`` never raises and never stops at the first problem: it returns a
``Diagnostic`` per problem, with AWS's code (``SCHEMA_VALIDATION_FAILED``,
``MISSING_TRANSITION_TARGET``, ...), a message saying what to change and a JSON pointer.
The definition is always judged as an EXPRESS state machine.

Design record
-------------
* One pass over the states. Each state's checks record its transitions and nested scopes
  (``Edges``); the graph rules (targets exist, every state reachable, a terminal state
  exists) then run per scope on those records, so nothing is walked twice.
* What AWS measured is followed even where the ASL spec is looser or stricter: fields of
  the wrong type or language are reported at the *state* (AWS's location), a workflow
  without any terminal state is ``MISSING_END_STATE`` at the top level only, and that
  diagnostic replaces the unreachable-state walk (Floci's measurements against
  ValidateStateMachineDefinition, floci-io/floci PRs 2786 and 2972).
* A state's query language is its own ``QueryLanguage`` or else the machine's, never the
  enclosing Map/Parallel's (also measured on AWS).
* The per-type field table (``STATE_FIELDS``) is data; per-type rules live in
  ``_validate_states``, Choice rules in ``_validate_choice``, paths/templates/intrinsics
  and the JSONata hook in ``_validate_exprs``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from express.errors import Diagnostic

from ._validate_base import (
    BOTH,
    JSONATA,
    JSONPATH,
    MAX_INT,
    STATE_FIELDS,
    Checker,
    Code,
    Edges,
    check_int,
    expect,
    join,
)
from ._validate_choice import check_choices
from ._validate_exprs import check_assign, check_jsonata_tree, check_path, check_template, literal
from ._validate_handlers import check_catch, check_retry
from ._validate_jsonata import check_definition
from ._validate_states import CHECKS

__all__ = ["validate"]

_ROOT_FIELDS: Final = dict.fromkeys(
    ("Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"), BOTH
)
_BRANCH_FIELDS: Final = dict.fromkeys(("Comment", "StartAt", "States"), BOTH)
_PROCESSOR_FIELDS: Final = {**_BRANCH_FIELDS, "ProcessorConfig": BOTH}
_LANGUAGES: Final = ("JSONPath", "JSONata")
#: StateName's maximum length in the Step Functions API model.
MAX_STATE_NAME: Final = 80
#: Map/Parallel nesting deeper than this is refused rather than recursed into. The loader
#: already bounds JSON depth; this keeps ``validate`` safe on any dict it is handed.
MAX_SCOPE_DEPTH: Final = 64
_REQUIRED: Final = {"Task": ("Resource",), "Choice": ("Choices",), "Parallel": ("Branches",)}
_TERMINAL_TYPES: Final = frozenset({"Succeed", "Fail"})


def validate(definition: Any) -> list[Diagnostic]:
    """Return every problem of ``definition`` (parsed JSON); an empty list means valid."""
    if not isinstance(definition, dict):
        return [Diagnostic(Code.SCHEMA, "Definition must be a valid JSON object", "/")]
    ck = Checker()
    ck.fields(definition, _ROOT_FIELDS, "/", False)
    if "QueryLanguage" in definition:
        language = definition["QueryLanguage"]
        _check_language_value(ck, language, "/QueryLanguage")
        # AWS reads anything but the exact string "JSONPath" as JSONata (measured).
        ck.machine_jsonata = language != "JSONPath"
    ck.required(definition, ("States", "StartAt"), "/")
    for name in ("Comment", "Version"):
        if name in definition:
            expect(ck, definition[name], "STRING", join("/", name))
    if "TimeoutSeconds" in definition:
        check_int(ck, definition["TimeoutSeconds"], "/TimeoutSeconds", 1, MAX_INT)
    _scope(ck, definition, "/", 0, _ROOT_FIELDS)
    # JSONata references ($$, top-level names, $states.errorOutput) and JSONPath variables.
    ck.diagnostics.extend(check_definition(definition, ck.machine_jsonata))
    return ck.diagnostics


def _check_language_value(ck: Checker, value: Any, pointer: str) -> None:
    if expect(ck, value, "STRING", pointer) and value not in _LANGUAGES:
        ck.schema(f"Value should be one of the following: [{', '.join(_LANGUAGES)}]", pointer)


def _scope(ck: Checker, scope: Any, pointer: str, depth: int, fields: dict[str, int]) -> None:
    """The states of the machine (depth 0), of a Parallel branch or of a Map processor,
    and the graph rules that hold inside it: no transition leaves a scope."""
    if depth:
        if depth > MAX_SCOPE_DEPTH:
            ck.error(
                Code.TOO_DEEP,
                f"Map and Parallel states nest more than {MAX_SCOPE_DEPTH} levels deep",
                pointer,
            )
            return
        if not expect(ck, scope, "OBJECT", pointer):
            return
        ck.fields(scope, fields, pointer, False)
        ck.required(scope, ("States", "StartAt"), pointer)
        if "Comment" in scope:
            expect(ck, scope["Comment"], "STRING", join(pointer, "Comment"))
    if "StartAt" in scope:
        expect(ck, scope["StartAt"], "STRING", join(pointer, "StartAt"))
    states = scope.get("States")
    states_pointer = join(pointer, "States")
    if states is None or not expect(ck, states, "OBJECT", states_pointer):
        return
    edges: dict[str, Edges] = {}
    has_terminal = False
    for name, state in states.items():
        here = join(states_pointer, name)
        _check_name(ck, name, here)
        found, terminal = _state(ck, name, state, here)
        edges[name] = found
        has_terminal = has_terminal or terminal
        for sub, sub_pointer, processor in found.scopes:
            sub_fields = _PROCESSOR_FIELDS if processor else _BRANCH_FIELDS
            _scope(ck, sub, sub_pointer, depth + 1, sub_fields)
    _graph(ck, scope, pointer, edges, missing_end=not depth and not has_terminal)


def _graph(
    ck: Checker, scope: dict[str, Any], pointer: str, states: dict[str, Edges], *, missing_end: bool
) -> None:
    """Targets exist, then every state is reachable from StartAt (both within the scope).
    ``states`` maps every state of the scope to its edges."""
    start = scope.get("StartAt")
    if not isinstance(start, str):
        start = None
    # AWS words every dangling target as a 'Next' target, StartAt and Default included.
    if start is not None and start not in states:
        ck.error(Code.MISSING_TARGET, f"Missing 'Next' target: {start}", join(pointer, "StartAt"))
    for found in states.values():
        for target, where in found.targets:
            if target not in states:
                ck.error(Code.MISSING_TARGET, f"Missing 'Next' target: {target}", where)
    if missing_end:
        # AWS gives no location; this diagnostic replaces the reachability walk.
        ck.error(Code.MISSING_END, "Workflow has no terminal state", "/")
        return
    if start is None:
        return  # already reported; every state would look unreachable
    seen = {start} if start in states else set()
    queue = deque(seen)
    while queue:
        for target, _ in states[queue.popleft()].targets:
            if target in states and target not in seen:
                seen.add(target)
                queue.append(target)
    states_pointer = join(pointer, "States")
    for name in states:
        if name not in seen:
            ck.error(
                Code.MISSING_TARGET,
                f'State "{name}" is not reachable.',
                join(states_pointer, name),
            )


def _check_name(ck: Checker, name: str, pointer: str) -> None:
    if not name or len(name) > MAX_STATE_NAME:
        ck.error(
            Code.INVALID_STATE_NAME,
            f"State name '{name}' is {len(name)} characters long; a state name has 1 to "
            f"{MAX_STATE_NAME} characters",
            pointer,
        )
    first = ck.names.setdefault(name, pointer)
    if first != pointer:
        ck.error(
            Code.DUPLICATE_STATE,
            f"State name '{name}' is already used at {first}; state names must be unique "
            "in the whole state machine, nested Map and Parallel states included",
            pointer,
        )


def _state(ck: Checker, name: str, state: Any, pointer: str) -> tuple[Edges, bool]:
    """Check one state; return its edges and whether it is terminal."""
    edges = Edges()
    if not expect(ck, state, "OBJECT", pointer):
        return edges, True  # as for a bad Type below: report it once, not its fallout
    kind = state.get("Type")
    if kind is None:
        ck.required(state, ("Type",), pointer)
    elif not expect(ck, kind, "STRING", join(pointer, "Type")):
        kind = None
    elif kind not in STATE_FIELDS:
        ck.schema(
            f"Value should be one of the following: [{', '.join(sorted(STATE_FIELDS))}]",
            join(pointer, "Type"),
        )
    if kind is None or kind not in STATE_FIELDS:
        # Keep its transitions, and count it as terminal, so that one bad Type does not
        # also make its targets unreachable or the workflow endless.
        if isinstance(state.get("Next"), str):
            edges.targets.append((state["Next"], join(pointer, "Next")))
        return edges, True
    allowed = STATE_FIELDS[kind]
    jsonata, downgraded = _language(ck, state, pointer)
    ck.fields(state, allowed, pointer, jsonata, lenient=downgraded)
    if "QueryLanguage" in state:
        _check_language_value(ck, state["QueryLanguage"], join(pointer, "QueryLanguage"))
    ck.required(state, _REQUIRED.get(kind, ()), pointer)
    if "Comment" in state:
        expect(ck, state["Comment"], "STRING", join(pointer, "Comment"))
    terminal = kind in _TERMINAL_TYPES
    if "Next" in allowed:
        terminal = _flow(ck, name, state, pointer, edges)
    mine = JSONATA if jsonata else JSONPATH
    usable = {key for key in state if allowed.get(key, 0) & mine}
    _data_fields(ck, state, pointer, jsonata, usable)
    if kind == "Choice":
        edges.targets.extend(check_choices(ck, state, pointer, jsonata))
        default = state.get("Default")
        if default is not None and expect(ck, default, "STRING", join(pointer, "Default")):
            edges.targets.append((default, join(pointer, "Default")))
    elif kind in CHECKS:
        CHECKS[kind](ck, state, pointer, jsonata, edges)
    if "Retry" in usable:
        check_retry(ck, state["Retry"], join(pointer, "Retry"), jsonata)
    if "Catch" in usable:
        check_catch(ck, state["Catch"], join(pointer, "Catch"), jsonata, edges)
    return edges, terminal


def _language(ck: Checker, state: dict[str, Any], pointer: str) -> tuple[bool, bool]:
    """(state is JSONata, state illegally downgrades a JSONata machine to JSONPath)."""
    if "QueryLanguage" not in state:
        return ck.machine_jsonata, False
    if state["QueryLanguage"] != "JSONPath":
        return True, False
    if ck.machine_jsonata:
        # AWS reports only this for the state, not each JSONata field it then rejects.
        ck.schema(
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            pointer,
        )
        return False, True
    return False, False


def _flow(ck: Checker, name: str, state: dict[str, Any], pointer: str, edges: Edges) -> bool:
    """End / Next: exactly one. Returns whether the state ends the workflow."""
    has_next = "Next" in state
    if has_next and expect(ck, state["Next"], "STRING", join(pointer, "Next")):
        edges.targets.append((state["Next"], join(pointer, "Next")))
    end = state.get("End")
    if "End" in state and not expect(ck, end, "BOOLEAN", join(pointer, "End")):
        return not has_next  # a mistyped End is reported once, and taken as meant
    if end is True and has_next:
        ck.schema(
            f"State '{name}' has both 'End' and 'Next'; a state has exactly one of them",
            pointer,
        )
    elif end is not True and not has_next:
        ck.schema(
            f"State '{name}' has neither 'Next' nor \"End\": true; add one of them",
            pointer,
        )
        return True  # most likely a forgotten End: do not also report an endless workflow
    return end is True


def _data_fields(
    ck: Checker, state: dict[str, Any], pointer: str, jsonata: bool, usable: set[str]
) -> None:
    """The input/output processing fields several state types share."""
    for name in ("InputPath", "OutputPath"):
        if name in usable:
            check_path(ck, state[name], join(pointer, name), nullable=True)
    if "ResultPath" in usable:
        check_path(
            ck, state["ResultPath"], join(pointer, "ResultPath"),
            nullable=True, reference=True, data_only=True,
        )  # fmt: skip
    for name in ("Parameters", "ResultSelector"):
        if name in usable and expect(ck, state[name], "OBJECT", join(pointer, name)):
            check_template(ck, state[name], join(pointer, name))
    if "Arguments" in usable:
        here = join(pointer, "Arguments")
        if literal(ck, state["Arguments"], here, jsonata, "OBJECT"):
            check_jsonata_tree(ck, state["Arguments"], here)
    if "Output" in usable:
        check_jsonata_tree(ck, state["Output"], join(pointer, "Output"))
    if "Assign" in usable:
        check_assign(ck, state["Assign"], join(pointer, "Assign"), jsonata)
