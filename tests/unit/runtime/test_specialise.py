"""The generated code per chain (``_specialise``) against the reference interpreter.

An execution that records events runs the interpreter; one that does not runs the
generated code. Both must agree on everything observable: status, output, error, cause,
states entered and the number of events (the ids that error causes cite). Checked on
every case of the AWS-recorded corpus and every benchmark workload, and on machines
built here to reach the paths those do not (retries of plain functions, catches inside
loops, long loops in branches).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

import express
from express import VirtualClock

SHARED = Path(__file__).resolve().parents[3].parent / "shared"

pytestmark = pytest.mark.anyio

_DRIVER = Path(__file__).resolve().parents[2] / "conformance" / "driver.py"
_spec = importlib.util.spec_from_file_location("conformance_driver", _DRIVER)
assert _spec is not None and _spec.loader is not None
driver = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(driver)

#: Outputs that differ between any two runs (random, time, execution names).
_VOLATILE = (
    b"UUID",
    b"Random",
    b"$random",
    b"$uuid",
    b"$now",
    b"$millis",
    b"$$.Execution",
    b"$$.State.EnteredTime",
    b"$states.context",
    b"$$.Map",
    b"$$",
)


def _require(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} not found: the shared corpus is not beside this clone")
    return path


def _cases() -> list[Any]:
    folder = SHARED / "conformance" / "cases"
    if not folder.exists():
        return [pytest.param(None, id="corpus-absent")]
    return [pytest.param(p, id=p.stem[:90]) for p in sorted(folder.glob("*.json"))]


async def _run(case: dict[str, Any], record: bool) -> tuple[Any, ...] | None:
    clock = VirtualClock(start=1_700_000_000.0)
    resources = {k: _behaviour(v, clock) for k, v in case.get("resources", {}).items()}
    try:
        machine = express.StateMachine(case["definition"], resources, clock=clock)
    except express.DefinitionError:
        return None
    try:
        result = await machine.execute(case.get("input"), record_events=record)
    finally:
        await clock.aclose()
    volatile = any(v in orjson.dumps(case["definition"]) for v in _VOLATILE)
    run = result
    return (
        result.status,
        None if volatile else result.output,
        result.error,
        None if volatile else result.cause,
        result.transitions,
        run.eid,
    )


def _behaviour(spec: dict[str, Any], clock: VirtualClock) -> Any:
    """The driver's behaviours, and plain functions that hand back awaitables or fail
    their first calls (what the generated plain-call code hands over to the loop)."""
    kind = spec.get("behavior")
    if kind == "deferred":  # a plain function returning a coroutine
        then = _behaviour(spec["then"], clock)

        def deferred(event: Any) -> Any:
            async def later() -> Any:
                await clock.sleep(float(spec.get("seconds", 0)))
                return then(event)

            return later()

        return deferred
    if kind == "flaky":  # fails its first ``times`` calls, then behaves as ``then``
        then = _behaviour(spec["then"], clock)
        failing = _behaviour(_FLAKY, clock)
        calls = [0]

        def flaky(event: Any) -> Any:
            calls[0] += 1
            return failing(event) if calls[0] <= spec["times"] else then(event)

        return flaky
    return driver.behaviour(spec, clock)


async def _agree(case: dict[str, Any]) -> None:
    fast = await _run(case, record=False)
    reference = await _run(case, record=True)
    assert fast == reference


@pytest.mark.parametrize("path", _cases())
async def test_generated_code_agrees_with_the_interpreter_on_the_corpus(path: Path | None) -> None:
    if path is None:
        _require(SHARED / "conformance" / "cases")
        return
    await _agree(orjson.loads(path.read_bytes()))


async def test_generated_code_agrees_on_the_benchmark_workloads() -> None:
    folder = _require(SHARED / "bench" / "workloads")
    for p in sorted(folder.glob("*.json")):
        w = orjson.loads(p.read_bytes())
        resources = {arn: {"behavior": "identity"} for arn in w.get("resources", {})}
        await _agree({"definition": w["definition"], "input": w["input"], "resources": resources})


_FLAKY = {"behavior": "raise", "errorType": "Boom", "errorMessage": "no"}


def _task(resource: str, **extra: Any) -> dict[str, Any]:
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{resource}"
    return {"Type": "Task", "Resource": arn, **extra}


LOCAL_CASES: dict[str, dict[str, Any]] = {
    "retried plain function, then caught": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task(
                    "boom",
                    Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                    Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "P"}],
                    Next="Q",
                ),
                "Q": {"Type": "Pass", "Result": 1, "End": True},
                "P": {"Type": "Pass", "Parameters": {"caught.$": "$.err.Error"}, "End": True},
            },
        },
        "input": {"a": 1},
        "resources": {"boom": _FLAKY},
    },
    "catch loops back": {
        "definition": {
            "StartAt": "Count",
            "States": {
                "Count": {
                    "Type": "Pass",
                    "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                    "Next": "Check",
                },
                "Check": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Done"}],
                    "Default": "T",
                },
                "T": _task(
                    "boom",
                    Catch=[{"ErrorEquals": ["Boom"], "ResultPath": None, "Next": "Count"}],
                    End=True,
                ),
                "Done": {"Type": "Succeed"},
            },
        },
        "input": {"n": 0},
        "resources": {"boom": _FLAKY},
    },
    "long loop inside a Parallel branch and a Map": {
        "definition": {
            "StartAt": "Par",
            "States": {
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Inc",
                            "States": {
                                "Inc": {
                                    "Type": "Pass",
                                    "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                                    "Next": "Loop",
                                },
                                "Loop": {
                                    "Type": "Choice",
                                    "Choices": [
                                        {"Variable": "$.n", "NumericLessThan": 3000, "Next": "Inc"}
                                    ],
                                    "Default": "End",
                                },
                                "End": {"Type": "Succeed"},
                            },
                        },
                        {"StartAt": "T", "States": {"T": _task("echo", End=True)}},
                    ],
                    "Next": "Map",
                },
                "Map": {
                    "Type": "Map",
                    "ItemsPath": "$[1].items",
                    "ItemProcessor": {
                        "StartAt": "Id",
                        "States": {"Id": _task("echo", ResultSelector={"v.$": "$"}, End=True)},
                    },
                    "End": True,
                },
            },
        },
        "input": {"n": 0, "items": [1, 2, 3]},
        "resources": {"echo": {"behavior": "identity"}},
    },
    "plain function returning an awaitable": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task("later", ResultSelector={"v.$": "$.a"}, ResultPath="$.r", Next="P"),
                "P": {"Type": "Pass", "Parameters": {"got.$": "$.r.v"}, "End": True},
            },
        },
        "input": {"a": 7},
        "resources": {
            "later": {"behavior": "deferred", "seconds": 2, "then": {"behavior": "identity"}}
        },
    },
    "awaitable that fails, retried, then caught": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task(
                    "later",
                    Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                    Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "P"}],
                    End=True,
                ),
                "P": {"Type": "Pass", "Parameters": {"caught.$": "$.err.Error"}, "End": True},
            },
        },
        "input": {"a": 1},
        "resources": {"later": {"behavior": "deferred", "then": _FLAKY}},
    },
    "failing awaitable in a chain that waits": {
        "definition": {
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 1, "Next": "T"},
                "T": _task(
                    "later",
                    Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "P"}],
                    End=True,
                ),
                "P": {"Type": "Pass", "Parameters": {"caught.$": "$.err.Error"}, "End": True},
            },
        },
        "input": {},
        "resources": {"later": {"behavior": "deferred", "then": _FLAKY}},
    },
    "retrier with no attempts decides before a catch": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task(
                    "boom",
                    Retry=[
                        {"ErrorEquals": ["Boom"], "MaxAttempts": 0},
                        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3},
                    ],
                    Catch=[{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "P"}],
                    End=True,
                ),
                "P": {"Type": "Pass", "Parameters": {"caught.$": "$.err.Error"}, "End": True},
            },
        },
        "input": {},
        "resources": {"boom": _FLAKY},
    },
    "Parallel: a branch retries and succeeds beside a plain one": {
        "definition": {
            "StartAt": "Par",
            "States": {
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "F",
                            "States": {
                                "F": _task(
                                    "flaky",
                                    Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 3}],
                                    Next="After",
                                ),
                                "After": {"Type": "Pass", "Result": "done", "End": True},
                            },
                        },
                        {"StartAt": "E", "States": {"E": _task("echo", End=True)}},
                        {"StartAt": "L", "States": {"L": _task("later", End=True)}},
                    ],
                    "ResultSelector": {"first.$": "$[0]", "third.$": "$[2]"},
                    "ResultPath": "$.par",
                    "Next": "Out",
                },
                "Out": {"Type": "Pass", "End": True},
            },
        },
        "input": {"x": 1},
        "resources": {
            "flaky": {"behavior": "flaky", "times": 2, "then": {"behavior": "identity"}},
            "echo": {"behavior": "identity"},
            "later": {"behavior": "deferred", "seconds": 1, "then": {"behavior": "identity"}},
        },
    },
    "Parallel: a branch fails while another waits to retry": {
        "definition": {
            "StartAt": "Par",
            "States": {
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "F",
                            "States": {
                                "F": _task(
                                    "flaky",
                                    Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 3}],
                                    End=True,
                                )
                            },
                        },
                        {"StartAt": "B", "States": {"B": _task("boom", End=True)}},
                    ],
                    "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "C"}],
                    "End": True,
                },
                "C": {"Type": "Pass", "Parameters": {"caught.$": "$.e.Error"}, "End": True},
            },
        },
        "input": {},
        "resources": {
            "flaky": {"behavior": "flaky", "times": 1, "then": {"behavior": "identity"}},
            "boom": _FLAKY,
        },
    },
    "nested Parallel with an awaitable inside": {
        "definition": {
            "StartAt": "Outer",
            "States": {
                "Outer": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Inner",
                            "States": {
                                "Inner": {
                                    "Type": "Parallel",
                                    "Branches": [
                                        {"StartAt": "L", "States": {"L": _task("later", End=True)}},
                                        {"StartAt": "E", "States": {"E": _task("echo", End=True)}},
                                    ],
                                    "Next": "Tail",
                                },
                                "Tail": _task("echo", End=True),
                            },
                        },
                        {"StartAt": "E2", "States": {"E2": _task("echo", End=True)}},
                    ],
                    "End": True,
                },
            },
        },
        "input": {"k": "v"},
        "resources": {
            "later": {"behavior": "deferred", "seconds": 1, "then": {"behavior": "identity"}},
            "echo": {"behavior": "identity"},
        },
    },
    "Map iterations that retry": {
        "definition": {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 2,
                    "ItemProcessor": {
                        "StartAt": "F",
                        "States": {
                            "F": _task(
                                "flaky",
                                Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 1}],
                                End=True,
                            )
                        },
                    },
                    "End": True,
                },
            },
        },
        "input": [1, 2, 3, 4],
        "resources": {"flaky": {"behavior": "flaky", "times": 3, "then": {"behavior": "identity"}}},
    },
    "no choice matched": {
        "definition": {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "StringEquals": "y", "Next": "D"}],
                },
                "D": {"Type": "Succeed"},
            },
        },
        "input": {"x": "z"},
        "resources": {},
    },
    "missing path in a Task's Parameters": {
        "definition": {
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Next": "T"},
                "T": _task("echo", Parameters={"a.$": "$.missing"}, End=True),
            },
        },
        "input": {"x": 1},
        "resources": {"echo": {"behavior": "identity"}},
    },
    "result over the quota": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task("big", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "F"}], End=True),
                "F": {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause"},
            },
        },
        "input": {},
        "resources": {"big": {"behavior": "oversized", "bytes": 300_000}},
    },
    "output grows over the quota by merging": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task("half", ResultPath="$.a", Next="U"),
                "U": _task("half", ResultPath="$.b", End=True),
            },
        },
        "input": {},
        "resources": {"half": {"behavior": "oversized", "bytes": 140_000}},
    },
    # A machine that waits runs as one generated coroutine (``top_level``), its ending
    # (quota, failure, result) included.
    "waiting machine: a state's output over the quota": {
        "definition": {
            "StartAt": "T",
            "States": {"T": _task("slow", ResultPath="$.copy", End=True)},
        },
        "input": {"blob": "x" * 200_000},
        "resources": {"slow": {"behavior": "sleep", "seconds": 1}},
    },
    "waiting machine: the input over the quota": {
        "definition": {"StartAt": "T", "States": {"T": _task("slow", End=True)}},
        "input": {"blob": "x" * 300_000},
        "resources": {"slow": {"behavior": "sleep", "seconds": 1}},
    },
    "waiting machine: caught failure after a wait": {
        "definition": {
            "StartAt": "T",
            "States": {
                "T": _task("slow", Next="B"),
                "B": _task(
                    "boom",
                    Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "D"}],
                    End=True,
                ),
                "D": {"Type": "Pass", "Result": "caught", "End": True},
            },
        },
        "input": {"k": 1},
        "resources": {"slow": {"behavior": "sleep", "seconds": 1}, "boom": _FLAKY},
    },
    # Branches of one state are written into their parent's code (``_inline``): each
    # makes its frame only on a path that needs one.
    "branches in line: a retry, an awaitable, a plain call": {
        "definition": {
            "StartAt": "Par",
            "States": {
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "F",
                            "States": {
                                "F": _task(
                                    "flaky",
                                    Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 2}],
                                    End=True,
                                )
                            },
                        },
                        {"StartAt": "L", "States": {"L": _task("later", End=True)}},
                        {
                            "StartAt": "E",
                            "States": {"E": _task("echo", Parameters={"x.$": "$.x"}, End=True)},
                        },
                    ],
                    "ResultSelector": {"first.$": "$[0]", "last.$": "$[2].x"},
                    "End": True,
                },
            },
        },
        "input": {"x": 7},
        "resources": {
            "flaky": {"behavior": "flaky", "times": 1, "then": {"behavior": "identity"}},
            "later": {"behavior": "deferred", "seconds": 1, "then": {"behavior": "identity"}},
            "echo": {"behavior": "identity"},
        },
    },
    "branches in line: one fails, the Parallel catches": {
        "definition": {
            "StartAt": "Par",
            "States": {
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "E", "States": {"E": _task("echo", End=True)}},
                        {"StartAt": "B", "States": {"B": _task("boom", End=True)}},
                        {"StartAt": "N", "States": {"N": _task("echo", End=True)}},
                    ],
                    "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}],
                    "End": True,
                },
                "Done": {"Type": "Pass", "Parameters": {"e.$": "$.err.Error"}, "End": True},
            },
        },
        "input": {"k": 1},
        "resources": {"echo": {"behavior": "identity"}, "boom": _FLAKY},
    },
    "branches in line: variables, an Assign, a nested Parallel": {
        "definition": {
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"v": 5}, "Next": "Par"},
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Read",
                            "States": {
                                "Read": {
                                    "Type": "Pass",
                                    "Parameters": {"v.$": "$v", "k.$": "$.k"},
                                    "End": True,
                                }
                            },
                        },
                        {
                            "StartAt": "Own",
                            "States": {
                                "Own": {"Type": "Pass", "Assign": {"v": 6}, "Next": "Use"},
                                "Use": {"Type": "Pass", "Parameters": {"v.$": "$v"}, "End": True},
                            },
                        },
                        {
                            "StartAt": "Inner",
                            "States": {
                                "Inner": {
                                    "Type": "Parallel",
                                    "Branches": [
                                        {
                                            "StartAt": "I1",
                                            "States": {"I1": _task("echo", End=True)},
                                        },
                                        {
                                            "StartAt": "I2",
                                            "States": {"I2": _task("boom", End=True)},
                                        },
                                    ],
                                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}],
                                    "End": True,
                                },
                                "After": {"Type": "Pass", "Parameters": {"v.$": "$v"}, "End": True},
                            },
                        },
                    ],
                    "Next": "Last",
                },
                "Last": {"Type": "Pass", "Parameters": {"v.$": "$v", "all.$": "$"}, "End": True},
            },
        },
        "input": {"k": 1},
        "resources": {"echo": {"behavior": "identity"}, "boom": _FLAKY},
    },
}


def test_a_waiting_machine_runs_as_one_generated_coroutine() -> None:
    slow = "arn:aws:lambda:us-east-1:123456789012:function:slow"

    async def wait(x: Any) -> Any:
        return x

    machine = express.StateMachine(
        {"StartAt": "T", "States": {"T": _task("slow", End=True)}}, {slow: wait}
    )
    assert "END_OK(run, d, z)" in machine._top.source
    pending = machine.execute({"a": 1})
    assert pending.cr_code is machine._top.__code__  # no coroutine of execute around it
    pending.close()


def test_straight_line_branches_are_written_into_their_parent() -> None:
    echo = "arn:aws:lambda:us-east-1:123456789012:function:echo"
    machine = express.StateMachine(
        {
            "StartAt": "Par",
            "States": {
                "Par": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "A", "States": {"A": _task("echo", End=True)}},
                        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
                    ],
                    "End": True,
                }
            },
        },
        {echo: lambda x: x},
    )
    source = machine._compiled.chain.fast.source
    assert "_b_" in source and "FRAME(" in source  # in line, a frame only where needed
    assert "rb, zb = B" not in source  # no branch function called


@pytest.mark.parametrize("name", list(LOCAL_CASES))
async def test_generated_code_agrees_on_edge_paths(name: str) -> None:
    await _agree(LOCAL_CASES[name])


def test_a_chain_becomes_straight_line_code() -> None:
    machine = express.StateMachine(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
                "B": {"Type": "Pass", "Parameters": {"y.$": "$.a.x"}, "End": True},
            },
        }
    )
    source = machine._compiled.chain.fast.source
    assert "while True" not in source  # one block: no dispatch at all
    assert "def fast" in source and "async" not in source
