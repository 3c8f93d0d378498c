"""Loading a definition: JSON text or an already-parsed dict, within size and depth limits."""

from __future__ import annotations

from typing import Any

import orjson

from express.errors import DefinitionError, Diagnostic

__all__ = ["MAX_DEFINITION_BYTES", "MAX_NESTING", "load_definition"]

#: AWS's limit on the ``definition`` string of CreateStateMachine (1,048,576 characters).
MAX_DEFINITION_BYTES = 1_048_576
#: Deeper nesting than this is refused before anything recurses over it.
MAX_NESTING = 200


def load_definition(source: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Parse and bound-check a definition; raise ``DefinitionError`` on any problem."""
    if isinstance(source, dict):
        # A dict may come from anywhere: serialise once to apply the same limits.
        try:
            text = orjson.dumps(source)
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise _error(
                "INVALID_JSON_DESCRIPTION", f"definition is not JSON data: {exc}"
            ) from None
        data: Any = source
    else:
        text = source.encode() if isinstance(source, str) else source
        if len(text) <= MAX_DEFINITION_BYTES:
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise _error(
                    "INVALID_JSON_DESCRIPTION", f"definition is not valid JSON: {exc}"
                ) from None
    if len(text) > MAX_DEFINITION_BYTES:
        raise _error(
            "SCHEMA_VALIDATION_FAILED",
            f"definition is {len(text):,} bytes; the limit is {MAX_DEFINITION_BYTES:,} bytes",
        )
    if not isinstance(data, dict):
        raise _error("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")
    depth = _depth(data)
    if depth > MAX_NESTING:
        raise _error(
            "SCHEMA_VALIDATION_FAILED",
            f"definition nests {depth} levels deep; the limit is {MAX_NESTING}",
        )
    return data


def _depth(node: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        cur, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > MAX_NESTING:
                return deepest
        if isinstance(cur, dict):
            stack.extend((v, level + 1) for v in cur.values() if isinstance(v, dict | list))
        elif isinstance(cur, list):
            stack.extend((v, level + 1) for v in cur if isinstance(v, dict | list))
    return deepest


def _error(code: str, message: str) -> DefinitionError:
    return DefinitionError([Diagnostic(code, message, "/")])
