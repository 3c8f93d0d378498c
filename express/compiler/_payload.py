"""Payload templates (Parameters, ResultSelector, ItemSelector, Assign) compiled to builders.

A template becomes one generated function that builds the whole object in a single
expression: ``{"a": g0(d, f), "b": c0}``. Static sub-trees are shared constants (nothing
downstream mutates data). When a path matches nothing, a slower walk finds which field
failed so the error names it as AWS does.
"""

from __future__ import annotations

from typing import Any

import orjson

from express.asl._intrinsics import looks_like_intrinsic
from express.errors import ErrorName, StatesError

from ._frame import Frame, Getter
from ._paths import PathError, compile_path

__all__ = ["compile_template", "compile_value_expr", "dumps_compact"]


def dumps_compact(value: Any) -> str:
    """JSON as AWS prints it inside messages: compact, keys in insertion order."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        import json

        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def compile_value_expr(text: str) -> Getter:
    """The value of a ``"key.$"`` entry: an intrinsic call or a path."""
    if looks_like_intrinsic(text):
        from .intrinsics import compile_intrinsic

        # AWS accepts wrong arities at creation and fails the call when it runs.
        getter: Getter = compile_intrinsic(text, check_args=False)
        return getter
    return compile_path(text)


class _Gen:
    def __init__(self) -> None:
        self.names: dict[str, Any] = {}
        self.fields: list[tuple[str, str, Getter]] = []

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def expr(self, node: Any) -> str:
        if isinstance(node, dict):
            if not _is_dynamic(node):
                return self.bind("c", node)
            parts = []
            for key, value in node.items():
                if key.endswith(".$") and isinstance(value, str):
                    getter = compile_value_expr(value)
                    self.fields.append((key, value, getter))
                    parts.append(f"{key[:-2]!r}: {self.bind('g', getter)}(d, f)")
                else:
                    parts.append(f"{key!r}: {self.expr(value)}")
            return "{" + ", ".join(parts) + "}"
        if isinstance(node, list) and _is_dynamic(node):
            return "[" + ", ".join(self.expr(v) for v in node) + "]"
        return self.bind("c", node)


def _is_dynamic(node: Any) -> bool:
    if isinstance(node, dict):
        return any(
            (k.endswith(".$") and isinstance(v, str)) or _is_dynamic(v) for k, v in node.items()
        )
    if isinstance(node, list):
        return any(_is_dynamic(v) for v in node)
    return False


def compile_template(template: Any) -> Getter:
    """Compile a payload template to ``builder(data, frame) -> value``."""
    gen = _Gen()
    body = gen.expr(template)
    fields = gen.fields
    if not fields:
        const = template
        return lambda d, f: const

    def explain(d: Any, f: Frame) -> Any:
        # Re-run field by field to name the one that failed, as AWS's cause does.
        for key, text, getter in fields:
            try:
                getter(d, f)
            except PathError:
                raise StatesError(
                    ErrorName.RUNTIME,
                    f"The JSONPath '{text}' specified for the field '{key}' could not be "
                    f"found in the input '{dumps_compact(d)}'",
                ) from None
        raise AssertionError("unreachable: a path failed once but not again")

    src = (
        "def build(d, f):\n"
        "    try:\n"
        f"        return {body}\n"
        "    except PathError:\n"
        "        return explain(d, f)\n"
    )
    namespace = dict(gen.names, PathError=PathError, explain=explain)
    exec(compile(src, "<payload template>", "exec"), namespace)
    build: Getter = namespace["build"]
    return build
