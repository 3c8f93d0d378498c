"""express benchmarks: every shared workload, side by side with the hand-written floor.

    python -m benchmarks.run [--only NAME,...] [--reps 9] [--json FILE] [--quick]
                             [--inflight 1,10,100,1000,10000] [--no-memory] [--moto]

For each workload of ../shared/bench/workloads, each in a process of its own:
executions/s and transitions/s measured through the public API (``await
machine.execute(input)`` on a running uvloop loop, the machine compiled beforehand),
p50/p99 latency of one execution, and the floor's time
(``../shared/bench/floor.py``) measured in the same run, reported as ``express ÷ floor``.
I/O-bound workloads get a sweep of executions in flight on uvloop and asyncio. Every
workload's output is checked against its ``expected_output`` before it is timed.
``--moto`` adds moto 5.2.5's Step Functions (LocalStack's interpreter) on the workloads
it can run without Docker.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks import _common as common
from benchmarks._memory import parked_rss
from benchmarks._moto import moto_row
from benchmarks._scaling import scaling

RESULTS = Path(__file__).with_name("results")


def _latency(machine: Any, inp: Any, loop: asyncio.AbstractEventLoop, n: int) -> dict[str, float]:
    async def go() -> list[int]:
        out = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            await machine.execute(inp)
            out.append(time.perf_counter_ns() - t0)
        return out

    samples = sorted(loop.run_until_complete(go()))
    return {
        "p50_us": samples[len(samples) // 2] / 1e3,
        "p99_us": samples[min(len(samples) - 1, int(len(samples) * 0.99))] / 1e3,
    }


def bench_workload(w: dict[str, Any], args: argparse.Namespace, floor: Any) -> dict[str, Any]:
    name = w["name"]
    inp = w["input"]
    transitions = w.get("expected_transitions", 1)
    machine = common.machine_for(w)
    loop = common.new_loop("uvloop")
    floor_fn = floor.SYNC.get(name)
    paired = None
    try:
        common.check_output(w, machine, loop)
        if floor_fn is not None:
            paired = common.paired_ns_per_exec(machine, inp, loop, floor_fn, args.reps, args.target)
            per_exec = paired[0]
        else:
            per_exec = common.seq_ns_per_exec(machine, inp, loop, args.reps, args.target)
        latency = _latency(machine, inp, loop, 2000 if name != "task_io" else 200)
    finally:
        loop.close()
    row: dict[str, Any] = {
        "name": name,
        "ns_per_exec": per_exec,
        "exec_per_s": 1e9 / per_exec["median"],
        "transitions_per_s": 1e9 / per_exec["median"] * transitions,
        **latency,
    }
    if paired is not None:
        row["floor_ns_per_exec"] = paired[1]
        row["ratio"] = paired[2]["median"]
        row["ratio_range"] = [paired[2]["min"], paired[2]["max"]]
    if name == "task_io":
        row["inflight"] = common.inflight_sweep(machine, inp, floor, args)
    if args.moto:
        row.update(moto_row(w, args.target))
    return row


def moto_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| workload | moto 5.2.5 exec/s | moto output | express exec/s | express / moto |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        if "moto_exec_per_s" in r:
            lines.append(
                f"| {r['name']} | {common.fmt_rate(r['moto_exec_per_s'])} | "
                f"{'as expected' if r['moto_output_ok'] else 'differs'} | "
                f"{common.fmt_rate(r['exec_per_s'])} | "
                f"{r['exec_per_s'] / r['moto_exec_per_s']:,.0f}x |"
            )
        elif "moto_skipped" in r:
            lines.append(f"| {r['name']} | - | not run: {r['moto_skipped']} | - | - |")
    return "\n".join(lines)


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| workload | express exec/s | transitions/s | p50 | p99 | floor exec/s "
        "| express ÷ floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        floor = r.get("floor_ns_per_exec")
        lines.append(
            f"| {r['name']} | {common.fmt_rate(r['exec_per_s'])} | "
            f"{common.fmt_rate(r['transitions_per_s'])} | {r['p50_us']:.1f} µs | "
            f"{r['p99_us']:.1f} µs | "
            + (
                f"{common.fmt_rate(1e9 / floor['median'])} | {r['ratio']:.2f}x |"
                if floor
                else "- | - |"
            )
        )
    for r in rows:
        for i, entry in enumerate(r.get("inflight", [])):
            if i == 0:
                lines += [
                    "",
                    "| in flight (task_io) | loop | express exec/s | floor exec/s "
                    "| express / floor |",
                    "| ---: | --- | ---: | ---: | ---: |",
                ]
            lines.append(
                f"| {entry['n']} | {entry['loop']} | {common.fmt_rate(entry['express'])} | "
                f"{common.fmt_rate(entry['floor'])} | {entry['ratio']:.0%} |"
            )
    return "\n".join(lines)


def _in_own_process(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One workload measured in a process of its own: what earlier workloads left on the
    heap (a garbage collection walks all of it) does not weigh on it."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--row", name, "--reps", str(args.reps)]
    cmd += ["--target", str(args.target), "--inflight", args.inflight]
    cmd += ["--moto"] if args.moto else []
    done = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, cwd=Path(__file__).parents[1])
    row: dict[str, Any] = orjson.loads(done.stdout)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--reps", type=int, default=9, help="repetitions (median reported)")
    ap.add_argument("--target", type=float, default=0.3, help="seconds per repetition")
    ap.add_argument("--inflight", default="1,10,100,1000,10000")
    ap.add_argument("--json", default=str(RESULTS / "latest.json"), help="write results here")
    ap.add_argument("--quick", action="store_true", help="few short repetitions (a smoke run)")
    ap.add_argument("--no-memory", action="store_true", help="skip the parked-RSS measurement")
    ap.add_argument("--no-scaling", action="store_true", help="skip the cost-growth scenarios")
    ap.add_argument(
        "--moto",
        action="store_true",
        help="also run moto 5.2.5 (pip install 'moto[stepfunctions]==5.2.5')",
    )
    ap.add_argument("--row", default="", help=argparse.SUPPRESS)  # one workload, as JSON
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.target, args.inflight = 3, 0.05, "1,100"
    floor = common.load_floor()
    if args.row:
        (w,) = [w for w in common.load_workloads() if w["name"] == args.row]
        sys.stdout.buffer.write(orjson.dumps(bench_workload(w, args, floor)))
        return 0
    only = {x for x in args.only.split(",") if x}
    rows = []
    for w in common.load_workloads():
        if only and w["name"] not in only:
            continue
        row = _in_own_process(w["name"], args)
        rows.append(row)
        print(
            f"{row['name']:16s} {common.fmt_rate(row['exec_per_s']):>8s} exec/s"
            + (f"  ratio {row['ratio']:.2f}x" if "ratio" in row else ""),
            file=sys.stderr,
        )
    result: dict[str, Any] = {"env": common.env_info(), "workloads": rows}
    if not args.no_memory:
        result["memory"] = parked_rss(10_000 if not args.quick else 1_000)
    if not args.no_scaling:
        result["scaling"] = scaling(quick=args.quick)
    text = table(rows)
    if args.moto:
        text += "\n\n" + moto_table(rows)
    if "memory" in result:
        m = result["memory"]
        text += (
            f"\n\nParked executions: {m['n']:,}; RSS per execution: express "
            f"{m['express_bytes'] / 1024:.2f} KiB, floor {m['floor_bytes'] / 1024:.2f} KiB, "
            f"difference {(m['express_bytes'] - m['floor_bytes']) / 1024:.2f} KiB"
        )
    if "scaling" in result:
        text += "\n\n" + common.scaling_table(result["scaling"])
    print(text)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"\nmedians of {args.reps} repetitions; JSON: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
