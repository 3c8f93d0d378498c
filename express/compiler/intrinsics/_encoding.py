"""States.Base64Encode, States.Base64Decode and States.Hash."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, Final

from express.asl._intrinsics import Call

from ._base import MAX_INPUT_CHARS, Impl, invalid, require_str
from ._java import java_str, utf16_len

__all__ = ["FUNCTIONS"]

_HASHES: Final = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
_NOT_BASE64: Final = re.compile(r"[^A-Za-z0-9+/_-]")


def _utf8(text: str) -> bytes:
    # Java's getBytes(UTF_8) turns a lone surrogate into '?', as "replace" does.
    return text.encode("utf-8", "replace")


def _limited(call: Call, text: str) -> str:
    if len(text) > MAX_INPUT_CHARS // 2 and utf16_len(text) > MAX_INPUT_CHARS:
        raise invalid(call)
    return text


def base64_encode(call: Call, text: Any) -> str:
    text = _limited(call, require_str(call, text))
    return base64.b64encode(_utf8(text)).decode("ascii")


def base64_decode(call: Call, text: Any) -> str:
    # AWS decodes leniently (seen: "!!!invalid!!!", "abc", "ab==cd" and " YWJjZA== " all
    # decode): characters outside the alphabet are skipped, decoding stops at the first
    # '=' and a lone trailing character is dropped, as Apache commons-codec does.
    text = _limited(call, require_str(call, text))
    clean = _NOT_BASE64.sub("", text.split("=", 1)[0]).translate({45: "+", 95: "/"})
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    clean += "=" * (-len(clean) % 4)
    return base64.b64decode(clean).decode("utf-8", "replace")


def hash_(call: Call, data: Any, algorithm: Any) -> str:
    name = _HASHES.get(algorithm) if algorithm.__class__ is str else None
    if name is None:
        raise invalid(call)
    # AWS hashes a number or an object too, after turning it into text.
    text = _limited(call, data if data.__class__ is str else java_str(data))
    return hashlib.new(name, _utf8(text)).hexdigest()


FUNCTIONS: Final[dict[str, Impl]] = {
    "States.Base64Encode": base64_encode,
    "States.Base64Decode": base64_decode,
    "States.Hash": hash_,
}
