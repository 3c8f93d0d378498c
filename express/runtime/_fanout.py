"""Parallel and Map: bounded fan-out by pulling, fail-fast, results in input order.

A Map with MaxConcurrency k runs k workers that pull items from one iterator; a chain
that never awaits runs its items one after the other with no task at all. Parallel
branches that await run as tasks; the first failing branch cancels its siblings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator, Iterator
from typing import Any

from express.compiler._io import UNKNOWN_SIZE
from express.compiler._paths import PathError
from express.compiler._payload import dumps_compact
from express.compiler._states import Chain, MapState, ParallelState
from express.errors import ErrorName, StatesError

from ._execution import Budget, resume, run_chain, run_pure
from ._frame import Frame

__all__ = [
    "INLINE_MAP_LIMIT",
    "Resumed",
    "abandon_tasks",
    "bounded",
    "join_tasks",
    "resumed",
    "run_branches",
    "run_map",
    "run_parallel",
    "run_parallel_fast",
]

#: AWS runs at most 40 iterations of an inline Map at a time.
INLINE_MAP_LIMIT = 40


async def _fail_fast(coros: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Run ``coros`` concurrently; on the first failure cancel the rest and re-raise."""
    return await join_tasks([asyncio.ensure_future(c) for c in coros])


async def join_tasks(tasks: list[asyncio.Future[Any]]) -> list[Any]:
    """Wait for ``tasks``; on the first failure cancel the rest and re-raise."""
    try:
        _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        await abandon_tasks(tasks)
        raise
    failed = next((t for t in tasks if t.done() and t.exception() is not None), None)
    if failed is not None:
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.wait(pending)
        for t in tasks:  # retrieve every outcome: no "exception was never retrieved"
            if not t.cancelled():
                t.exception()
        exc = failed.exception()
        assert exc is not None
        raise exc
    return [t.result() for t in tasks]


async def abandon_tasks(tasks: list[asyncio.Future[Any]]) -> None:
    for t in tasks:
        t.cancel()
    # Let them unwind (MapIterationAborted, user finally blocks) before we report.
    await asyncio.gather(*tasks, return_exceptions=True)


