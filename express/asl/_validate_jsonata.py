"""JSONata expressions and workflow variables, as ``ValidateStateMachineDefinition`` sees them.

Two entry points, both called from the validator:

* ``syntax_error(body)``: the text AWS reports with ``INVALID_JSONATA_EXPRESSION`` for a
  ``{% ... %}`` string that does not parse (the parser's message without its ``Sxxxx``
  code, as AWS prints it), or None.
* ``check_definition(definition, machine_jsonata)``: the rules that need to know where an
  expression sits or which variables exist: ``UNSUPPORTED_JSONATA_EXPRESSION`` for a
  reference to the top-level context (``phone`` instead of ``$states.input.phone``), for
  ``$$`` and for ``$states.errorOutput`` outside a catcher's ``Output``/``Assign``
  (measured against AWS by Floci, floci-io/floci#2670 and #2745); and, for JSONPath
  states, a WARNING for a ``$name`` that no state the reference can see ever assigns
  (in JSONPath paths, templates and intrinsics, and in JSONata expressions). AWS accepts
  an unknown ``$name`` and fails the state at run time instead (a recorded conformance
  case: ``$doesNotExist`` in an ``Assign``), so it is not a refusal.

``scan(body)`` is the one lexical pass over an expression; the compiler uses it too, to
bind only the ``$states`` fields and variables an expression reads.

The scan is a tokenizer with a bracket stack, not a parser: a name is "at the top level"
when it starts a path (not after ``.``) and no enclosing bracket changes the context item
(a predicate ``a[...]``, a group ``a{...}``, a sort ``^(...)``, a step ``.(...)``). A
lambda body keeps the context of the expression that defines it, as JSONata does.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from express.errors import Diagnostic

__all__ = [
    "UNDEFINED_VARIABLE",
    "UNSUPPORTED",
    "ExpressionInfo",
    "check_definition",
    "expression_body",
    "scan",
    "syntax_error",
]

#: AWS's code for a JSONata expression that parses but reads what a state cannot offer.
UNSUPPORTED: Final = "UNSUPPORTED_JSONATA_EXPRESSION"
#: Ours (WARNING): a variable no state in reach assigns. AWS accepts such a definition and
#: fails the state when it runs (a recorded conformance case for JSONata), so it is a
#: warning here, not a refusal.
UNDEFINED_VARIABLE: Final = "UNDEFINED_VARIABLE_REFERENCE"

_KEYWORDS: Final = frozenset({"and", "or", "in", "true", "false", "null", "function"})
_OPERATOR_CHARS: Final = frozenset(".[]{}(),:;?=!<>+-*/%&|^~\"'`$@#")
_TWO_CHAR_OPS: Final = frozenset({"..", ":=", "!=", "<=", ">=", "~>", "**", "?:", "??"})
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_VARIABLE = re.compile(r"\$[^\s.\[\]{}(),:;?=!<>+\-*/%&|^~\"'`$@#]*")
# The parser's own names for tokens, and the character jsonata-js prints instead.
_TOKEN_NAMES: Final = {
    "RightBracket": "]", "LeftBracket": "[", "RightBrace": "}", "LeftBrace": "{",
    "RightParen": ")", "LeftParen": "(", "Comma": ",", "Colon": ":", "Semicolon": ";",
    "Dot": ".", "Question": "?", "Equal": "=", "Caret": "^",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExpressionInfo:
    """What one expression reads, found by ``scan``."""

    variables: frozenset[str]
    """``$name`` references other than ``$states`` (function names included: harmless)."""
    free_variables: frozenset[str]
    """The workflow variables it reads: not called as a function, not bound inside it."""
    states_fields: frozenset[str]
    """The fields read as ``$states.<field>``."""
    whole_states: bool
    """``$states`` is used other than as ``$states.<field>`` (bind every field)."""
    states_keys: tuple[tuple[str, str | None], ...]
    """``(field, key)`` for each ``$states.<field>.<key>``; key None when the field is used
    any other way (``$states.input``, ``$states.input[0]``, ``$keys($states.input)``)."""
    top_level_names: tuple[str, ...]
    dollar_dollar: bool
    bare_dollar: bool
    newer_operators: bool
    """``?:`` or ``??``: JSONata 2.1 operators that AWS's JSONata 2.0.6 does not parse."""


