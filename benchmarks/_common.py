"""Shared pieces of the benchmarks: workloads, the floor, timing loops, formatting."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

import express

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def load_floor() -> ModuleType:
    """``../shared/bench/floor.py``, the hand-written floors, imported by path."""
    path = SHARED_BENCH / "floor.py"
    if not path.exists():
        sys.exit(f"{path} not found: the shared benchmark workloads must sit beside this clone")
    sys.path.insert(0, str(SHARED_BENCH))
    spec = importlib.util.spec_from_file_location("floor", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_workloads() -> list[dict[str, Any]]:
    return [
        orjson.loads(p.read_bytes()) for p in sorted((SHARED_BENCH / "workloads").glob("*.json"))
    ]


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def resource(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """A benchmark resource behaviour as a callable (README of ../shared/bench)."""
    kind = spec.get("behavior")
    if kind == "identity":
        return lambda payload: payload
    if kind == "sleep":
        seconds = spec.get("ms", 5) / 1000

        async def sleep(payload: Any) -> Any:
            await asyncio.sleep(seconds)
            return payload

        return sleep
    if kind == "fail":
        error = spec.get("error", "States.TaskFailed")
        cause = spec.get("cause", "")

        def fail(payload: Any) -> Any:
            raise express.TaskFailed(error, cause)

        return fail
    raise ValueError(f"unknown behaviour {kind!r}")


def machine_for(w: dict[str, Any]) -> express.StateMachine:
    resources = {arn: resource(spec) for arn, spec in w.get("resources", {}).items()}
    return express.StateMachine(w["definition"], resources, name=w["name"])


def strip(obj: Any, paths: list[str]) -> Any:
    if not paths or not isinstance(obj, dict):
        return obj
    obj = orjson.loads(orjson.dumps(obj))
    for p in paths:
        parts = p.lstrip("$").strip(".").split(".")
        cur = obj
        for k in parts[:-1]:
            cur = cur.get(k, {}) if isinstance(cur, dict) else {}
        if isinstance(cur, dict):
            cur.pop(parts[-1], None)
    return obj


def check_output(
    w: dict[str, Any], machine: express.StateMachine, loop: asyncio.AbstractEventLoop
) -> None:
    """Refuse to time a wrong answer: output and states entered must be AWS's."""
    result = loop.run_until_complete(machine.execute(w["input"], record_events=True))
    ignore = w.get("nondeterministic_output_paths", [])
    if result.status != "SUCCEEDED" or strip(result.output, ignore) != strip(
        w["expected_output"], ignore
    ):
        raise SystemExit(f"{w['name']}: wrong result {result.to_dict()!r:.400}")
    entered = sum(1 for e in result.events or () if e.type.endswith("StateEntered"))
    if entered != w.get("expected_transitions", entered):
        raise SystemExit(
            f"{w['name']}: {entered} states entered, expected {w['expected_transitions']}"
        )


def _calibrate(run: Callable[[int], int], target_s: float) -> int:
    n = 1
    while True:
        dt = run(n)
        if dt > target_s * 1e9 / 4 or n >= 1 << 22:
            return max(1, int(n * target_s * 1e9 / max(dt, 1)))
        n *= 2


