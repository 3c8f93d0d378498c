"""Size bounds of payload templates hold for any data (``_bounds``)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from express.compiler._bounds import template_bound
from express.compiler._payload import compile_template

_text = st.text(
    alphabet=st.sampled_from(["a", "é", '"', "\\", "\n", "\x01", "{", "}", " ", "😀"]),
    max_size=40,
)
_scalar = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)

_TEMPLATES: list[dict[str, Any]] = [
    {"m.$": "States.Format('Order {} for {}', $.a, $.b)"},
    {"m.$": "States.Format('{}', $.a)", "n.$": "$.b"},
    {"m.$": "States.Format('\\{\\} {} \"{}\"', $.a, $.list[*])"},
    {"m.$": "States.Format('x{}y{}', $.a, 1.5e-300)", "k": [1, "two"]},
]


def _size(value: Any) -> int:
    return len(orjson.dumps(value))


@settings(max_examples=300, deadline=None)
@given(a=_json, b=_json, items=st.lists(_json, max_size=3))
def test_a_format_template_never_exceeds_its_bound(a: Any, b: Any, items: list[Any]) -> None:
    data = {"a": a, "b": b, "list": items}
    for template in _TEMPLATES:
        bound = template_bound(template)
        assert bound is not None, template
        m, c = bound
        out = compile_template(template)(data, None)
        assert _size(out) <= m * _size(data) + c, (template, data, out)


def test_formats_with_unbounded_arguments_have_no_bound() -> None:
    assert template_bound({"m.$": "States.Format('{}', States.UUID())"}) is None
    assert template_bound({"m.$": "States.Format('{}', $$.Execution.Id)"}) is None
    assert template_bound({"m.$": "States.JsonToString($.a)"}) is None
    assert template_bound({"m.$": "States.Format('{}', $..a)"}) is None
