"""Child process of benchmarks/_scaling.py: one measurement in a fresh interpreter."""

import asyncio
import os
import sys
import time

import orjson
import uvloop

import express


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


scenario, n = sys.argv[1], int(sys.argv[2])


def loop_machine():
    return express.StateMachine(
        {
            "StartAt": "Check",
            "States": {
                "Check": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$.counter",
                            "NumericLessThanPath": "$.limit",
                            "Next": "Increment",
                        }
                    ],
                    "Default": "Done",
                },
                "Increment": {
                    "Type": "Pass",
                    "Parameters": {
                        "counter.$": "States.MathAdd($.counter, 1)",
                        "limit.$": "$.limit",
                    },
                    "Next": "Check",
                },
                "Done": {"Type": "Succeed"},
            },
        }
    ), {"counter": 0, "limit": n}


def map_machine():
    async def work(item):
        await asyncio.sleep(0)
        return item

    return express.StateMachine(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 40,
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "StartAt": "T",
                        "States": {
                            "T": {
                                "Type": "Task",
                                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                                "End": True,
                            }
                        },
                    },
                    "End": True,
                }
            },
        },
        {"work": work},
    ), {"items": list(range(n))}


def payload_machine():
    return express.StateMachine(
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Pass",
                    "Parameters": {"blob.$": "$.blob", "n.$": "States.StringToJson('1')"},
                    "ResultPath": "$.copy",
                    "Next": "B",
                },
                "B": {"Type": "Pass", "OutputPath": "$.copy", "End": True},
            },
        }
    ), {"blob": "x" * n}


async def main():
    before = rss()
    if scenario == "inflight":
        gate = asyncio.get_running_loop().create_future()

        async def wait(p):
            await gate
            return p

        m = express.StateMachine(
            {
                "StartAt": "T",
                "States": {
                    "T": {
                        "Type": "Task",
                        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:wait",
                        "End": True,
                    }
                },
            },
            {"wait": wait},
        )
        ex = express.Executor(max_in_flight=n + 1)
        t0 = time.perf_counter()
        handles = [await ex.start(m, {"i": 1}) for _ in range(n)]
        await asyncio.sleep(0)
        peak = rss()
        gate.set_result(None)
        for h in handles:
            await h.result()
        seconds = time.perf_counter() - t0
    else:
        m, inp = {"choice_loop": loop_machine, "map": map_machine, "payload": payload_machine}[
            scenario
        ]()
        t0 = time.perf_counter()
        r = await m.execute(inp)
        seconds = time.perf_counter() - t0
        assert r.status == "SUCCEEDED", r
        peak = rss()
    print(orjson.dumps({"seconds": seconds, "rss_bytes": max(0, peak - before)}).decode())


uvloop.run(main())
