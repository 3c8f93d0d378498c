"""Lambda functions served by a Lambda Invoke API endpoint, with AWS's result shapes.

``LambdaEndpoint(url)`` calls ``POST {url}/2015-03-31/functions/{name}/invocations``:
the Lambda runtime interface emulator, ``sam local start-lambda``, LocalStack, or AWS
itself (requests to ``*.amazonaws.com`` are signed with SigV4 through botocore, which must
then be installed). A function registered as a local callable always wins; the endpoint
serves the others.

What the task sees is what Step Functions makes of the Invoke API's answer:

- a direct function ARN yields the function's payload; ``arn:aws:states:::lambda:invoke``
  yields ``{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata",
  "StatusCode"}`` built from the real response;
- a response with ``X-Amz-Function-Error`` fails the task with the payload's ``errorType``
  (``Lambda.Unknown`` when it has none); the cause is the payload as the function wrote it
  for a direct ARN, and re-serialised compactly for ``lambda:invoke`` (as AWS does);
- an Invoke API error fails it with ``Lambda.<ErrorCode>`` (``Lambda.ResourceNotFoundException``,
  ``Lambda.TooManyRequestsException``, ...) and the AWS SDK's cause wording; no response at
  all gives ``Lambda.SdkClientException``.

The endpoint is configured by the operator, so the HTTP Task's outbound policy does not
apply to it; its session is its own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from yarl import URL

from express.errors import TaskFailed

from ._base import TaskCall
from ._session import PooledSession
from .local import _LAMBDA_ARN, LAMBDA_INVOKE, Resource, ResourceBinding, _lookup

__all__ = ["LambdaEndpoint", "LambdaFunctionBinding", "LambdaInvokeBinding"]

#: Payloads over AWS's 256 KiB quota fail anyway: read no further than that.
_MAX_READ = 262_144

_STATUS_CODES = {
    400: "InvalidRequestContentException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ResourceConflictException",
    413: "RequestTooLargeException",
    429: "TooManyRequestsException",
}


class _Response:
    __slots__ = ("body", "headers", "request_id", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.request_id = self.header("x-amzn-RequestId") or str(uuid.uuid4())

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def payload(self) -> Any:
        if not self.body:
            return ""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return self.body.decode("utf-8", errors="replace")


class LambdaEndpoint:
    """A Lambda Invoke API endpoint; owns one pooled session (``aclose()`` it)."""

    def __init__(
        self,
        url: str,
        *,
        sign: bool | None = None,
        region: str | None = None,
        timeout: float | None = None,
        max_connections: int = 100,
    ) -> None:
        base = URL(url)
        if base.scheme not in ("http", "https") or not base.host:
            raise ValueError(f"the Lambda endpoint must be an http(s) URL, got {url!r}")
        self.url = base
        host = base.host
        self.sign = host.endswith(".amazonaws.com") if sign is None else sign
        parts = host.split(".")
        self.region = region or (parts[1] if self.sign and len(parts) > 3 else None)
        self._signer: Callable[[str, dict[str, str], bytes], dict[str, str]] | None = None
        if self.sign:
            _require_botocore()
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=10.0)
        self._max_connections = max_connections
        self._pool = PooledSession(self._new_session)

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections),
            timeout=self._timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def aclose(self) -> None:
        await self._pool.aclose()

    def _path_name(self, identifier: str) -> tuple[str, str | None]:
        """(function as put in the path, qualifier from the identifier)."""
        if self.sign:  # AWS takes names, ARNs and partial ARNs alike
            return identifier, None
        # Emulators know functions by bare name only (the RIE by "function" or by
        # AWS_LAMBDA_FUNCTION_NAME): strip the ARN and move its qualifier to the query.
        tail = identifier.rsplit(":function:", 1)[-1]
        name, _, qualifier = tail.partition(":")
        return name, qualifier or None

    async def call(
        self,
        identifier: str,
        body: bytes,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> _Response:
        name, own_qualifier = self._path_name(identifier)
        url = self.url.with_path(
            f"{self.url.path.rstrip('/')}/2015-03-31/functions/{quote(name, safe='')}/invocations",
            encoded=True,
        )
        qualifier = qualifier or own_qualifier
        if qualifier:
            url = url.with_query(Qualifier=qualifier)
        headers = {"X-Amz-Invocation-Type": invocation_type, **(extra_headers or {})}
        if self.sign:
            headers = await self._signed(str(url), headers, body)
        session = self._pool.get()
        try:
            async with session.post(url, data=body, headers=headers) as resp:
                # Read one byte past the quota, no more: a bigger payload fails anyway.
                raw = await resp.content.read(_MAX_READ + 1)
                return _Response(resp.status, list(resp.headers.items()), raw)
        except ValueError as exc:  # a header value that HTTP cannot carry
            raise TaskFailed("Lambda.InvalidParameterValueException", str(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            cause = f"Unable to execute HTTP request: {exc or type(exc).__name__}"
            raise TaskFailed("Lambda.SdkClientException", cause) from None
        except TimeoutError:
            raise TaskFailed(
                "Lambda.SdkClientException", "Unable to execute HTTP request: Read timed out"
            ) from None

    async def _signed(self, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        if self._signer is None:
            # Finding credentials can read files or call the instance metadata service.
            self._signer = await asyncio.to_thread(_make_signer, self.region)
        return self._signer(url, headers, body)


def _require_botocore() -> None:
    try:
        import botocore.auth  # noqa: F401
    except ImportError:
        raise ImportError(
            "signing requests to AWS Lambda needs botocore: pip install botocore"
        ) from None


def _make_signer(region: str | None) -> Callable[[str, dict[str, str], bytes], dict[str, str]]:
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    session = botocore.session.get_session()
    credentials = session.get_credentials()
    if credentials is None:
        raise TaskFailed(
            "Lambda.SdkClientException",
            "Unable to load AWS credentials from any provider in the chain",
        )
    region = region or session.get_config_variable("region") or "us-east-1"

    def sign(url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        request = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), "lambda", region).add_auth(request)
        return dict(request.headers.items())

    return sign


def _api_error(resp: _Response) -> TaskFailed:
    """An Invoke API error, named and worded as the AWS SDK for Java reports it."""
    payload = resp.payload()
    code = (resp.header("x-amzn-ErrorType") or "").split(":", 1)[0]
    if not code and isinstance(payload, dict) and isinstance(payload.get("__type"), str):
        code = payload["__type"].rsplit("#", 1)[-1]
    if not code:
        code = _STATUS_CODES.get(resp.status) or (
            "ServiceException" if resp.status >= 500 else "AWSLambdaException"
        )
    message = ""
    if isinstance(payload, dict):
        message = str(payload.get("Message") or payload.get("message") or "")
    elif isinstance(payload, str):
        message = payload[:512]
    return TaskFailed(
        f"Lambda.{code}",
        f"{message} (Service: AWSLambda; Status Code: {resp.status}; Error Code: {code}; "
        f"Request ID: {resp.request_id}; Proxy: null)",
    )


def _function_error(resp: _Response, compact: bool) -> TaskFailed:
    payload = resp.payload()
    error = payload.get("errorType") if isinstance(payload, dict) else None
    if compact and not isinstance(payload, str):
        cause = orjson.dumps(payload).decode()
    else:
        cause = resp.body.decode("utf-8", errors="replace")
    return TaskFailed(error if isinstance(error, str) else "Lambda.Unknown", cause)


class LambdaFunctionBinding:
    """A direct function ARN (``Resource: arn:aws:lambda:...``) served by an endpoint."""

    __slots__ = ("_endpoint", "call_sync", "label", "lambda_events", "resource")

    def __init__(self, resource: str, endpoint: LambdaEndpoint) -> None:
        self.resource = resource
        self._endpoint = endpoint
        self.lambda_events = _LAMBDA_ARN.match(resource) is not None
        self.label = resource
        self.call_sync: Callable[[Any, TaskCall], Any] | None = None

    async def invoke(self, payload: Any, call: TaskCall) -> Any:
        resp = await self._endpoint.call(self.resource, orjson.dumps(payload))
        if resp.status >= 300:
            raise _api_error(resp)
        if resp.header("X-Amz-Function-Error") is not None:
            raise _function_error(resp, compact=False)
        return resp.payload()


class LambdaInvokeBinding:
    """``arn:aws:states:::lambda:invoke``: a local callable when one is registered for
    ``FunctionName``, else the endpoint."""

    __slots__ = ("_endpoint", "_index", "_local", "call_sync", "label", "lambda_events", "resource")

    def __init__(self, resource: str, index: dict[str, Resource], endpoint: LambdaEndpoint) -> None:
        self.resource = resource
        self._index = index
        self._endpoint = endpoint
        self._local = ResourceBinding(resource, None, index)
        self.lambda_events = False
        self.label = "lambda"
        self.call_sync: Callable[[Any, TaskCall], Any] | None = None

    async def invoke(self, params: Any, call: TaskCall) -> Any:
        name = params.get("FunctionName") if isinstance(params, dict) else None
        if not isinstance(name, str) or _lookup(self._index, name) is not None:
            return await self._local.invoke(params, call)  # local shapes and errors
        assert isinstance(params, dict)
        payload = params.get("Payload", {})
        body = _payload_bytes(payload)
        invocation_type = params.get("InvocationType", "RequestResponse")
        qualifier = params.get("Qualifier")
        extra = {}
        if isinstance(params.get("ClientContext"), str):
            extra["X-Amz-Client-Context"] = params["ClientContext"]
        if isinstance(params.get("LogType"), str):
            extra["X-Amz-Log-Type"] = params["LogType"]
        resp = await self._endpoint.call(
            name,
            body,
            invocation_type=str(invocation_type),
            qualifier=qualifier if isinstance(qualifier, str) else None,
            extra_headers=extra,
        )
        if resp.status >= 300:
            raise _api_error(resp)
        if resp.header("X-Amz-Function-Error") is not None:
            raise _function_error(resp, compact=True)
        return _invoke_result(resp)


def _payload_bytes(payload: Any) -> bytes:
    """The Invoke API takes JSON text: a string that is JSON goes as is (as the local
    binding reads it), any other value is serialised."""
    if isinstance(payload, str):
        raw = payload.encode()
        try:
            orjson.loads(raw)
        except orjson.JSONDecodeError:
            return orjson.dumps(payload)
        return raw
    return orjson.dumps(payload)


def _invoke_result(resp: _Response) -> dict[str, Any]:
    all_headers: dict[str, list[str]] = {}
    for k, v in resp.headers:
        all_headers.setdefault(str(k), []).append(v)
    result: dict[str, Any] = {}
    version = resp.header("X-Amz-Executed-Version") or ("$LATEST" if resp.status == 200 else None)
    if version is not None:
        result["ExecutedVersion"] = version
    log_result = resp.header("X-Amz-Log-Result")
    if log_result is not None:
        result["LogResult"] = log_result
    result["Payload"] = resp.payload()
    result["SdkHttpMetadata"] = {
        "AllHttpHeaders": all_headers,
        "HttpHeaders": {k: v[-1] for k, v in all_headers.items()},
        "HttpStatusCode": resp.status,
    }
    result["SdkResponseMetadata"] = {"RequestId": resp.request_id}
    result["StatusCode"] = resp.status
    return result


def is_lambda_resource(resource: str) -> bool:
    """A direct function ARN or the ``lambda:invoke`` integration."""
    return _LAMBDA_ARN.match(resource) is not None or resource.startswith(LAMBDA_INVOKE)