def expression_body(value: Any) -> str | None:
    """The expression of a ``"{% ... %}"`` string (stripped), or None for a literal."""
    if isinstance(value, str) and len(value) >= 4 and value[:2] == "{%" and value[-2:] == "%}":
        return value[2:-2].strip()
    return None


@dataclass(slots=True)
class _Token:
    kind: str  # "name", "var", "str", "num", "regex", "op", "open", "close"
    text: str


def _tokens(body: str) -> Iterator[_Token]:
    i, n = 0, len(body)
    operand_before = False
    while i < n:
        c = body[i]
        if c.isspace():
            i += 1
            continue
        if body.startswith("/*", i):
            end = body.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < n and body[j] != c:
                j += 2 if body[j] == "\\" else 1
            yield _Token("str", body[i + 1 : j])
            i = j + 1
            operand_before = True
            continue
        if c == "`":
            j = body.find("`", i + 1)
            j = n if j < 0 else j
            yield _Token("name", body[i + 1 : j])
            i = j + 1
            operand_before = True
            continue
        if c == "/" and not operand_before:
            j = i + 1
            while j < n and body[j] != "/":
                j += 2 if body[j] == "\\" else 1
            j += 1
            while j < n and body[j].isalpha():
                j += 1
            yield _Token("regex", body[i:j])
            i = j
            operand_before = True
            continue
        if c == "$":
            if body.startswith("$$", i):
                yield _Token("var", "$$")
                i += 2
            else:
                m = _VARIABLE.match(body, i)
                assert m is not None
                yield _Token("var", m.group(0))
                i = m.end()
            operand_before = True
            continue
        if c.isdigit():
            m = _NUMBER.match(body, i)
            assert m is not None
            yield _Token("num", m.group(0))
            i = m.end()
            operand_before = True
            continue
        if c in "([{":
            yield _Token("open", c)
            i += 1
            operand_before = False
            continue
        if c in ")]}":
            yield _Token("close", c)
            i += 1
            operand_before = True
            continue
        if c in _OPERATOR_CHARS:
            two = body[i : i + 2]
            op = two if two in _TWO_CHAR_OPS else c
            yield _Token("op", op)
            i += len(op)
            operand_before = False
            continue
        j = i
        while j < n and not body[j].isspace() and body[j] not in _OPERATOR_CHARS:
            j += 1
        word = body[i:j]
        i = j
        if word in ("and", "or", "in"):
            yield _Token("op", word)
            operand_before = False
        elif word in ("function", "λ"):
            yield _Token("op", "function")
            operand_before = False
        else:
            yield _Token("name", word)
            operand_before = True


@dataclass(slots=True)
class _Frame:
    top: bool
    kind: str  # "(", "[", "{", "params", "signature"


