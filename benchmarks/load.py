"""Load benchmark of ``express serve``: StartSyncExecution requests/s and latency.

    python -m benchmarks.load [--workers 1,2] [--seconds 10] [--connections 64]
                              [--generator wrk|aiohttp] [--workload pass_chain]
                              [--moto PATH_TO_moto_server] [--store-size N]

Each configuration starts ``express serve`` in its own process(es) on a free loopback
port, creates the workload's state machine through the API, checks one execution's
output against the workload's ``expected_output``, warms up, then drives it from a
load generator in its own process (``wrk`` when installed, else an aiohttp client):
closed loop, N keep-alive connections, every request a StartSyncExecution.

``--moto`` runs the same load against moto's server (``moto_server`` from
``moto[server]==5.2.5``) side by side. moto has no StartSyncExecution, so both servers
are also measured on StartExecution (moto with ``execute_state_machine`` on runs the
execution in a background thread; express runs it on its event loop).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from benchmarks import _common as common

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::123456789012:role/bench"
#: moto routes a request to a service by the SigV4 credential scope; express ignores it.
AUTH = (
    "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/states/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
#: Replaced by a unique execution name in every request (moto needs names: it names an
#: unnamed execution "None", and the second one fails with ExecutionAlreadyExists).
NAME = "__EXECUTION_NAME__"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(url: str, op: str, payload: dict[str, Any]) -> tuple[int, Any]:
    req = urllib.request.Request(
        url,
        data=orjson.dumps(payload),
        headers={
            "X-Amz-Target": f"AWSStepFunctions.{op}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH,
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, orjson.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, orjson.loads(err.read() or b"{}")


@contextlib.contextmanager
def express_server(workers: int, store_size: int | None) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "express", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-sink", os.devnull]
    if store_size is not None:
        cmd += ["--store-size", str(store_size)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        for line in proc.stderr:
            if "listening on" in line:
                break
            if time.monotonic() > deadline:
                raise SystemExit("express serve did not start")
        else:
            raise SystemExit(f"express serve exited with {proc.wait()}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def moto_server(binary: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                body = orjson.dumps({"stepfunctions": {"execute_state_machine": True}})
                req = urllib.request.Request(url + "moto-api/config", data=body, method="POST")
                urllib.request.urlopen(req, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def create(url: str, w: dict[str, Any], name: str) -> str:
    status, out = call(
        url,
        "CreateStateMachine",
        {
            "name": name,
            "definition": orjson.dumps(w["definition"]).decode(),
            "roleArn": ROLE,
            "type": "EXPRESS",
        },
    )
    if status != 200:
        raise SystemExit(f"CreateStateMachine failed: {out}")
    return str(out["stateMachineArn"])


def check(url: str, w: dict[str, Any], arn: str) -> None:
    """Refuse to time a wrong answer."""
    status, out = call(
        url,
        "StartSyncExecution",
        {"stateMachineArn": arn, "input": orjson.dumps(w["input"]).decode()},
    )
    ignore = w.get("nondeterministic_output_paths", [])
    got = orjson.loads(out.get("output", "null")) if status == 200 else out
    if common.strip(got, ignore) != common.strip(w["expected_output"], ignore):
        raise SystemExit(f"wrong result from the server: {out!r:.400}")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, op: str, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    # A body holding NAME gets a fresh execution name per request (thread id + counter).
    lua = (
        'wrk.method = "POST"\n'
        "wrk.body = template\n"
        'wrk.headers["Content-Type"] = "application/x-amz-json-1.0"\n'
        f'wrk.headers["X-Amz-Target"] = "AWSStepFunctions.{op}"\n'
        f'wrk.headers["Authorization"] = "{AUTH}"\n'
        "local threads = 0\n"
        'function setup(thread) thread:set("tid", threads); threads = threads + 1 end\n'
        "local n = 0\n"
        "if string.find(template, MARK, 1, true) then\n"
        "  request = function()\n"
        "    n = n + 1\n"
        '    local body = string.gsub(template, MARK, tid .. "-" .. n)\n'
        "    return wrk.format(nil, nil, nil, body)\n"
        "  end\n"
        "end\n"
    ).replace("MARK", f'"{NAME}"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"local template = [==[{body.decode()}]==]\n{lua}")
    try:
        cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
        out = subprocess.run(
            [*cmd, "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def run_aiohttp(url: str, op: str, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(body)
    try:
        out = subprocess.run(
            [
                sys.executable,
                str(HERE / "_loadgen.py"),
                url,
                f"AWSStepFunctions.{op}",
                f.name,
                str(args.connections),
                str(args.seconds),
            ],
            capture_output=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    return dict(orjson.loads(out))


def load(url: str, op: str, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    runner = run_wrk if args.generator == "wrk" else run_aiohttp
    warm = argparse.Namespace(**{**vars(args), "seconds": max(1, args.seconds // 5)})
    runner(url, op, body, warm)
    return runner(url, op, body, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--generator", choices=("wrk", "aiohttp"), default=None)
    parser.add_argument("--workload", default="pass_chain")
    parser.add_argument("--store-size", type=int, default=None)
    parser.add_argument("--moto", metavar="MOTO_SERVER", default=None)
    parser.add_argument("--json", metavar="FILE", default=None)
    args = parser.parse_args()
    if args.generator is None:
        args.generator = "wrk" if shutil.which("wrk") else "aiohttp"
    workload = next(w for w in common.load_workloads() if w["name"] == args.workload)
    body_input = orjson.dumps(workload["input"]).decode()
    rows: list[dict[str, Any]] = []

    def report(server: str, workers: int, op: str, res: dict[str, Any]) -> None:
        row = {"server": server, "workers": workers, "operation": op, **res}
        rows.append(row)
        print(
            f"{server:8s} {workers:>2} {op:20s} {res['rps']:>9.0f} req/s "
            f"p50 {res['p50_ms']:6.2f} ms  p99 {res['p99_ms']:7.2f} ms  errors {res['errors']}",
            file=sys.stderr,
        )

    for n in (int(x) for x in args.workers.split(",")):
        with express_server(n, args.store_size) as url:
            arn = create(url, workload, args.workload)
            check(url, workload, arn)
            body = orjson.dumps({"stateMachineArn": arn, "input": body_input})
            report("express", n, "StartSyncExecution", load(url, "StartSyncExecution", body, args))
            if args.moto:
                named = orjson.dumps({"stateMachineArn": arn, "input": body_input, "name": NAME})
                report("express", n, "StartExecution", load(url, "StartExecution", named, args))
    if args.moto:
        with moto_server(args.moto) as url:
            arn = create(url, workload, args.workload)
            named = orjson.dumps({"stateMachineArn": arn, "input": body_input, "name": NAME})
            report("moto", 1, "StartExecution", load(url, "StartExecution", named, args))
    print(
        f"\n`python -m benchmarks.load --workers {args.workers} --seconds {args.seconds} "
        f"--connections {args.connections} --generator {args.generator}"
        f"{' --moto ...' if args.moto else ''}` ({os.cpu_count()} cores, {args.workload})\n"
    )
    print("| server | workers | operation | requests/s | p50 ms | p99 ms | errors |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['server']} | {r['workers']} | {r['operation']} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} |"
        )
    if args.json:
        Path(args.json).write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
