"""A closed-loop HTTP load generator on aiohttp, run in its own process by ``load.py``.

    python benchmarks/_loadgen.py URL TARGET BODY_FILE CONNECTIONS SECONDS

N connections each send the same POST back to back for SECONDS; prints one JSON object:
requests, errors, requests/s and latency percentiles (milliseconds).
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp
import orjson

#: Replaced by a unique execution name in every request (see load.py).
NAME = b"__EXECUTION_NAME__"


async def main(url: str, target: str, body: bytes, connections: int, seconds: float) -> None:
    headers = {
        "X-Amz-Target": target,
        "Content-Type": "application/x-amz-json-1.0",
        # moto routes by the SigV4 credential scope; express ignores it.
        "Authorization": "AWS4-HMAC-SHA256 "
        "Credential=bench/20240101/us-east-1/states/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        end = time.perf_counter() + seconds

        named = NAME in body
        counter = 0

        async def worker() -> None:
            nonlocal errors, counter
            clock = time.perf_counter
            while True:
                t0 = clock()
                if t0 >= end:
                    return
                data = body
                if named:
                    counter += 1
                    data = body.replace(NAME, str(counter).encode())
                async with session.post(url, data=data, headers=headers) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                latencies.append(clock() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(n - 1, int(n * p))] * 1000 if n else 0.0

    print(
        orjson.dumps(
            {
                "requests": n,
                "errors": errors,
                "rps": n / elapsed,
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
            }
        ).decode()
    )


if __name__ == "__main__":
    url, target, body_file, conns, secs = sys.argv[1:6]
    with open(body_file, "rb") as f:
        payload = f.read()
    try:
        import uvloop

        uvloop.run(main(url, target, payload, int(conns), float(secs)))
    except ImportError:
        asyncio.run(main(url, target, payload, int(conns), float(secs)))
