"""Java behaviour that AWS's intrinsics show through.

Step Functions evaluates intrinsics in Java on plain Java values (a JSON object becomes a
``LinkedHashMap``, an array an ``ArrayList``, a fraction a ``Double``). Several results
depend on that, as AWS-recorded executions show:

* ``States.Format`` prints values with ``String.valueOf``: ``{Arg1=1, Arg2=[]}``;
* ``States.ArrayContains`` matches by that text: ``"true"`` is found for ``true``;
* ``States.ArrayUnique`` goes through a ``HashSet``: ``[true, false, true]`` gives
  ``[false, true]``, ``[[1, 2], [2, 1]]`` gives ``[[2, 1], [1, 2]]``;
* ``States.JsonMerge`` returns a ``HashMap``'s key order;
* a seeded ``States.MathRandom`` is ``new java.util.Random(seed).nextInt(end - start)``
  (seed 42 over [-5, 5) gives -5 on AWS, as ``nextInt(10)`` gives 0).
"""

from __future__ import annotations

import json
import math
import struct
import sys
from array import array
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

import orjson

__all__ = [
    "JavaRandom",
    "hashmap_merge",
    "hashset_distinct",
    "java_json",
    "java_round",
    "java_str",
    "utf16_len",
]

_M32: Final = 0xFFFFFFFF
_INT_MIN: Final = -(2**31)
_LONG_MIN: Final = -(2**63)


def java_str(value: Any) -> str:
    """``String.valueOf`` of the Java value AWS builds from this JSON value."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, list):
        return "[" + ", ".join([java_str(v) for v in value]) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join([f"{k}={java_str(v)}" for k, v in value.items()]) + "}"
    return str(value)


def java_double_str(x: float) -> str:
    """``Double.toString``: shortest digits, plain for 1e-3 <= |x| < 1e7, else ``d.dddE±n``."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    # repr has the shortest digits that read back as x, as Java's algorithm does.
    _, digit_tuple, exp = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    sci = len(digits) - 1 + int(exp)
    sign = "-" if x < 0 else ""
    if 1e-3 <= abs(x) < 1e7:
        point = sci + 1
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        return f"{sign}{digits[:point].ljust(point, '0')}.{digits[point:] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{sci}"


def java_json(value: Any) -> str:
    """Compact JSON as Jackson writes it: fractions in ``Double.toString`` form (1.0E20)."""
    if value.__class__ is str:
        return _json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, list):
        return "[" + ",".join([java_json(v) for v in value]) + "]"
    if isinstance(value, dict):
        items = [f"{_json_string(str(k))}:{java_json(v)}" for k, v in value.items()]
        return "{" + ",".join(items) + "}"
    return _json_string(str(value))


def _json_string(text: str) -> str:
    try:
        return orjson.dumps(text).decode()
    except TypeError:  # orjson refuses lone surrogates
        return json.dumps(text, ensure_ascii=False)


def java_round(x: float) -> int:
    """``Math.round``: the nearest integer, ties towards positive infinity (-2.5 -> -2)."""
    floor = math.floor(x)
    return floor + 1 if x - floor >= 0.5 else floor


