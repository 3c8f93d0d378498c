"""The other workers of a multi-process server, reached over their Unix sockets.

Connections are spread over the workers by the kernel (SO_REUSEPORT), but an execution
lives in the worker that runs it. A worker that does not know an execution asks its
peers (DescribeExecution, GetExecutionHistory, StopExecution,
DescribeStateMachineForExecution), and ListExecutions gathers one page from every
worker. A forwarded request carries ``X-Express-Local`` so that it is never forwarded on.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

__all__ = ["LOCAL_HEADER", "Peers"]

LOCAL_HEADER = "X-Express-Local"
_TIMEOUT = aiohttp.ClientTimeout(total=10)


class Peers:
    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    def _session(self, path: str) -> aiohttp.ClientSession:
        session = self._sessions.get(path)
        if session is None:
            session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=path), timeout=_TIMEOUT
            )
            self._sessions[path] = session
        return session

    async def _call(self, path: str, op: str, body: bytes) -> tuple[int, bytes] | None:
        headers = {
            "X-Amz-Target": f"AWSStepFunctions.{op}",
            "Content-Type": "application/x-amz-json-1.0",
            LOCAL_HEADER: "1",
        }
        try:
            async with self._session(path).post("http://peer/", data=body, headers=headers) as r:
                return r.status, await r.read()
        except (aiohttp.ClientError, OSError, TimeoutError):
            return None  # a peer starting or stopping knows nothing worth waiting for

    async def first(self, op: str, body: bytes) -> bytes | None:
        """The first successful answer of a peer, if any peer knows the resource."""
        answers = await asyncio.gather(*(self._call(p, op, body) for p in self.paths))
        for answer in answers:
            if answer is not None and answer[0] == 200:
                return answer[1]
        return None

    async def gather(self, op: str, body: bytes) -> list[dict[str, Any]]:
        """The successful answers of every peer."""
        answers = await asyncio.gather(*(self._call(p, op, body) for p in self.paths))
        return [orjson.loads(a[1]) for a in answers if a is not None and a[0] == 200]

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()
