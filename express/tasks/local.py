"""Task resources served by Python callables, with AWS's Lambda result and error shapes.

``resources`` maps a Task's ``Resource`` (or, for ``arn:aws:states:::lambda:invoke``, the
function name or ARN) to a callable taking the task input. A direct Lambda ARN yields the
callable's return value; ``lambda:invoke`` wraps it in the Invoke API's response.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from express.errors import ExpressError, LambdaFunctionError, StatesError, TaskFailed

from ._base import TaskCall

__all__ = [
    "LAMBDA_INVOKE",
    "Resource",
    "ResourceBinding",
    "lambda_failure",
    "local_resolver",
    "function_name",
]

Resource = Callable[[Any], Any]
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9_-]+)(?::[a-zA-Z0-9_$-]+)?$"
)
_PARTIAL_ARN = re.compile(r"^(?:\d{12}:function:)?([a-zA-Z0-9_-]+)(?::[a-zA-Z0-9_$-]+)?$")


def function_name(identifier: str) -> str | None:
    """The bare function name in a Lambda function name, ARN or partial ARN."""
    m = _LAMBDA_ARN.match(identifier) or _PARTIAL_ARN.match(identifier)
    return m.group(1) if m else None


def _index(resources: Mapping[str, Resource]) -> dict[str, Resource]:
    index = dict(resources)
    for key, fn in resources.items():
        name = function_name(key)
        if name is not None:
            index.setdefault(name, fn)
    return index


def _lookup(index: dict[str, Resource], identifier: str) -> Resource | None:
    fn = index.get(identifier)
    if fn is None:
        name = function_name(identifier)
        if name is not None:
            fn = index.get(name)
    return fn


def _lambda_failure(exc: BaseException, compact: bool) -> TaskFailed:
    if isinstance(exc, LambdaFunctionError):
        err = exc
    else:
        err = LambdaFunctionError(
            type(exc).__name__,
            str(exc),
            traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]),
        )
    doc = {
        "errorMessage": err.error_message,
        "errorType": err.error_type,
        "requestId": err.request_id or str(uuid.uuid4()),
        "stackTrace": err.stack_trace,
    }
    # The Python runtime prints its own error with json.dumps defaults; the Invoke API
    # integration re-serialises it compactly.
    cause = json.dumps(doc, separators=(",", ":")) if compact else json.dumps(doc)
    return TaskFailed(err.error_type, cause)


def lambda_failure(exc: BaseException) -> TaskFailed:
    """``exc`` as the Lambda runtime reports an unhandled error of a function."""
    return _lambda_failure(exc, compact=False)


class ResourceBinding:
    """A Task bound to a local callable (or to a set of them, for ``lambda:invoke``)."""

    __slots__ = (
        "_fn",
        "_index",
        "call_async",
        "call_plain",
        "call_sync",
        "label",
        "lambda_events",
        "resource",
    )

    def __init__(self, resource: str, fn: Resource | None, index: dict[str, Resource]) -> None:
        self.resource = resource
        self._fn = fn
        self._index = index
        self.lambda_events = _LAMBDA_ARN.match(resource) is not None
        self.label = "lambda" if resource.startswith(LAMBDA_INVOKE) else resource
        self.call_sync: Callable[[Any, TaskCall], Any] | None = None
        self.call_async: Callable[[Any], Awaitable[Any]] | None = None
        #: The plain function itself, for generated code: it calls it with the payload
        #: alone and words what it raises with ``failure``.
        self.call_plain: Callable[[Any], Any] | None = None
        if fn is not None and resource != LAMBDA_INVOKE:
            if _is_async(fn):
                # Awaited directly by the runtime (``failure`` words its exceptions): two
                # coroutine layers fewer per call for the common async function.
                self.call_async = fn
            else:
                self.call_sync = self._call_direct_sync
                self.call_plain = fn

    def failure(self, exc: Exception) -> StatesError:
        """How an exception raised by ``call_async`` or ``call_plain`` fails the task."""
        if isinstance(exc, StatesError):
            return exc
        if isinstance(exc, ExpressError) and not isinstance(exc, LambdaFunctionError):
            raise exc
        return _lambda_failure(exc, compact=False)

    def _call_direct_sync(self, payload: Any, call: TaskCall) -> Any:
        return self._call_plain(payload)

    def _call_plain(self, payload: Any) -> Any:
        assert self._fn is not None
        try:
            return self._fn(payload)
        except StatesError:
            raise
        except ExpressError as exc:
            if isinstance(exc, LambdaFunctionError):
                raise _lambda_failure(exc, compact=False) from None
            raise
        except Exception as exc:
            raise _lambda_failure(exc, compact=False) from None

    async def invoke(self, payload: Any, call: TaskCall) -> Any:
        if self.resource.startswith(LAMBDA_INVOKE):
            return await self._invoke_api(payload)
        fn = self._fn
        if fn is None:
            raise TaskFailed(
                "States.TaskFailed",
                f"No resource is registered for '{self.resource}'. Pass it in 'resources'.",
            )
        return await _call(fn, payload, compact=False)

    async def _invoke_api(self, params: Any) -> Any:
        if not isinstance(params, dict) or not isinstance(params.get("FunctionName"), str):
            raise TaskFailed(
                "States.Runtime" if params is None else "Lambda.InvalidParameterValueException",
                "The field 'FunctionName' is required by arn:aws:states:::lambda:invoke.",
            )
        name = params["FunctionName"]
        fn = _lookup(self._index, name)
        request_id = str(uuid.uuid4())
        if fn is None:
            arn = (
                name
                if name.startswith("arn:")
                else (f"arn:aws:lambda:us-east-1:000000000000:function:{name}")
            )
            raise TaskFailed(
                "Lambda.ResourceNotFoundException",
                f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: "
                f"ResourceNotFoundException; Request ID: {request_id}; Proxy: null)",
            )
        payload = params.get("Payload")
        if isinstance(payload, str):
            # The Invoke API takes the payload as JSON text.
            with contextlib.suppress(ValueError):
                payload = json.loads(payload)
        result = await _call(fn, payload, compact=True)
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": result,
            "SdkHttpMetadata": {
                "AllHttpHeaders": {"X-Amz-Executed-Version": ["$LATEST"]},
                "HttpHeaders": {"X-Amz-Executed-Version": "$LATEST"},
                "HttpStatusCode": 200,
            },
            "SdkResponseMetadata": {"RequestId": request_id},
            "StatusCode": 200,
        }


def _is_async(fn: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004
    )


async def _call(fn: Resource, payload: Any, *, compact: bool) -> Any:
    try:
        result = fn(payload)
        if inspect.isawaitable(result):
            result = await result
        return result
    except StatesError:
        raise
    except LambdaFunctionError as exc:
        raise _lambda_failure(exc, compact) from None
    except Exception as exc:
        raise _lambda_failure(exc, compact) from None


def local_resolver(
    resources: Mapping[str, Resource] | None,
) -> Callable[[str, dict[str, Any]], ResourceBinding]:
    """A resolver for the compiler over ``resources`` (indexed once)."""
    index = _index(resources or {})

    def resolve(resource: str, node: dict[str, Any]) -> ResourceBinding:
        return ResourceBinding(resource, _lookup(index, resource), index)

    return resolve
