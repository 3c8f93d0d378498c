"""Peak RSS per parked in-flight execution, express against the floor.

Each side runs in its own fresh interpreter: N executions (or, for the floor, N bare
asyncio tasks doing the same awaits) are started and left waiting on one future; the RSS
growth divided by N is what one parked execution costs.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any


def _measure(n: int, side: str) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks._probe_memory", str(n), side],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def parked_rss(n: int) -> dict[str, Any]:
    express_bytes = sorted(_measure(n, "express") for _ in range(3))[1]
    floor_bytes = sorted(_measure(n, "floor") for _ in range(3))[1]
    return {"n": n, "express_bytes": express_bytes, "floor_bytes": floor_bytes}