@lru_cache(maxsize=4096)
def scan(body: str) -> ExpressionInfo:
    """The references of one expression (the text between ``{%`` and ``%}``)."""
    variables: set[str] = set()
    local: set[str] = set()
    read: set[str] = set()
    fields: set[str] = set()
    keys: list[tuple[str, str | None]] = []
    whole = False
    names: list[str] = []
    dd = bare = newer = False
    stack = [_Frame(True, "(")]
    toks = list(_tokens(body))
    prev: _Token | None = None
    before_prev: _Token | None = None
    function_pending = False  # saw `function`, waiting for its parameter list
    body_pending = False  # parameter list closed, waiting for `{` (or a signature)
    for k, tok in enumerate(toks):
        frame = stack[-1]
        if frame.kind == "signature":
            if tok.kind == "op" and tok.text == ">":
                stack.pop()
                body_pending = True
            before_prev, prev = prev, tok
            continue
        pending, body_pending = body_pending, False
        after_dot = prev is not None and prev.kind == "op" and prev.text == "."
        operand_before = prev is not None and (
            prev.kind in ("name", "var", "str", "num", "regex", "close")
        )
        if tok.kind == "open":
            if tok.text == "(" and function_pending:
                stack.append(_Frame(frame.top, "params"))
                function_pending = False
            elif tok.text == "{" and pending:
                stack.append(_Frame(frame.top, "{"))  # a lambda body keeps its context
            elif after_dot or (prev is not None and prev.kind == "op" and prev.text == "^"):
                stack.append(_Frame(False, tok.text))  # a path step or a sort
            elif operand_before and tok.text in "[{":
                stack.append(_Frame(False, tok.text))  # predicate / group-by
            elif operand_before:
                # A call: the arguments see the callee's context.
                callee_step = (
                    before_prev is not None and before_prev.kind == "op" and before_prev.text == "."
                )
                stack.append(_Frame(frame.top and not callee_step, "("))
            else:
                stack.append(_Frame(frame.top, tok.text))
        elif tok.kind == "close":
            closed = stack.pop() if len(stack) > 1 else stack[0]
            body_pending = closed.kind == "params"
        elif tok.kind == "op":
            if tok.text == "function":
                function_pending = True
            elif tok.text == "<" and pending:
                stack.append(_Frame(frame.top, "signature"))
                body_pending = True
            elif tok.text in ("?:", "??"):
                newer = True
        elif tok.kind == "var":
            text = tok.text
            if text == "$$":
                dd = True
            elif text == "$":
                if frame.top and not after_dot and frame.kind != "params":
                    bare = True
            elif text == "$states":
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                nxt2 = toks[k + 2] if k + 2 < len(toks) else None
                if (
                    nxt is not None
                    and nxt.kind == "op"
                    and nxt.text == "."
                    and nxt2 is not None
                    and nxt2.kind == "name"
                ):
                    fields.add(nxt2.text)
                    dot = toks[k + 3] if k + 3 < len(toks) else None
                    key = toks[k + 4] if k + 4 < len(toks) else None
                    if (
                        dot is not None
                        and dot.kind == "op"
                        and dot.text == "."
                        and key is not None
                        and key.kind == "name"
                    ):
                        keys.append((nxt2.text, key.text))
                    else:
                        keys.append((nxt2.text, None))
                else:
                    whole = True
            elif frame.kind == "params":
                local.add(text[1:])
            else:
                variables.add(text[1:])
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                if nxt is not None and nxt.kind == "op" and nxt.text == ":=":
                    local.add(text[1:])
                elif not (nxt is not None and nxt.kind == "open" and nxt.text == "("):
                    read.add(text[1:])
        elif (
            tok.kind == "name"
            and tok.text not in ("true", "false", "null")
            and not after_dot
            and frame.top
            and frame.kind != "params"
        ):
            names.append(tok.text)
        before_prev, prev = prev, tok
    return ExpressionInfo(
        variables=frozenset(variables),
        free_variables=frozenset(read - local),
        states_fields=frozenset(fields),
        whole_states=whole,
        states_keys=tuple(dict.fromkeys(keys)),
        top_level_names=tuple(dict.fromkeys(names)),
        dollar_dollar=dd,
        bare_dollar=bare,
        newer_operators=newer,
    )


@lru_cache(maxsize=4096)
def syntax_error(body: str) -> str | None:
    """AWS's ``INVALID_JSONATA_EXPRESSION`` message for ``body``, or None if it parses."""
    import jsonatapy

    try:
        jsonatapy.compile(body)
    except ValueError as exc:
        return _parser_message(str(exc))
    info = scan(body)
    if info.newer_operators:
        symbol = ":" if "?:" in body else "?"
        return f'The symbol "{symbol}" cannot be used as a unary operator'
    return None


