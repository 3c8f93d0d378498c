"""How time and memory grow with the size of the work (each size in a fresh process).

Scenarios: a Choice/Pass counter loop of N iterations, an inline Map over N items with
MaxConcurrency 40, a Pass chain over an input of N bytes, and N executions in flight.
Growth is linear when the time per unit stays flat as N grows.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import orjson

SIZES = {
    "choice_loop": [250, 1_000, 4_000],
    "map": [2_500, 10_000, 40_000],
    "payload": [16_384, 65_536, 250_000],
    "inflight": [10_000, 30_000, 100_000],
}
QUICK = {
    "choice_loop": [250, 1_000],
    "map": [1_000, 4_000],
    "payload": [16_384, 65_536],
    "inflight": [1_000, 4_000],
}


def scaling(quick: bool = False) -> list[dict[str, Any]]:
    rows = []
    for scenario, sizes in (QUICK if quick else SIZES).items():
        for n in sizes:
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks._probe_scaling", scenario, str(n)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = orjson.loads(proc.stdout.strip().splitlines()[-1])
            rows.append({"scenario": scenario, "size": n, **row})
            print(f"scaling {scenario:12s} {n:>8,} {row['seconds'] * 1e3:9.1f} ms", file=sys.stderr)
    return rows