def utf16_len(text: str) -> int:
    """``String.length()``: AWS's character limits count UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _hash(value: Any) -> int:
    """``hashCode()`` of the Java value, as an unsigned 32-bit number (null is 0)."""
    if value is None:
        return 0
    if value is True:
        return 1231
    if value is False:
        return 1237
    if isinstance(value, str):
        return _string_hash(value)
    if isinstance(value, int):
        if _INT_MIN <= value < -_INT_MIN:
            return value & _M32
        if _LONG_MIN <= value < -_LONG_MIN:
            bits = value & 0xFFFFFFFFFFFFFFFF
            return (bits ^ (bits >> 32)) & _M32
        h = 0  # BigInteger: magnitude words, most significant first, times the sign
        for shift in range((abs(value).bit_length() + 31) // 32 * 32 - 32, -1, -32):
            h = (31 * h + ((abs(value) >> shift) & _M32)) & _M32
        return h if value > 0 else (-h) & _M32
    if isinstance(value, float):
        bits = int.from_bytes(struct.pack(">d", value), "big")
        return (bits ^ (bits >> 32)) & _M32
    if isinstance(value, list):
        h = 1
        for item in value:
            h = (31 * h + _hash(item)) & _M32
        return h
    if isinstance(value, dict):
        return sum(_hash(k) ^ _hash(v) for k, v in value.items()) & _M32
    return hash(value) & _M32


@lru_cache(maxsize=4096)
def _string_hash(value: str) -> int:
    """``String.hashCode()``; object keys repeat, so each is hashed once."""
    h = 0
    for unit in _utf16_units(value):
        h = (31 * h + unit) & _M32
    return h


def _utf16_units(text: str) -> array[int]:
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


def _key(value: Any) -> Any:
    """A Python key equal exactly when the Java values are ``equals``."""
    if value is None or isinstance(value, bool | str):
        return (type(value), value)
    if isinstance(value, int):
        return (int, value)
    if isinstance(value, float):
        return (float, struct.pack(">d", value))  # Double.equals compares bits: 0.0 != -0.0
    if isinstance(value, list):
        return (list, tuple([_key(v) for v in value]))
    if isinstance(value, dict):
        return (dict, frozenset([(k, _key(v)) for k, v in value.items()]))
    return (object, id(value))


def _table_size(capacity: int) -> int:
    """``HashMap.tableSizeFor``: the next power of two."""
    return 1 << max(capacity - 1, 0).bit_length()


def _bucket(h: int, size: int) -> int:
    return (h ^ (h >> 16)) & (size - 1)


def hashset_distinct(items: list[Any]) -> list[Any]:
    """``new ArrayList<>(new HashSet<>(items))``."""
    size = _table_size(max(int(len(items) / 0.75) + 1, 16))
    seen: dict[Any, tuple[int, int, Any]] = {}
    for index, item in enumerate(items):
        key = _key(item)
        if key not in seen:
            seen[key] = (_bucket(_hash(item), size), index, item)
    return [item for _, _, item in sorted(seen.values(), key=lambda e: (e[0], e[1]))]


def hashmap_merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """``m = new HashMap<>(first); m.putAll(second)``, in ``m``'s iteration order."""
    merged = {**first, **second}
    if not merged:
        return merged
    # Replay HashMap's sizing: the copy constructor sizes for `first`, putAll grows it.
    capacity = _table_size(int(len(first) / 0.75 + 1.0)) if first else 0
    count = len(first)
    if capacity == 0:
        capacity = _table_size(int(len(second) / 0.75 + 1.0))
    while len(second) > int(capacity * 0.75):
        capacity *= 2
    for key in second:
        if key not in first:
            count += 1
            if count > int(capacity * 0.75):
                capacity *= 2
    # A resize keeps each bucket's insertion order, so the final table decides the order.
    order = {k: i for i, k in enumerate(merged)}
    keys = sorted(merged, key=lambda k: (_bucket(_hash(k), capacity), order[k]))
    return {k: merged[k] for k in keys}


class JavaRandom:
    """``java.util.Random``: the same seed gives the same numbers as on AWS."""

    __slots__ = ("_seed",)
    _MULTIPLIER: Final = 0x5DEECE66D
    _MASK: Final = (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ self._MULTIPLIER) & self._MASK

    def _next(self, bits: int) -> int:
        self._seed = (self._seed * self._MULTIPLIER + 0xB) & self._MASK
        result = self._seed >> (48 - bits)
        return result - (1 << 32) if bits == 32 and result >= 1 << 31 else result

    def next_int(self, bound: int) -> int:
        """``nextInt(bound)`` for ``0 < bound < 2**31``: uniform in ``[0, bound)``."""
        r = self._next(31)
        m = bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < 2**31:  # Java's int overflow test, without the overflow
                return r
            u = self._next(31)
