"""The aiohttp application: the awsJson1_0 dispatcher, ``/metrics``, ``/healthz``, ``/readyz``.

Every API call is ``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Operation>`` and a
JSON body; answers are JSON with ``Content-Type: application/x-amz-json-1.0``, errors
are HTTP 400 with ``{"__type": <code>, "message": <text>}`` (botocore reads both). Any
``Host`` is accepted, so clients that keep the ``sync-`` host prefix of
StartSyncExecution and TestState still reach the server when that name resolves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from express.errors import ApiError

from . import _errors, _ops_executions, _ops_machines, _ops_test
from ._api import Api, new_id
from ._peers import LOCAL_HEADER, Peers

__all__ = ["API_KEY", "OPERATIONS", "Server", "create_app", "make_socket"]

log = logging.getLogger("express.server")

CONTENT_TYPE = "application/x-amz-json-1.0"
_PREFIX = "AWSStepFunctions."
OPERATIONS: dict[str, Any] = {**_ops_machines.OPS, **_ops_executions.OPS, **_ops_test.OPS}
#: Operations on one execution: answered by the worker that ran it.
_FORWARDED = frozenset(
    {
        "DescribeExecution",
        "GetExecutionHistory",
        "StopExecution",
        "DescribeStateMachineForExecution",
    }
)
#: Definitions may be 1,048,576 characters, up to 4 bytes each once encoded (and escaped).
MAX_BODY = 8 * 1024 * 1024

API_KEY = web.AppKey("api", Api)


def _error(err: ApiError) -> web.Response:
    body = orjson.dumps({"__type": err.type, "message": err.message})
    return web.Response(
        status=err.status,
        body=body,
        content_type=CONTENT_TYPE,
        headers={"x-amzn-RequestId": new_id(), "X-Amzn-Errortype": err.type},
    )


def create_app(api: Api) -> web.Application:
    """The application of one worker, bound to its ``Api``."""
    metrics = api.metrics
    count = metrics.api

    async def dispatch(request: web.Request) -> web.Response:
        target = request.headers.get("X-Amz-Target", "")
        name = target[len(_PREFIX) :] if target.startswith(_PREFIX) else ""
        op = OPERATIONS.get(name)
        if op is None:
            count("unknown", "UnknownOperationException")
            return _error(_errors.unknown_operation(target))
        body = await request.read()
        try:
            payload = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError as exc:
            payload = exc
        if not isinstance(payload, dict):
            count(name, "SerializationException")
            return _error(_errors.serialization("Request body is not a JSON object"))
        local = LOCAL_HEADER in request.headers
        try:
            result = await op(api, payload)
        except ApiError as err:
            peers = api.peers
            if (
                peers is not None
                and not local
                and name in _FORWARDED
                and (err.type == "ExecutionDoesNotExist")
            ):
                answer = await peers.first(name, body)
                if answer is not None:
                    count(name, "OK")
                    return web.Response(body=answer, content_type=CONTENT_TYPE)
            count(name, err.type)
            return _error(err)
        except Exception:
            log.exception("%s failed", name)
            count(name, "InternalFailure")
            return _error(ApiError("InternalFailure", "An internal error occurred", 500))
        if name == "ListExecutions" and api.peers is not None and not local:
            pages = [result, *await api.peers.gather(name, body)]
            size = payload.get("maxResults") or _ops_executions.DEFAULT_PAGE
            result = _ops_executions.merge_pages(pages, size)
        count(name, "OK")
        return web.Response(
            body=orjson.dumps(result),
            content_type=CONTENT_TYPE,
            headers={"x-amzn-RequestId": new_id()},
        )

    async def scrape(request: web.Request) -> web.Response:
        data, content_type = metrics.expose(request.headers.get("Accept"))
        # Content types carry parameters (version, charset): set the header whole.
        return web.Response(body=data, headers={"Content-Type": content_type})

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(request: web.Request) -> web.Response:
        if api.draining:
            return web.Response(status=503, text="draining\n")
        return web.Response(text="ready\n")

    async def loop_lag(app: web.Application) -> AsyncIterator[None]:
        from express.metrics import watch_loop_lag

        task = asyncio.get_running_loop().create_task(watch_loop_lag(metrics))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app = web.Application(client_max_size=MAX_BODY)
    app[API_KEY] = api
    app.router.add_post("/", dispatch)
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.cleanup_ctx.append(loop_lag)
    return app


def make_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket; with ``reuse_port`` several processes share the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class Server:
    """One worker: the app on a TCP socket (and a Unix socket for its peers)."""

    def __init__(
        self,
        api: Api,
        sock: socket.socket,
        *,
        unix_path: str | None = None,
        peer_paths: list[str] | None = None,
    ) -> None:
        self.api = api
        self.sock = sock
        self.unix_path = unix_path
        if peer_paths:
            api.peers = Peers(peer_paths)
        self._runner: web.AppRunner | None = None
        self._sites: list[web.BaseSite] = []
        self._drain: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    async def start(self) -> None:
        runner = web.AppRunner(
            create_app(self.api),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=5.0,
        )
        await runner.setup()
        self._runner = runner
        self._sites.append(web.SockSite(runner, self.sock))
        if self.unix_path is not None:
            self._sites.append(web.UnixSite(runner, self.unix_path))
        for site in self._sites:
            await site.start()

    async def drain(self, timeout: float | None = None) -> None:
        """Stop taking connections, let executions finish (abort them after ``timeout``).

        Calling it again waits for the first drain to end.
        """
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._drain_once(timeout))
        await asyncio.shield(self._drain)

    async def _drain_once(self, timeout: float | None) -> None:
        api = self.api
        api.draining = True
        for site in self._sites[:1]:  # the TCP listener; peers may still ask this worker
            await site.stop()
        limit = api.config.drain_timeout if timeout is None else timeout
        if not await api.admission.wait_idle(limit):
            tasks = [r.task for r in api.store.running() if r.task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        if api.peers is not None:
            await api.peers.close()
        await api.aclose()
