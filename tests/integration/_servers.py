"""Real local servers for the adapter tests (not a test module).

``api_app()`` plays a third-party HTTP API, ``lambda_app()`` the Lambda Invoke API
(``POST /2015-03-31/functions/{name}/invocations``). Both record what they received in
``app[SEEN]``. ``running(app)`` serves an app on 127.0.0.1 from the test's own loop;
``threaded(app)`` serves it from a thread, for tests that run the CLI in a subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

SEEN = web.AppKey("seen", list)
RELEASE = web.AppKey("release", asyncio.Event)
COUNTS = web.AppKey("counts", dict)


def _record(request: web.Request, body: bytes) -> dict[str, Any]:
    entry = {
        "method": request.method,
        "path": request.path,
        "query": list(request.query.items()),
        "headers": dict(request.headers),
        "body": body.decode(),
    }
    request.app[SEEN].append(entry)
    return entry


def _base() -> web.Application:
    app = web.Application()
    app[SEEN] = []
    app[COUNTS] = {}
    app.on_startup.append(_make_release)
    app.on_shutdown.append(_release)
    return app


async def _make_release(app: web.Application) -> None:
    app[RELEASE] = asyncio.Event()


async def _release(app: web.Application) -> None:
    app[RELEASE].set()  # unblock handlers that never answer, so shutdown is quick


def api_app() -> web.Application:
    app = _base()

    async def echo(request: web.Request) -> web.Response:
        entry = _record(request, await request.read())
        return web.json_response(entry)

    async def status(request: web.Request) -> web.Response:
        await request.read()
        code = int(request.match_info["code"])
        return web.json_response({"message": f"status {code}"}, status=code)

    async def flaky(request: web.Request) -> web.Response:
        # 503 until the given number of calls has been made, then 200.
        key = request.match_info["key"]
        n = request.app[COUNTS][key] = request.app[COUNTS].get(key, 0) + 1
        if n <= int(request.query.get("fail", "2")):
            return web.json_response({"attempt": n}, status=503)
        return web.json_response({"attempt": n})

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="plain words", content_type="text/plain")

    async def big(request: web.Request) -> web.Response:
        return web.Response(text="x" * 300_000, content_type="text/plain")

    async def redirect(request: web.Request) -> web.Response:
        _record(request, await request.read())
        raise web.HTTPFound(request.query["to"])

    async def never(request: web.Request) -> web.Response:
        await request.app[RELEASE].wait()
        return web.Response(text="too late")

    async def token(request: web.Request) -> web.Response:
        entry = _record(request, await request.read())
        auth = entry["headers"].get("Authorization", "")
        if auth != "Basic " + base64.b64encode(b"client:s3cret").decode():
            return web.json_response({"error": "invalid_client"}, status=401)
        n = request.app[COUNTS]["token"] = request.app[COUNTS].get("token", 0) + 1
        return web.json_response({"access_token": f"tok-{n}", "expires_in": 3600})

    app.router.add_route("*", "/echo", echo)
    app.router.add_route("*", "/status/{code}", status)
    app.router.add_get("/flaky/{key}", flaky)
    app.router.add_get("/text", text)
    app.router.add_get("/big", big)
    app.router.add_route("*", "/redirect", redirect)
    app.router.add_get("/never", never)
    app.router.add_post("/oauth/token", token)
    return app


def lambda_error(error_type: str, message: str) -> dict[str, Any]:
    """The error document of the Lambda Python runtime."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "11111111-2222-4333-8444-555555555555",
        "stackTrace": ['  File "/var/task/app.py", line 3, in handler\n    raise ValueError(m)\n'],
    }


def lambda_app() -> web.Application:
    app = _base()

    async def invoke(request: web.Request) -> web.Response:
        entry = _record(request, await request.read())
        # AWS accepts a name, a partial ARN or an ARN, with a qualifier or not.
        name = request.match_info["name"].rsplit(":function:", 1)[-1].split(":")[0]
        headers = {"x-amzn-RequestId": "req-0001", "X-Amz-Executed-Version": "$LATEST"}
        if request.headers.get("X-Amz-Invocation-Type") == "Event":
            return web.Response(status=202, headers={"x-amzn-RequestId": "req-0001"})
        payload = json.loads(entry["body"]) if entry["body"] else None
        if name in ("echo", "function"):
            return web.json_response(payload, headers=headers)
        if name == "greet":
            return web.json_response(f"Hello, {payload['name']}!", headers=headers)
        if name == "fail":
            body = json.dumps(lambda_error("ValueError", "bad input"))  # the runtime's spacing
            return web.Response(text=body, headers={**headers, "X-Amz-Function-Error": "Unhandled"})
        if name == "crash":  # no errorType: the runtime died (timeout, out of memory)
            return web.Response(
                text='{"errorMessage":"Task timed out after 3.00 seconds"}',
                headers={**headers, "X-Amz-Function-Error": "Unhandled"},
            )
        if name == "busy":
            n = request.app[COUNTS]["busy"] = request.app[COUNTS].get("busy", 0) + 1
            if n <= 2:
                return web.json_response(
                    {
                        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                        "Type": "User",
                        "message": "Rate Exceeded.",
                    },
                    status=429,
                    headers={
                        "x-amzn-ErrorType": "TooManyRequestsException",
                        "x-amzn-RequestId": "req-0002",
                    },
                )
            return web.json_response({"attempt": n}, headers=headers)
        if name == "slow":
            await request.app[RELEASE].wait()
            return web.json_response(None, headers=headers)
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        return web.json_response(
            {"Type": "User", "Message": f"Function not found: {arn}"},
            status=404,
            headers={
                "x-amzn-ErrorType": "ResourceNotFoundException",
                "x-amzn-RequestId": "req-0404",
            },
        )

    app.router.add_post("/2015-03-31/functions/{name}/invocations", invoke)
    return app


@asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[TestServer]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@contextmanager
def threaded(app: web.Application) -> Iterator[str]:
    """Serve ``app`` from a thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner = web.AppRunner(app)
    port = free_port()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