def _parser_message(text: str) -> str:
    """``Parse error: S0202: Expected RightBracket, got Comma`` -> jsonata-js's wording."""
    for prefix in ("Parse error: ", "Invalid syntax: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    m = re.match(r"[A-Z]\d{4}: ", text)
    if m:
        text = text[m.end() :]
    for name, char in _TOKEN_NAMES.items():
        text = re.sub(rf"\b{name}\b", f'"{char}"', text)
    return text


# --------------------------------------------------------------------------------------
# The whole-definition pass


_NOT_EXPRESSIONS: Final = frozenset(
    {"Type", "Comment", "Next", "End", "Resource", "QueryLanguage", "Default", "Label"}
)
_SCOPES: Final = ("ItemProcessor", "Iterator")
#: JSONPath fields holding one path (which may start at a variable).
_PATH_FIELDS: Final = (
    "InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath",
    "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
    "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "ErrorPath", "CausePath",
)  # fmt: skip
_TEMPLATE_FIELDS: Final = ("Parameters", "ItemSelector", "ResultSelector", "Credentials")
_VARIABLE_ROOT = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_QUOTED = re.compile(r"'(?:\\.|[^'\\])*'")
_INTRINSIC_VARIABLE = re.compile(r"(?<![\w$.])\$([A-Za-z_][A-Za-z0-9_]*)")


def _join(base: str, part: str | int) -> str:
    text = str(part).replace("~", "~0").replace("/", "~1")
    return f"/{text}" if base == "/" else f"{base}/{text}"


@dataclass(slots=True)
class _Pass:
    diagnostics: list[Diagnostic]
    machine_jsonata: bool


def check_definition(definition: Any, machine_jsonata: bool) -> list[Diagnostic]:
    """The context-dependent JSONata rules and the JSONPath variable references."""
    if not isinstance(definition, dict):
        return []
    run = _Pass([], machine_jsonata)
    # A pathological nesting (refused by the main validator) must not crash this pass.
    with contextlib.suppress(RecursionError):
        _scope(run, definition, "/", frozenset())
    return run.diagnostics


def _assigned(scope: dict[str, Any]) -> set[str]:
    """Every variable a state of ``scope`` assigns (state, rule and catcher Assigns)."""
    names: set[str] = set()

    def add(assign: Any) -> None:
        if isinstance(assign, dict):
            names.update(k[:-2] if k.endswith(".$") else k for k in assign)

    states = scope.get("States")
    if not isinstance(states, dict):
        return names
    for state in states.values():
        if not isinstance(state, dict):
            continue
        add(state.get("Assign"))
        for key in ("Choices", "Catch"):
            items = state.get(key)
            if isinstance(items, list):
                for item in items:
                    if isinstance(item, dict):
                        add(item.get("Assign"))
    return names


def _scope(run: _Pass, scope: dict[str, Any], pointer: str, outer: frozenset[str]) -> None:
    visible = outer | _assigned(scope)
    states = scope.get("States")
    if not isinstance(states, dict):
        return
    base = _join(pointer, "States")
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = _join(base, name)
        language = state.get("QueryLanguage")
        jsonata = (language is not None and language != "JSONPath") or (
            language is None and run.machine_jsonata
        )
        if jsonata:
            _jsonata_state(run, state, here, visible)
        else:
            _jsonpath_state(run, state, here, visible)
        for key in _SCOPES:
            processor = state.get(key)
            if isinstance(processor, dict):
                config = processor.get("ProcessorConfig")
                distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
                inner = frozenset() if distributed else visible
                _scope(run, processor, _join(here, key), inner)
        branches = state.get("Branches")
        if isinstance(branches, list):
            for i, branch in enumerate(branches):
                if isinstance(branch, dict):
                    _scope(run, branch, _join(_join(here, "Branches"), i), visible)


def _jsonata_state(
    run: _Pass, state: dict[str, Any], pointer: str, visible: frozenset[str]
) -> None:
    for key, value in state.items():
        if key in _NOT_EXPRESSIONS or key in _SCOPES or key == "Branches":
            continue
        here = _join(pointer, key)
        if key == "Catch" and isinstance(value, list):
            for i, catcher in enumerate(value):
                if isinstance(catcher, dict):
                    for ck, cv in catcher.items():
                        if ck in ("Output", "Assign"):
                            where = _join(_join(here, i), ck)
                            _expressions(run, cv, where, visible, error_output=True)
            continue
        _expressions(run, value, here, visible, error_output=False)


def _expressions(
    run: _Pass, value: Any, pointer: str, visible: frozenset[str], *, error_output: bool
) -> None:
    stack: list[tuple[Any, str]] = [(value, pointer)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            body = expression_body(node)
            if body is not None:
                _expression(run, body, where, visible, error_output=error_output)
        elif isinstance(node, dict):
            stack.extend((v, _join(where, k)) for k, v in node.items() if k not in _NOT_EXPRESSIONS)
        elif isinstance(node, list):
            stack.extend((v, _join(where, i)) for i, v in enumerate(node))


def _expression(
    run: _Pass, body: str, pointer: str, visible: frozenset[str], *, error_output: bool
) -> None:
    if syntax_error(body) is not None:
        return  # reported as INVALID_JSONATA_EXPRESSION by the main validator
    info = scan(body)
    report = run.diagnostics.append
    if info.dollar_dollar:
        report(Diagnostic(UNSUPPORTED, "Reference to '$$' is not supported.", pointer))
    if info.bare_dollar:
        report(Diagnostic(UNSUPPORTED, "Reference to '$' is not supported.", pointer))
    for name in info.top_level_names:
        report(
            Diagnostic(
                UNSUPPORTED, f"Reference to '{name}' at the top level is not supported.", pointer
            )
        )
    if "errorOutput" in info.states_fields and not error_output:
        report(
            Diagnostic(
                UNSUPPORTED,
                "Reference to '$states.errorOutput' is not supported: it is only available "
                "in the Output and Assign of a Catch.",
                pointer,
            )
        )
    for name in sorted(info.free_variables - visible):
        report(_undefined(name, pointer))


def _undefined(name: str, pointer: str) -> Diagnostic:
    return Diagnostic(
        UNDEFINED_VARIABLE,
        f"The variable '${name}' is not assigned by any state that can pass it here (this "
        "scope or an enclosing one; a Distributed Map cannot read outer variables): the "
        "state will fail when it reads it",
        pointer,
        "WARNING",
    )


def _jsonpath_state(
    run: _Pass, state: dict[str, Any], pointer: str, visible: frozenset[str]
) -> None:
    def check(text: Any, where: str) -> None:
        if not isinstance(text, str):
            return
        for name in _references(text):
            if name not in visible:
                run.diagnostics.append(_undefined(name, where))

    def template(node: Any, where: str) -> None:
        stack: list[tuple[Any, str]] = [(node, where)]
        while stack:
            item, at = stack.pop()
            if isinstance(item, dict):
                for key, value in item.items():
                    if key.endswith(".$"):
                        check(value, _join(at, key))
                    else:
                        stack.append((value, _join(at, key)))
            elif isinstance(item, list):
                stack.extend((v, _join(at, i)) for i, v in enumerate(item))

    for key in _PATH_FIELDS:
        if key in state:
            check(state[key], _join(pointer, key))
    for key in _TEMPLATE_FIELDS:
        if key in state:
            template(state[key], _join(pointer, key))
    if "Assign" in state:
        template(state["Assign"], _join(pointer, "Assign"))
    batcher = state.get("ItemBatcher")
    if isinstance(batcher, dict):
        for key in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
            if key in batcher:
                check(batcher[key], _join(_join(pointer, "ItemBatcher"), key))
        if "BatchInput" in batcher:
            template(batcher["BatchInput"], _join(_join(pointer, "ItemBatcher"), "BatchInput"))
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        for i, catcher in enumerate(catchers):
            if isinstance(catcher, dict) and "Assign" in catcher:
                template(catcher["Assign"], _join(_join(_join(pointer, "Catch"), i), "Assign"))
    choices = state.get("Choices")
    if isinstance(choices, list):
        for i, rule in enumerate(choices):
            _rule(rule, _join(_join(pointer, "Choices"), i), check, template, 0)


def _rule(rule: Any, pointer: str, check: Any, template: Any, depth: int) -> None:
    if not isinstance(rule, dict) or depth > 64:
        return
    for key, value in rule.items():
        here = _join(pointer, key)
        if key == "Variable" or (key.endswith("Path") and isinstance(value, str)):
            check(value, here)
        elif key == "Assign":
            template(value, here)
        elif key in ("And", "Or") and isinstance(value, list):
            for i, sub in enumerate(value):
                _rule(sub, _join(here, i), check, template, depth + 1)
        elif key == "Not":
            _rule(value, here, check, template, depth + 1)


def _references(text: str) -> list[str]:
    """The variables a JSONPath path or intrinsic call reads (``$name`` roots)."""
    stripped = text.strip()
    if stripped.startswith("States."):
        return _INTRINSIC_VARIABLE.findall(_QUOTED.sub("''", stripped))
    m = _VARIABLE_ROOT.match(stripped)
    return [m.group(1)] if m else []