def summarize(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def _batches(
    machine: express.StateMachine, inp: Any, loop: asyncio.AbstractEventLoop
) -> Callable[[int], int]:
    """``run(n)``: ns for ``n`` sequential ``await machine.execute(inp)`` on ``loop``."""

    async def batch(n: int) -> int:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            await machine.execute(inp)
        return time.perf_counter_ns() - t0

    def run(n: int) -> int:
        return loop.run_until_complete(batch(n))

    return run


def seq_ns_per_exec(
    machine: express.StateMachine,
    inp: Any,
    loop: asyncio.AbstractEventLoop,
    reps: int,
    target_s: float,
) -> dict[str, float]:
    """Sequential ``await machine.execute(inp)`` in a running loop: ns per execution."""

    run = _batches(machine, inp, loop)
    n = _calibrate(run, target_s)
    run(n)
    return summarize([run(n) / n for _ in range(reps)])


def paired_ns_per_exec(
    machine: express.StateMachine,
    inp: Any,
    loop: asyncio.AbstractEventLoop,
    floor_fn: Callable[[Any], Any],
    reps: int,
    target_s: float,
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """express and the floor timed in alternation, one batch of each per repetition:
    ``(express ns/exec, floor ns/exec, express ÷ floor per repetition)``. A shared
    machine's speed drifts; the ratio of two batches timed back to back does not."""

    run = _batches(machine, inp, loop)

    def run_floor(n: int) -> int:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            floor_fn(inp)
        return time.perf_counter_ns() - t0

    n = _calibrate(run, target_s / 2)
    nf = _calibrate(run_floor, target_s / 2)
    run(n)
    run_floor(nf)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(reps):
        ours.append(run(n) / n)
        theirs.append(run_floor(nf) / nf)
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return summarize(ours), summarize(theirs), summarize(ratios)


def time_sync(fn: Callable[[], Any], reps: int, target_s: float) -> dict[str, float]:
    def run(n: int) -> int:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        return time.perf_counter_ns() - t0

    n = _calibrate(run, target_s)
    run(n)
    return summarize([run(n) / n for _ in range(reps)])


def _inflight_runner(
    call: Callable[[], Any], loop: asyncio.AbstractEventLoop, n: int, total: int
) -> Callable[[], float]:
    """``run()``: executions/s of ``total`` calls of ``call``, ``n`` of them in flight."""

    async def go() -> int:
        it = iter(range(total))

        async def worker() -> None:
            for _ in it:
                await call()

        t0 = time.perf_counter_ns()
        await asyncio.gather(*[worker() for _ in range(n)])
        return time.perf_counter_ns() - t0

    return lambda: total / (loop.run_until_complete(go()) / 1e9)


def inflight_sweep(
    machine: express.StateMachine, inp: Any, floor: ModuleType, args: Any
) -> list[dict[str, Any]]:
    """Executions/s with N executions in flight, express and the floor, per loop: the two
    run in alternation, and the ratio is the median of the per-repetition ratios."""
    out = []
    for kind in ("uvloop", "asyncio"):
        loop = new_loop(kind)
        try:
            for n in (int(x) for x in args.inflight.split(",") if x):
                total = max(n * (8 if n <= 1000 else 3), 400)
                reps = max(3, args.reps // 2)
                ours = _inflight_runner(lambda: machine.execute(inp), loop, n, total)
                theirs = _inflight_runner(lambda: floor.task_io(inp), loop, n, total)
                ours()
                theirs()
                ex: list[float] = []
                fl: list[float] = []
                for _ in range(reps):
                    ex.append(ours())
                    fl.append(theirs())
                ratio = statistics.median(a / b for a, b in zip(ex, fl, strict=True))
                out.append(
                    {
                        "n": n,
                        "loop": kind,
                        "express": statistics.median(ex),
                        "floor": statistics.median(fl),
                        "ratio": ratio,
                    }
                )
                ours_rate = fmt_rate(out[-1]["express"])
                print(
                    f"task_io in flight {n:>6} {kind:8s} express {ours_rate:>7s}/s "
                    f"floor {fmt_rate(out[-1]['floor']):>7s}/s ratio {ratio:.0%}",
                    file=sys.stderr,
                )
        finally:
            loop.close()
    return out


def fmt_rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}" if x >= 10 else f"{x:.2f}"


def env_info() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "express": express.__version__,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def scaling_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| scenario | size | time | per unit | peak RSS growth |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['size']:,} | {r['seconds'] * 1e3:.1f} ms | "
            f"{r['seconds'] / r['size'] * 1e6:.2f} µs | {r['rss_bytes'] / 1024 / 1024:.1f} MiB |"
        )
    return "\n".join(lines)
