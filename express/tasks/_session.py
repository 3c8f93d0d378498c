"""One pooled ``aiohttp.ClientSession`` per adapter, created lazily on the running loop.

An adapter is built when a state machine is compiled, often before any loop runs, so its
session is made on first use; from then on the adapter belongs to that loop (a session
cannot move between loops). ``aclose()`` closes it; using the adapter again afterwards
opens a fresh one. An adapter whose loop ended without ``aclose()`` starts over on the
next loop rather than failing (its pooled sockets are lost with the old loop, and Python
warns about them: close adapters before their loop ends).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import aiohttp

__all__ = ["PooledSession"]


class PooledSession:
    __slots__ = ("_factory", "_loop", "_session")

    def __init__(self, factory: Callable[[], aiohttp.ClientSession]) -> None:
        self._factory = factory
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession:
        session = self._session
        loop = asyncio.get_running_loop()
        old_loop = self._loop
        if session is not None and old_loop is not loop and old_loop and old_loop.is_closed():
            # Left open by a finished ``asyncio.run`` (the owner should have closed it):
            # its sockets died with that loop, so start over rather than refuse.
            _abandon(session)
            session = None
        if session is None or session.closed:
            session = self._session = self._factory()
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(
                "this adapter's HTTP session belongs to another event loop: "
                "close it (await adapter.aclose()) before using it from a new loop"
            )
        return session

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


def _abandon(session: aiohttp.ClientSession) -> None:
    connector = session.connector
    session.detach()
    if connector is not None:
        with contextlib.suppress(Exception):
            connector._close()  # a closed loop: closes nothing, marks the pool closed
