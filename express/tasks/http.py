"""The HTTP Task, ``arn:aws:states:::http:invoke``, over one pooled aiohttp session.

Parameters as on AWS: ``ApiEndpoint`` and ``Method`` (required), ``Headers``,
``QueryParameters``, ``RequestBody``, ``Transform`` (``RequestBodyEncoding`` ``NONE`` or
``URL_ENCODED``, ``RequestEncodingOptions.ArrayFormat`` ``INDICES``, ``REPEAT``,
``COMMAS`` or ``BRACKETS``) and ``Authentication.ConnectionArn``, resolved through the
locally configured connections (``_connections``). The result is AWS's:
``{"Headers": {name: [values]}, "ResponseBody": ..., "StatusCode": 200, "StatusText": "OK"}``
with ``ResponseBody`` parsed when the response is JSON.

Errors, as AWS names them: a response outside 2xx fails with
``States.Http.StatusCode.<code>`` (the cause is the result above, as JSON); a request that
gets no response (refused, reset, DNS failure, an address the outbound policy refuses, too
many redirects, or no answer within ``timeout``, 60 s like AWS's cap) fails with
``States.Http.Socket``. A state's own TimeoutSeconds is the runtime's (``States.Timeout``).

Redirects are followed here rather than by aiohttp so that the credentials a connection
adds never travel to another origin; every hop connects through the same guarded
connector (``_safety``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson
from multidict import CIMultiDict
from yarl import URL

from express.compiler._io import MAX_PAYLOAD_BYTES
from express.errors import ErrorName, StatesError, TaskFailed, data_limit_exceeded

from ._base import TaskCall
from ._connections import Connection, Connections
from ._safety import BlockedAddress, OutboundPolicy, SafeResolver
from ._session import PooledSession

__all__ = ["HTTP_INVOKE", "HttpAdapter"]

log = logging.getLogger("express.tasks.http")

HTTP_INVOKE = "arn:aws:states:::http:invoke"
SOCKET = "States.Http.Socket"
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ARRAY_FORMATS = frozenset({"INDICES", "REPEAT", "COMMAS", "BRACKETS"})
_USER_AGENT = "Amazon|StepFunctions|HttpInvoke|us-east-1"
_JSON = "application/json; charset=UTF-8"
_FORM = "application/x-www-form-urlencoded"


class HttpAdapter:
    """Binds ``arn:aws:states:::http:invoke``; owns one pooled session (``aclose()`` it)."""

    resource = HTTP_INVOKE
    lambda_events = False
    label = "http"
    call_sync: Callable[[Any, TaskCall], Any] | None = None

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        connections: Connections | str | Path | None = None,
        timeout: float = 60.0,
        max_connections: int = 100,
        max_redirects: int = 10,
    ) -> None:
        self.policy = OutboundPolicy(allow_hosts)
        if isinstance(connections, str | Path):
            connections = Connections.load(connections)
        self.connections = connections
        self.timeout = timeout
        self.max_redirects = max_redirects
        self._max_connections = max_connections
        self._warned: set[str] = set()
        self._pool = PooledSession(self._new_session)

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            resolver=SafeResolver(self.policy),
            socket_factory=self.policy.socket_factory,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # executions must not share cookies
            timeout=aiohttp.ClientTimeout(total=None),
        )

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def invoke(self, payload: Any, call: TaskCall) -> Any:
        method, url, headers, query, body = _request(payload)
        conn = self._connection(payload)
        session = self._pool.get()
        try:
            async with asyncio.timeout(self.timeout):
                secret: set[str] = {"authorization"}
                if conn is not None:
                    headers, query, body = _merge(conn, headers, query, body)
                    auth = await _auth_headers(conn, session)
                    headers.update(auth)
                    secret.update(k.lower() for k in auth)
                    secret.update(k.lower() for k, _ in conn.headers)
                data = _encode_body(headers, body)
                return await self._send(session, method, url, headers, query, data, call, secret)
        except TimeoutError:
            raise TaskFailed(
                SOCKET, f"The HTTP request did not complete within {self.timeout:g} seconds."
            ) from None

    def _connection(self, params: dict[str, Any]) -> Connection | None:
        auth = params.get("Authentication") or params.get("InvocationConfig")
        arn = auth.get("ConnectionArn") if isinstance(auth, dict) else None
        if not isinstance(arn, str):
            return None
        conn = self.connections.get(arn) if self.connections is not None else None
        if conn is None and arn not in self._warned:
            self._warned.add(arn)
            log.warning(
                "connection %s is not configured: HTTP Tasks using it send their requests "
                "without added credentials (configure it with connections= / --connections)",
                arn,
            )
        return conn

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        query: list[tuple[str, str]],
        body: bytes | None,
        call: TaskCall,
        secret: set[str],
    ) -> dict[str, Any]:
        origin = url.origin()
        for _ in range(self.max_redirects + 1):
            refused = self.policy.literal_refusal(url.host or "")
            if refused is not None:
                raise TaskFailed(SOCKET, refused)
            try:
                async with session.request(
                    method, url, params=query, headers=headers, data=body, allow_redirects=False
                ) as resp:
                    call.heartbeat()
                    location = resp.headers.get("Location")
                    if resp.status not in _REDIRECTS or location is None:
                        return await _result(resp)
            except (aiohttp.ClientError, OSError) as exc:
                raise TaskFailed(SOCKET, _socket_cause(exc, url)) from None
            try:
                url = resp.url.join(URL(location))
            except ValueError:  # the server's Location is no URL
                raise TaskFailed(SOCKET, f"Invalid redirect location: {location!r}") from None
            query = []  # the Location carries its own query
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method = "GET" if method != "HEAD" else method
                body = None
                headers.popall("Content-Type", None)
            if url.origin() != origin:
                # Never hand a connection's credentials (or the task's) to another origin.
                headers = CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in secret)
        raise TaskFailed(SOCKET, f"Too many redirects (more than {self.max_redirects}).")


async def _auth_headers(conn: Connection, session: aiohttp.ClientSession) -> dict[str, str]:
    try:
        return await conn.auth_headers(session)
    except Exception as exc:  # the token endpoint's failure is the task's, not ours
        raise TaskFailed(
            "Events.ConnectionResource.InvalidConnectionState",
            f"Could not authorize with connection '{conn.key}': {exc}",
        ) from None


def _socket_cause(exc: BaseException, url: URL) -> str:
    inner = getattr(exc, "os_error", None)
    if isinstance(exc, BlockedAddress) or isinstance(inner, BlockedAddress):
        return str(inner if isinstance(inner, BlockedAddress) else exc)
    return f"Could not connect to {url.host}: {exc or type(exc).__name__}"


async def _result(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    buf = bytearray()
    async for chunk in resp.content.iter_chunked(65_536):
        buf += chunk
        if len(buf) > MAX_PAYLOAD_BYTES:  # stop reading: the result could never fit
            break
    raw = bytes(buf)
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise data_limit_exceeded("http", terminal=False)
    text = raw.decode(resp.charset or "utf-8", errors="replace")
    body: Any = text
    ctype = resp.content_type.lower() if "Content-Type" in resp.headers else ""
    if text and (ctype.endswith(("/json", "+json")) or not ctype):
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = text
    names: dict[str, list[str]] = {}
    for name, value in resp.headers.items():
        names.setdefault(str(name), []).append(value)
    result = {
        "Headers": names,
        "ResponseBody": body,
        "StatusCode": resp.status,
        "StatusText": resp.reason or "",
    }
    if not 200 <= resp.status < 300:
        raise TaskFailed(f"States.Http.StatusCode.{resp.status}", orjson.dumps(result).decode())
    return result


# --- the request, from the task's parameters ---------------------------------------------------


def _bad(message: str) -> StatesError:
    """A request that cannot be made: like a failing path, the execution fails outright."""
    err = StatesError(ErrorName.RUNTIME, message)
    err.located = True
    err.terminal = True
    return err


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _request(
    params: Any,
) -> tuple[str, URL, CIMultiDict[str], list[tuple[str, str]], Any]:
    if not isinstance(params, dict):
        raise _bad("The HTTP Task's parameters must be an object with ApiEndpoint and Method.")
    endpoint, method = params.get("ApiEndpoint"), params.get("Method")
    if not isinstance(endpoint, str):
        raise _bad("The HTTP Task needs ApiEndpoint: an https:// (or http://) URL.")
    try:
        url = URL(endpoint)
    except ValueError:
        raise _bad(f"ApiEndpoint is not a URL: {endpoint!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise _bad(f"ApiEndpoint must be an http(s) URL, got {endpoint!r}.")
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise _bad(f"Method must be one of {', '.join(sorted(_METHODS))}, got {method!r}.")
    headers: CIMultiDict[str] = CIMultiDict()
    raw_headers = params.get("Headers")
    if raw_headers is not None:
        if not isinstance(raw_headers, dict):
            raise _bad("Headers must be an object of header names to values.")
        for name, value in raw_headers.items():
            values = value if isinstance(value, list) else [value]
            text = ",".join(_scalar(v) for v in values)
            if any(ch in name or ch in text for ch in "\r\n\0") or not name:
                raise _bad(f"Header {name!r} has a name or value that HTTP cannot carry.")
            headers[name] = text
    headers.setdefault("User-Agent", _USER_AGENT)
    query: list[tuple[str, str]] = []
    raw_query = params.get("QueryParameters")
    if raw_query is not None:
        if not isinstance(raw_query, dict):
            raise _bad("QueryParameters must be an object of names to values.")
        for name, value in raw_query.items():
            for v in value if isinstance(value, list) else [value]:
                query.append((name, _scalar(v)))
    body = params.get("RequestBody", _ABSENT)
    transform = params.get("Transform") or {}
    if not isinstance(transform, dict):
        raise _bad("Transform must be an object.")
    encoding = transform.get("RequestBodyEncoding", "NONE")
    options = transform.get("RequestEncodingOptions") or {}
    array_format = options.get("ArrayFormat", "INDICES") if isinstance(options, dict) else None
    if encoding not in ("NONE", "URL_ENCODED") or array_format not in _ARRAY_FORMATS:
        raise _bad(
            "Transform.RequestBodyEncoding must be NONE or URL_ENCODED and "
            "RequestEncodingOptions.ArrayFormat one of INDICES, REPEAT, COMMAS, BRACKETS."
        )
    if encoding == "URL_ENCODED":
        if body is not _ABSENT and not isinstance(body, dict):
            raise _bad("A URL_ENCODED RequestBody must be an object.")
        body = _Form({} if body is _ABSENT else body, array_format)
    return method.upper(), url, headers, query, body


_ABSENT: Any = object()


class _Form:
    """A body to send URL-encoded (kept as an object until the connection's body merges)."""

    __slots__ = ("array_format", "fields")

    def __init__(self, fields: dict[str, Any], array_format: str) -> None:
        self.fields = fields
        self.array_format = array_format

    def encode(self) -> bytes:
        pairs: list[tuple[str, str]] = []
        for key, value in self.fields.items():
            self._add(pairs, key, value)
        return urlencode(pairs).encode()

    def _add(self, pairs: list[tuple[str, str]], key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self._add(pairs, f"{key}[{k}]", v)
        elif isinstance(value, list):
            fmt = self.array_format
            if fmt == "COMMAS":
                pairs.append((key, ",".join("" if v is None else _scalar(v) for v in value)))
                return
            for i, v in enumerate(value):
                name = {"INDICES": f"{key}[{i}]", "BRACKETS": f"{key}[]"}.get(fmt, key)
                self._add(pairs, name, v)
        else:
            pairs.append((key, "" if value is None else _scalar(value)))


def _merge(
    conn: Connection,
    headers: CIMultiDict[str],
    query: list[tuple[str, str]],
    body: Any,
) -> tuple[CIMultiDict[str], list[tuple[str, str]], Any]:
    """The connection's invocation parameters over the task's: the connection wins."""
    for name, value in conn.headers:
        headers[name] = value
    if conn.query:
        names = {k for k, _ in conn.query}
        query = [(k, v) for k, v in query if k not in names] + list(conn.query)
    if conn.body:
        if isinstance(body, _Form):
            body.fields = {**body.fields, **dict(conn.body)}
        elif body is _ABSENT or isinstance(body, dict):
            body = {**({} if body is _ABSENT else body), **dict(conn.body)}
    return headers, query, body


def _encode_body(headers: CIMultiDict[str], body: Any) -> bytes | None:
    if body is _ABSENT:
        return None
    if isinstance(body, _Form):
        headers.setdefault("Content-Type", _FORM)
        return body.encode()
    headers.setdefault("Content-Type", _JSON)
    return body.encode() if isinstance(body, str) else orjson.dumps(body)