class Resumed:
    """Awaiting this drives ``coro`` on from where it first suspended, having yielded
    ``first``: a coroutine started eagerly becomes a task only if it has to wait."""

    __slots__ = ("coro", "first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self.coro = coro
        self.first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self.coro, self.first
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def resumed(coro: Coroutine[Any, Any, Any], first: Any) -> Any:
    return await Resumed(coro, first)


async def bounded(frame: Frame, chain: Chain, stop: Budget) -> tuple[Any, int]:
    """``resume`` for a branch: its output and an unknown size bound."""
    return await resume(frame, chain, stop), UNKNOWN_SIZE


async def run_branches(
    branches: tuple[Chain, ...], eff: Any, frame: Frame, size: int
) -> tuple[list[Any], int]:
    """Parallel branches by their generated code: ``(outputs, size bound)``.

    Each branch starts at once, in order; one that has to wait (an awaited resource, a
    retry's back-off) goes on as a task, so waits overlap but a branch that never waits
    costs no task. The first failure cancels the branches still running.
    """
    results: list[Any] = [None] * len(branches)
    total = len(branches) + 1
    waiting: list[tuple[int, asyncio.Future[Any]]] = []
    try:
        for i, chain in enumerate(branches):
            child = frame.child()
            fast = chain.fast
            if chain.sync:
                try:
                    out, bound = fast(child, eff, size)
                except Budget as stop:
                    waiting.append((i, asyncio.ensure_future(bounded(child, chain, stop))))
                    continue
            elif chain.waits:
                waiting.append((i, asyncio.ensure_future(fast(child, eff, size))))
                continue
            else:
                coro = fast(child, eff, size)
                try:
                    first = coro.send(None)
                except StopIteration as stop:
                    out, bound = stop.value
                else:
                    waiting.append((i, asyncio.ensure_future(resumed(coro, first))))
                    continue
            results[i] = out
            total += bound
    except BaseException:
        if waiting:
            await abandon_tasks([t for _, t in waiting])
        raise
    if waiting:
        outcomes = await join_tasks([t for _, t in waiting])
        for (i, _), (out, bound) in zip(waiting, outcomes, strict=True):
            results[i] = out
            total += bound
    return results, total


async def run_parallel_fast(
    st: ParallelState, eff: Any, frame: Frame, size: int
) -> tuple[list[Any], int]:
    """``run_parallel`` for an execution that records no events."""
    run = frame.run
    run.eid += 1  # ParallelStateStarted
    try:
        out = await run_branches(st.branches, eff, frame, size)
    except StatesError:
        run.eid += 1  # ParallelStateFailed
        raise
    run.eid += 1  # ParallelStateSucceeded
    return out


async def _branch(frame: Frame, chain: Chain, data: Any) -> Any:
    """One branch run in line: as a plain call when it is pure."""
    if chain.pure:
        try:
            return run_pure(frame, chain, data)
        except Budget as budget:
            await asyncio.sleep(0)
            return await run_chain(frame, chain, budget.data, budget.index)
    return await run_chain(frame, chain, data)


async def run_parallel(st: ParallelState, eff: Any, frame: Frame) -> list[Any]:
    if frame.run.events is None and all(b.fast is not None for b in st.branches):
        return (await run_parallel_fast(st, eff, frame, UNKNOWN_SIZE))[0]
    frame.event("ParallelStateStarted")
    try:
        if all(b.inline for b in st.branches):
            results = [await _branch(frame.child(), b, eff) for b in st.branches]
        else:
            results = await _fail_fast([run_chain(frame.child(), b, eff) for b in st.branches])
    except StatesError:
        frame.event("ParallelStateFailed")
        raise
    frame.event("ParallelStateSucceeded")
    return results


def _integer(st: MapState, value: Any, path: str | None, field: str, eff: Any, frame: Frame) -> Any:
    """A ``Field``/``FieldPath`` value; ``...Path`` values are checked as AWS checks them."""
    if path is None:
        return value
    try:
        got = value(eff, frame)
    except PathError as exc:
        raise StatesError(ErrorName.RUNTIME, f"Invalid path '{path}' : {exc.detail}") from None
    kind = "float" if field == "ToleratedFailurePercentage" else "integer"
    number: Any = got
    if isinstance(got, str):
        try:
            number = float(got) if kind == "float" else int(got)
        except ValueError:
            number = None
    if (
        isinstance(number, bool)
        or not isinstance(number, int | float)
        or (kind == "integer" and isinstance(number, float) and not number.is_integer())
    ):
        shown = got if isinstance(got, str) else dumps_compact(got)
        raise StatesError(
            ErrorName.RUNTIME,
            f'The {field}Path field refers to value "{shown}" which is not a valid {kind}: {path}',
        )
    return number


def _items(st: MapState, eff: Any, frame: Frame) -> list[Any]:
    try:
        items = st.items(eff, frame) if st.items is not None else eff
    except PathError:
        raise StatesError(
            ErrorName.RUNTIME,
            f"The JSONPath '{st.items_path}' specified for the field 'ItemsPath' could not be "
            f"found in the input '{dumps_compact(eff)}'",
        ) from None
    if isinstance(items, list):
        return items
    raise StatesError(
        ErrorName.RUNTIME,
        f"Map state input must be an array but was: {dumps_compact(items)}",
    )


def _batch_limit(spec: dict[str, Any], field: str, eff: Any, frame: Frame) -> int | None:
    value = spec.get(field)
    path = spec.get(field + "Path")
    if path is not None:
        from express.compiler._paths import compile_path

        try:
            value = compile_path(path)(eff, frame)
        except PathError as exc:
            raise StatesError(ErrorName.RUNTIME, f"Invalid path '{path}' : {exc.detail}") from None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        shown = value if isinstance(value, str) else dumps_compact(value)
        raise StatesError(
            ErrorName.RUNTIME,
            f'The {field}Path field refers to value "{shown}" which is not a valid integer: {path}',
        )
    return value


def _batches(st: MapState, items: list[Any], eff: Any, frame: Frame) -> list[Any]:
    spec = st.batcher
    assert spec is not None
    max_items = _batch_limit(spec, "MaxItemsPerBatch", eff, frame)
    max_bytes = _batch_limit(spec, "MaxInputBytesPerBatch", eff, frame)
    batch_input = spec.get("BatchInput")
    out: list[Any] = []
    current: list[Any] = []
    size = 0
    for item in items:
        item_size = len(dumps_compact(item).encode())
        full = (max_items and len(current) >= max_items) or (
            max_bytes and current and size + item_size > max_bytes
        )
        if full:
            out.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        out.append(current)
    return [
        ({"BatchInput": batch_input, "Items": b} if batch_input is not None else {"Items": b})
        for b in out
    ]


async def run_map(st: MapState, eff: Any, frame: Frame) -> list[Any]:
    items = _items(st, eff, frame)
    limit = _integer(st, st.max_concurrency, st.max_concurrency_path, "MaxConcurrency", eff, frame)
    if limit < 0:
        raise StatesError(
            ErrorName.RUNTIME,
            f"Expected non-negative integer for MaxConcurrency, got '{limit}' instead.",
        )
    if st.batcher is not None:
        items = _batches(st, items, eff, frame)
    frame.event("MapStateStarted", {"length": len(items)} if frame.run.events is not None else None)
    count = _integer(
        st, st.tolerated_count, st.tolerated_count_path, "ToleratedFailureCount", eff, frame
    )
    pct = _integer(
        st,
        st.tolerated_percentage,
        st.tolerated_percentage_path,
        "ToleratedFailurePercentage",
        eff,
        frame,
    )
    if pct is not None and not 0 <= pct <= 100:
        raise StatesError(
            ErrorName.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100."
        )
    if count is not None and count < 0:
        raise StatesError(ErrorName.RUNTIME, "ToleratedFailureCount cannot be negative.")
    runner = _MapRun(st, eff, frame, items, count, pct)
    try:
        if st.distributed:
            frame.event("MapRunStarted")
            saved = frame.run.eid
            try:
                results = await runner.run(int(limit or 0))
            finally:
                # Child executions of a Map Run keep their own histories.
                frame.run.eid = saved
            frame.event("MapRunSucceeded")
        else:
            results = await runner.run(int(limit or 0))
    except StatesError:
        if st.distributed:
            frame.event("MapRunFailed")
        frame.event("MapStateFailed")
        raise
    frame.event("MapStateSucceeded")
    return results


class _MapRun:
    __slots__ = ("count", "eff", "failures", "frame", "items", "pct", "results", "st")

    def __init__(
        self, st: MapState, eff: Any, frame: Frame, items: list[Any], count: Any, pct: Any
    ) -> None:
        self.st = st
        self.eff = eff
        self.frame = frame
        self.items = items
        self.count = count
        self.pct = pct
        self.failures = 0
        self.results: list[Any] = [None] * len(items)

    async def run(self, limit: int) -> list[Any]:
        processor = self.st.processor
        assert processor is not None
        n = len(self.items)
        if processor.inline or n <= 1:
            for i in range(n):
                await self._one(processor, i)
            return self.results
        width = min(limit or INLINE_MAP_LIMIT, INLINE_MAP_LIMIT, n)
        indexes = iter(range(n))
        await _fail_fast([self._worker(processor, indexes) for _ in range(width)])
        return self.results

    async def _worker(self, processor: Chain, indexes: Iterator[int]) -> None:
        for i in indexes:
            await self._one(processor, i)

    async def _one(self, processor: Chain, i: int) -> None:
        st, frame = self.st, self.frame
        value = self.items[i]
        child = frame.child((i, value, None))
        child.state = frame.state
        child.entered_time = frame.entered_time
        child.last_event = frame.last_event
        data = st.selector(self.eff, child) if st.selector is not None else value
        if st.distributed and child.variables:
            # A Distributed Map's iterations cannot read outer variables (its ItemSelector,
            # evaluated by the Map state itself, can).
            child.variables = {}
        run = frame.run
        fast = processor.fast
        if run.events is None and fast is not None:
            run.eid += 1  # MapIterationStarted
            try:
                if processor.sync:
                    try:
                        self.results[i] = fast(child, data, UNKNOWN_SIZE)[0]
                    except Budget as stop:
                        self.results[i] = await resume(child, processor, stop)
                else:
                    self.results[i] = (await fast(child, data, UNKNOWN_SIZE))[0]
            except StatesError as err:
                run.eid += 1  # MapIterationFailed
                self._failed(err)
                self.results[i] = None
                return
            except asyncio.CancelledError:
                run.eid += 1  # MapIterationAborted
                raise
            run.eid += 1  # MapIterationSucceeded
            return
        details = {"index": i, "name": st.name}
        child.event("MapIterationStarted", details)
        try:
            self.results[i] = await run_chain(child, processor, data)
        except StatesError as err:
            child.event("MapIterationFailed", details)
            self._failed(err)
            self.results[i] = None
            return
        except asyncio.CancelledError:
            child.event("MapIterationAborted", details)
            raise
        child.event("MapIterationSucceeded", details)

    def _failed(self, err: StatesError) -> None:
        self.failures += 1
        if err.terminal or (self.count is None and self.pct is None):
            raise err
        n = len(self.items)
        over_count = self.count is not None and self.failures > self.count
        over_pct = self.pct is not None and self.failures * 100.0 / n > self.pct
        if over_count or over_pct:
            exceeded = StatesError(
                ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
            )
            exceeded.located = True
            raise exceeded
