"""Child process of benchmarks/_memory.py: one measurement in a fresh interpreter."""

import asyncio
import gc
import os
import sys

import uvloop


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


N = int(sys.argv[1])
SIDE = sys.argv[2]


async def main():
    gate = asyncio.get_running_loop().create_future()
    inp = {"customerId": "c-1", "sku": "SKU-1", "qty": 2}
    if SIDE == "express":
        import express

        async def wait(payload):
            await gate
            return payload

        definition = {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:wait",
                    "Parameters": {"customerId.$": "$.customerId"},
                    "ResultPath": "$.r",
                    "End": True,
                }
            },
        }
        machine = express.StateMachine(definition, {"wait": wait})
        executor = express.Executor(max_in_flight=N + 200)

        def start():
            return executor.start(machine, inp)
    else:

        async def floor(payload):
            await gate
            return {**payload, "r": payload}

        async def start_floor():
            return asyncio.get_running_loop().create_task(floor(inp))

        start = start_floor
    for _ in range(100):  # warm caches before the baseline
        await start()
    await asyncio.sleep(0)
    gc.collect()
    before = rss()
    for _ in range(N):
        await start()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    gc.collect()
    after = rss()
    gate.set_result(None)
    print((after - before) / N)


uvloop.run(main())
