"""Choosing each Task state's binding at compile time, and the adapters that serve them.

Order of precedence, per Task state:

1. a mocked response, when the state machine has a mock config whose test cases name the
   state (the real binding below is kept for executions that do not mock it);
2. what ``resources`` registers for the resource: a callable (or, for ``lambda:invoke``,
   the callable of the function named at run time) gets the sync fast path of
   ``express.tasks.local``; an object with ``invoke(payload, call)`` is used as the
   binding itself (a custom adapter, see ``_base.TaskBinding``);
3. ``arn:aws:states:::http:invoke`` -> the HTTP adapter; a Lambda function ARN or
   ``lambda:invoke`` -> the Lambda endpoint, when one is configured;
4. otherwise the local binding, which fails the task saying that nothing is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from ._base import TaskBinding, TaskObserver, observed
from ._connections import Connections
from .http import HTTP_INVOKE, HttpAdapter
from .lambda_ import LambdaEndpoint, LambdaFunctionBinding, LambdaInvokeBinding
from .local import _LAMBDA_ARN, LAMBDA_INVOKE, Resource, ResourceBinding, _index, _lookup
from .mock import MockConfig, MockedBinding

__all__ = ["TaskAdapters", "build_resolver"]

Resolver = Callable[[str, dict[str, Any]], TaskBinding]


class TaskAdapters:
    """The remote adapters Task states may use; owns their pooled sessions.

    ``lambda_endpoint`` is a Lambda Invoke API base URL (or a ``LambdaEndpoint``);
    ``allow_hosts`` and ``connections`` configure the HTTP Task. Sessions open on first use;
    close them with ``await adapters.aclose()`` or ``async with adapters:``.
    """

    def __init__(
        self,
        *,
        lambda_endpoint: str | LambdaEndpoint | None = None,
        allow_hosts: Iterable[str] = (),
        connections: Connections | str | Path | None = None,
        http: HttpAdapter | None = None,
    ) -> None:
        self.lambda_endpoint = (
            LambdaEndpoint(lambda_endpoint) if isinstance(lambda_endpoint, str) else lambda_endpoint
        )
        if http is None:
            http = HttpAdapter(allow_hosts=allow_hosts, connections=connections)
        self.http = http

    async def aclose(self) -> None:
        await self.http.aclose()
        if self.lambda_endpoint is not None:
            await self.lambda_endpoint.aclose()

    async def __aenter__(self) -> TaskAdapters:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def task_states(definition: Mapping[str, Any]) -> dict[int, str]:
    """``id(state node) -> state name`` for every Task state, nested ones included."""
    found: dict[int, str] = {}
    scopes = [definition]
    while scopes:
        scope = scopes.pop()
        for name, node in (scope.get("States") or {}).items():
            if not isinstance(node, Mapping):
                continue
            if node.get("Type") == "Task":
                found[id(node)] = name
            scopes.extend(b for b in node.get("Branches") or () if isinstance(b, Mapping))
            for key in ("ItemProcessor", "Iterator"):
                if isinstance(node.get(key), Mapping):
                    scopes.append(node[key])
    return found


def build_resolver(
    definition: Mapping[str, Any],
    resources: Mapping[str, Resource] | None,
    *,
    adapters: TaskAdapters,
    machine_name: str,
    mock_config: MockConfig | None = None,
    observer: TaskObserver | None = None,
) -> Resolver:
    """The compiler's resolver for ``definition`` (indexes and checks everything once)."""
    index = _index(resources or {})
    names = task_states(definition)
    mocked: set[str] = set()
    if mock_config is not None:
        mock_config.check_states(machine_name, set(names.values()))
        mocked = mock_config.mocked_states(machine_name)

    def real(resource: str) -> TaskBinding:
        fn: Any = _lookup(index, resource)
        if fn is not None and not callable(fn) and hasattr(fn, "invoke"):
            return observed(fn, "custom", observer)  # an adapter object of your own
        endpoint = adapters.lambda_endpoint
        if fn is None and resource == HTTP_INVOKE:
            return observed(adapters.http, "http", observer)
        if endpoint is not None and fn is None and _LAMBDA_ARN.match(resource):
            return observed(LambdaFunctionBinding(resource, endpoint), "lambda", observer)
        if endpoint is not None and resource.startswith(LAMBDA_INVOKE):
            return observed(LambdaInvokeBinding(resource, index, endpoint), "lambda", observer)
        return observed(ResourceBinding(resource, fn, index), "python", observer)

    def resolve(resource: str, node: dict[str, Any]) -> TaskBinding:
        binding = real(resource)
        state = names.get(id(node))
        if state is not None and state in mocked:
            return MockedBinding(machine_name, state, binding)
        return binding

    return resolve
