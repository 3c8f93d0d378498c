"""The syntax of ASL intrinsic functions (JSONPath mode): text -> ``Call`` tree, no evaluation.

Grammar (AWS Developer Guide, "Intrinsic functions"):

```
call     := "States." NAME "(" [arg ("," arg)*] ")"
arg      := call | path | string | number | "true" | "false" | "null"
string   := "'" chars "'"      escapes: \\' \\{ \\} \\\\   (any other backslash is an error)
path     := "$..." | "$$..." | "$name..."
```

Checks come in two kinds. Syntax errors (bad token, unknown function, invalid path, more
than 10 nested calls) make the definition invalid. *Argument* errors (wrong arity, literal
arguments of the wrong type, a bad ``States.Format`` template) are ``deferrable``: AWS
accepts such a definition and fails with ``States.Runtime`` when the call is evaluated, so
a caller may report them as warnings and compile with ``check_arguments=False``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final

from ._jsonpath import PathSyntaxError, parse_path

__all__ = [
    "FUNCTIONS",
    "HASH_ALGORITHMS",
    "MAX_NESTING",
    "Arg",
    "Call",
    "IntrinsicSyntaxError",
    "Path",
    "Template",
    "check_arguments",
    "looks_like_intrinsic",
    "parse_intrinsic",
    "split_template",
]

MAX_NESTING: Final = 10
"""AWS: "You can nest up to 10 intrinsic functions within a field"; counted as depth."""

HASH_ALGORITHMS: Final = frozenset({"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"})

# One parameter kind per position: "*" repeats the last kind, "?" marks it optional.
# "array" and "object" can never be satisfied by a literal (there are no such literals).
FUNCTIONS: Final[dict[str, tuple[str, ...]]] = {
    "States.Format": ("string", "*any"),
    "States.StringToJson": ("string",),
    "States.JsonToString": ("any",),
    "States.Array": ("*any",),
    "States.ArrayPartition": ("array", "number"),
    "States.ArrayContains": ("array", "any"),
    "States.ArrayRange": ("number", "number", "number"),
    "States.ArrayGetItem": ("array", "number"),
    "States.ArrayLength": ("array",),
    "States.ArrayUnique": ("array",),
    "States.Base64Encode": ("string",),
    "States.Base64Decode": ("string",),
    # AWS hashes a non-string data argument after turning it into text.
    "States.Hash": ("any", "string"),
    # The third argument is only checked for `true` (deep merge, unsupported).
    "States.JsonMerge": ("object", "object", "any"),
    "States.MathRandom": ("number", "number", "?number"),
    "States.MathAdd": ("number", "number"),
    "States.StringSplit": ("string", "string"),
    "States.UUID": (),
}

_ESCAPABLE: Final = "'{}\\"
_LOOKS_LIKE = re.compile(r"States\.[A-Za-z][A-Za-z0-9]*\(")
_NAME = re.compile(r"States\.[A-Za-z][A-Za-z0-9]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_KEYWORDS: Final[dict[str, bool | None]] = {"true": True, "false": False, "null": None}


class IntrinsicSyntaxError(ValueError):
    """``text`` is not a valid intrinsic call.

    ``position`` is 1-based in the intrinsic text, when known. ``deferrable`` is true for
    argument errors that AWS only reports when the call is evaluated.
    """

    def __init__(self, message: str, position: int | None = None, *, deferrable: bool = False):
        super().__init__(message)
        self.position = position
        self.deferrable = deferrable


@dataclass(frozen=True, slots=True)
class Path:
    """A path argument, kept as text (valid per ``parse_path``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Template:
    """The literal first argument of ``States.Format``.

    Kept with its escapes because ``\\{`` must stay a literal brace, not a placeholder;
    ``split_template(raw)`` gives the text around the ``{}`` placeholders.
    """

    raw: str


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``; string literals in ``args`` are already unescaped."""

    name: str
    args: tuple[Arg, ...]
    text: str = field(default="", compare=False)
    """The call's source text, quoted in AWS's error causes."""


Arg = str | int | float | bool | None | Path | Template | Call


def looks_like_intrinsic(text: str) -> bool:
    """Whether a ``.$`` value is meant as an intrinsic call rather than a path."""
    return _LOOKS_LIKE.match(text) is not None


def parse_intrinsic(text: str, *, check_args: bool = True) -> Call:
    """Parse ``text``; with ``check_args``, also run ``check_arguments`` on the result."""
    parser = _Parser(text)
    call = parser.call(0)
    parser.skip_ws()
    if parser.pos != len(text):
        raise parser.error(f"unexpected {text[parser.pos]!r} after the call")
    if check_args:
        check_arguments(call)
    return call


def split_template(raw: str, *, strict: bool = True) -> tuple[str, ...]:
    """The literal text around each ``{}`` of a ``States.Format`` template.

    ``strict`` (a template written in the definition) rejects a backslash before anything
    but ``' { } \\``; a template read from data keeps such a backslash as it is.
    """
    parts: list[str] = []
    buf: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1] if i + 1 < n else ""
            if nxt and nxt in _ESCAPABLE:
                buf.append(nxt)
                i += 2
                continue
            if strict:
                raise IntrinsicSyntaxError(f"invalid escape sequence at position {i + 1}", i + 1)
            buf.append(ch)
        elif ch == "{":
            if raw.startswith("}", i + 1):
                parts.append("".join(buf))
                buf.clear()
                i += 2
                continue
            # AWS's wording, as mirrored by an AWS-recorded conformance suite.
            raise IntrinsicSyntaxError("matching '}' not found for '{'.", i + 1, deferrable=True)
        elif ch == "}":
            raise IntrinsicSyntaxError("matching '{' not found for '}'.", i + 1, deferrable=True)
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return tuple(parts)


def arity(name: str) -> tuple[int, int | None]:
    """``(minimum, maximum)`` argument count of a known function; ``None`` is unbounded."""
    kinds = FUNCTIONS[name]
    required = sum(1 for k in kinds if k[0] not in "*?")
    return required, None if any(k[0] == "*" for k in kinds) else len(kinds)


def check_arguments(call: Call) -> None:
    """Raise a deferrable ``IntrinsicSyntaxError`` for an error knowable before evaluation."""
    low, high = arity(call.name)
    n = len(call.args)
    if n < low or (high is not None and n > high):
        raise _deferred(f"{call.name} {_arity_text(low, high)}, got {n}")
    kinds = FUNCTIONS[call.name]
    for i, arg in enumerate(call.args):
        if isinstance(arg, Call):
            check_arguments(arg)
            continue
        if isinstance(arg, Path):
            continue
        kind = kinds[min(i, len(kinds) - 1)].lstrip("*?")
        where = f"argument {i + 1} of {call.name}"
        if isinstance(arg, Template):
            try:
                holes = len(split_template(arg.raw)) - 1
            except IntrinsicSyntaxError as exc:
                raise _deferred(f"invalid template in {call.name}: {exc}") from None
            if holes != n - 1:
                raise _deferred(
                    f"{call.name}: the template has {holes} '{{}}' placeholder(s) "
                    f"but {n - 1} value argument(s) follow it"
                )
        elif not _literal_fits(kind, arg):
            raise _deferred(f"{where} must be {_KIND_TEXT[kind]}, got {_describe(arg)}")
        elif call.name == "States.Hash" and i == 1 and arg not in HASH_ALGORITHMS:
            algos = ", ".join(sorted(HASH_ALGORITHMS))
            raise _deferred(f"{where} must be one of {algos}, got {_describe(arg)}")
        elif call.name == "States.JsonMerge" and i == 2 and arg is True:
            raise _deferred("States.JsonMerge only supports shallow merging: pass false")


_KIND_TEXT: Final = {
    "any": "a value",
    "array": "an array (a path or a call)",
    "object": "a JSON object (a path or a call)",
    "string": "a string",
    "number": "a number",
}


def _literal_fits(kind: str, value: object) -> bool:
    if kind == "any":
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False  # no literal is an array or an object


def _describe(value: object) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"the number {value!r}"


def _arity_text(low: int, high: int | None) -> str:
    if high is None:
        return f"takes at least {low} argument{'s' * (low != 1)}"
    if low == high:
        return f"takes {low} argument{'s' * (low != 1)}" if low else "takes no arguments"
    return f"takes {low} to {high} arguments"


def _deferred(message: str) -> IntrinsicSyntaxError:
    return IntrinsicSyntaxError(message, deferrable=True)


class _Parser:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str, pos: int | None = None) -> IntrinsicSyntaxError:
        at = (self.pos if pos is None else pos) + 1
        return IntrinsicSyntaxError(f"{message} at position {at}", at)

    def skip_ws(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self.pos = pos

    def call(self, depth: int) -> Call:
        start = self.pos
        m = _NAME.match(self.text, start)
        if m is None:
            raise self.error("expected an intrinsic function such as States.Format(...)")
        name = m.group(0)
        if name not in FUNCTIONS:
            raise self.error(f"unknown intrinsic function {name!r}")
        if depth >= MAX_NESTING:
            raise self.error(f"more than {MAX_NESTING} nested intrinsic functions")
        self.pos = m.end()
        if not self.text.startswith("(", self.pos):
            raise self.error(f"expected '(' after {name}")
        self.pos += 1
        args: list[Arg] = []
        self.skip_ws()
        if self.text.startswith(")", self.pos):
            self.pos += 1
            return Call(name, (), self.text[start : self.pos])
        while True:
            self.skip_ws()
            is_template = name == "States.Format" and not args
            args.append(self.arg(depth, template=is_template))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith(")", self.pos):
                self.pos += 1
                return Call(name, tuple(args), self.text[start : self.pos])
            if self.pos >= len(self.text):
                raise self.error(f"missing ')' to close {name}")
            raise self.error(f"expected ',' or ')' but found {self.text[self.pos]!r}")

    def arg(self, depth: int, *, template: bool) -> Arg:
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise self.error("missing argument")
        ch = text[pos]
        if ch == "'":
            value, raw = self.string()
            return Template(raw) if template else value
        if ch == "$":
            return self.path()
        if text.startswith("States.", pos):
            return self.call(depth + 1)
        m = _NUMBER.match(text, pos)
        if m is not None:
            self.pos = m.end()
            if m.group(1) is None and m.group(2) is None:
                return int(m.group(0))
            number = float(m.group(0))
            if math.isinf(number):
                raise self.error("number out of range", pos)
            return number
        for word, keyword in _KEYWORDS.items():
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return keyword
        if ch in ",)":
            raise self.error("missing argument")
        raise self.error(f"unexpected {ch!r}")

    def string(self) -> tuple[str, str]:
        """The unescaped value and the raw text of the literal at ``pos``."""
        text, start = self.text, self.pos
        out: list[str] = []
        i = start + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                nxt = text[i + 1 : i + 2]
                if not nxt or nxt not in _ESCAPABLE:
                    raise self.error("invalid escape sequence (only \\' \\{ \\} \\\\ exist)", i)
                out.append(nxt)
                i += 2
                continue
            if ch == "'":
                self.pos = i + 1
                return "".join(out), text[start + 1 : i]
            out.append(ch)
            i += 1
        raise self.error("unterminated string", start)

    def path(self) -> Path:
        # A path ends at a top-level ',' or ')' or space; brackets, parentheses and quotes
        # inside them (filters such as [?(@.a == 'x,y')]) are skipped over.
        text, start = self.text, self.pos
        depth = 0
        quote = ""
        i = start
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif depth and ch in "'\"":
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (ch == "," or ch.isspace()):
                break
            i += 1
        path_text = text[start:i]
        try:
            parse_path(path_text)
        except PathSyntaxError as exc:
            raise self.error(f"invalid path {path_text!r} ({exc})", start) from None
        self.pos = i
        return Path(path_text)
