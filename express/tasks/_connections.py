"""EventBridge connections configured locally, for ``Authentication.ConnectionArn``.

On AWS an HTTP Task authenticates through an EventBridge connection whose secret lives in
Secrets Manager. Here the same connections are described in a JSON file that uses the
shape of EventBridge's ``CreateConnection`` request, keyed by connection ARN or by the
connection's name, so the values can be copied from an existing setup::

    {"Connections": {
      "arn:aws:events:us-east-1:123456789012:connection/orders/0f1e": {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {
          "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "${ORDERS_KEY}"},
          "InvocationHttpParameters": {"HeaderParameters": [{"Key": "x-tenant", "Value": "a"}]}
        }}}}

``AuthorizationType`` is ``API_KEY``, ``BASIC`` (``BasicAuthParameters``: ``Username``,
``Password``) or ``OAUTH_CLIENT_CREDENTIALS`` (``OAuthParameters``:
``AuthorizationEndpoint``, ``HttpMethod``, ``ClientParameters`` with ``ClientID`` and
``ClientSecret``, optional ``OAuthHttpParameters``). ``${NAME}`` in a string is replaced by
the environment variable ``NAME`` when the file is loaded, so secrets need not be written
in it. As on AWS, a connection's invocation parameters win over the task's own.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

__all__ = ["Connection", "ConnectionsError", "Connections"]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TYPES = ("API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS")
Pairs = tuple[tuple[str, str], ...]


class ConnectionsError(ValueError):
    """The connections file is unusable; the message says where and why."""


@dataclass(frozen=True, slots=True)
class OAuthClient:
    endpoint: str
    method: str
    client_id: str
    client_secret: str
    headers: Pairs = ()
    query: Pairs = ()
    body: Pairs = ()


@dataclass(slots=True, eq=False)
class Connection:
    """One connection: how to authenticate, and what to add to every request."""

    key: str
    auth_type: str
    headers: Pairs = ()
    query: Pairs = ()
    body: Pairs = ()
    api_key: tuple[str, str] | None = None
    basic: tuple[str, str] | None = None
    oauth: OAuthClient | None = None
    _token: str | None = field(default=None, repr=False)
    _expires: float = field(default=0.0, repr=False)
    _lock: asyncio.Lock | None = field(default=None, repr=False)

    async def auth_headers(self, session: aiohttp.ClientSession) -> dict[str, str]:
        """The headers that authenticate a request (fetching an OAuth token if needed)."""
        if self.api_key is not None:
            return {self.api_key[0]: self.api_key[1]}
        if self.basic is not None:
            raw = f"{self.basic[0]}:{self.basic[1]}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        if self.oauth is not None:
            return {"Authorization": "Bearer " + await self._access_token(session)}
        return {}

    async def _access_token(self, session: aiohttp.ClientSession) -> str:
        if self._token is not None and time.monotonic() < self._expires:
            return self._token
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one token request however many tasks need it
            if self._token is not None and time.monotonic() < self._expires:
                return self._token
            token, lifetime = await _fetch_token(session, self)
            # Renew a little early so that a token never expires in flight.
            self._token, self._expires = token, time.monotonic() + max(lifetime - 30.0, 1.0)
            return token


class OAuthFailed(Exception):
    """The authorization endpoint did not hand out a token."""


async def _fetch_token(session: aiohttp.ClientSession, conn: Connection) -> tuple[str, float]:
    assert conn.oauth is not None
    oauth = conn.oauth
    form = dict(oauth.body)
    form.setdefault("grant_type", "client_credentials")
    creds = base64.b64encode(f"{oauth.client_id}:{oauth.client_secret}".encode()).decode()
    headers = {"Authorization": "Basic " + creds, **dict(oauth.headers)}
    async with session.request(
        oauth.method, oauth.endpoint, params=list(oauth.query), data=form, headers=headers
    ) as resp:
        text = await resp.text()
        if resp.status >= 300:
            raise OAuthFailed(f"the authorization endpoint answered {resp.status}: {text[:200]}")
    try:
        doc = orjson.loads(text)
        token = doc["access_token"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise OAuthFailed("the authorization endpoint returned no access_token") from None
    lifetime = doc.get("expires_in", 3600)
    return str(token), float(lifetime) if isinstance(lifetime, int | float) else 3600.0


class Connections:
    """Connections by ARN or name, validated when loaded."""

    def __init__(self, data: Mapping[str, Any], source: str = "connections") -> None:
        self.source = source
        entries = data.get("Connections") if isinstance(data, Mapping) else None
        if not isinstance(entries, Mapping):
            raise ConnectionsError(f'{source}: expected {{"Connections": {{ARN or name: ...}}}}')
        self._by_key = {key: _parse(key, value, source) for key, value in entries.items()}

    @classmethod
    def load(cls, path: str | Path) -> Connections:
        try:
            data = orjson.loads(Path(path).read_bytes())
        except OSError as exc:
            raise ConnectionsError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except orjson.JSONDecodeError as exc:
            raise ConnectionsError(f"{path}: not valid JSON: {exc}") from None
        return cls(data, str(path))

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, arn: str) -> Connection | None:
        """The connection for ``arn`` (an ARN, or a name as in ``connection/NAME/id``)."""
        conn = self._by_key.get(arn)
        if conn is None and ":connection/" in arn:
            conn = self._by_key.get(arn.split(":connection/", 1)[1].split("/", 1)[0])
        return conn


def _env(value: str, where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise ConnectionsError(f"{where}: the environment variable {m.group(1)} is not set")
        return os.environ[m.group(1)]

    return _ENV.sub(sub, value)


def _string(obj: Mapping[str, Any], name: str, where: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise ConnectionsError(f"{where}: {name} must be a non-empty string")
    return _env(value, f"{where}/{name}")


def _pairs(params: Any, kind: str, where: str) -> Pairs:
    if params is None:
        return ()
    items = params.get(kind, []) if isinstance(params, Mapping) else None
    if not isinstance(items, list):
        raise ConnectionsError(f"{where}: {kind} must be a list of {{Key, Value}}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ConnectionsError(f"{where}/{kind}/{i}: expected {{Key, Value}}")
        out.append((_string(item, "Key", f"{where}/{kind}/{i}"), str(item.get("Value", ""))))
    return tuple((k, _env(v, f"{where}/{kind}")) for k, v in out)


def _parse(key: str, value: Any, source: str) -> Connection:
    where = f"{source}: Connections/{key}"
    if not isinstance(value, Mapping):
        raise ConnectionsError(f"{where}: expected an object")
    auth_type = value.get("AuthorizationType")
    if auth_type not in _TYPES:
        raise ConnectionsError(f"{where}: AuthorizationType must be one of {', '.join(_TYPES)}")
    params = value.get("AuthParameters")
    if not isinstance(params, Mapping):
        raise ConnectionsError(f"{where}: AuthParameters must be an object")
    inv = params.get("InvocationHttpParameters")
    w_inv = f"{where}/InvocationHttpParameters"
    h = _pairs(inv, "HeaderParameters", w_inv)
    q = _pairs(inv, "QueryStringParameters", w_inv)
    b = _pairs(inv, "BodyParameters", w_inv)
    if auth_type == "API_KEY":
        p = _section(params, "ApiKeyAuthParameters", where)
        api_key = (_string(p, "ApiKeyName", where), _string(p, "ApiKeyValue", where))
        return Connection(key, auth_type, h, q, b, api_key=api_key)
    if auth_type == "BASIC":
        p = _section(params, "BasicAuthParameters", where)
        basic = (_string(p, "Username", where), _string(p, "Password", where))
        return Connection(key, auth_type, h, q, b, basic=basic)
    p = _section(params, "OAuthParameters", where)
    client = _section(p, "ClientParameters", f"{where}/OAuthParameters")
    http = p.get("OAuthHttpParameters")
    w = f"{where}/OAuthParameters"
    oauth = OAuthClient(
        endpoint=_string(p, "AuthorizationEndpoint", w),
        method=str(p.get("HttpMethod", "POST")).upper(),
        client_id=_string(client, "ClientID", w),
        client_secret=_string(client, "ClientSecret", w),
        headers=_pairs(http, "HeaderParameters", f"{w}/OAuthHttpParameters"),
        query=_pairs(http, "QueryStringParameters", f"{w}/OAuthHttpParameters"),
        body=_pairs(http, "BodyParameters", f"{w}/OAuthHttpParameters"),
    )
    return Connection(key, auth_type, h, q, b, oauth=oauth)


def _section(params: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    section = params.get(name)
    if not isinstance(section, Mapping):
        raise ConnectionsError(f"{where}: AuthParameters/{name} is required for this type")
    return section
