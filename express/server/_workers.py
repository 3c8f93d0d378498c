"""Running the server: one process, or a supervisor and one worker process per core.

Workers are fresh interpreters (not forks) started with ``PROMETHEUS_MULTIPROC_DIR`` in
their environment, so prometheus-client picks its multiprocess mode when they first
import it. Each worker binds its own listening socket to the same port with
SO_REUSEPORT and the kernel spreads connections over them; the supervisor holds a bound,
non-listening socket on that port so that ``--port 0`` resolves to one port for all.
State machines are shared through a directory (``_registry``); executions are reached
through each worker's Unix socket (``_peers``).

SIGTERM (or SIGINT) drains: each worker closes its listener, lets executions in flight
finish for up to ``--drain-timeout`` seconds, aborts what is left, and exits; the
supervisor forwards the signal, waits for its workers, and exits. A worker that dies
otherwise is started again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from ._api import ServerConfig

__all__ = ["serve", "worker_main"]

_CONFIG_ENV = "EXPRESS_SERVE_WORKER"


def _announce(config: ServerConfig, port: int) -> None:
    workers = f"{config.workers} workers" if config.workers > 1 else "1 worker"
    print(
        f"express serve: listening on http://{config.host}:{port} ({workers}, pid {os.getpid()})",
        file=sys.stderr,
        flush=True,
    )


async def _run_worker(config: ServerConfig, worker: dict[str, Any] | None) -> None:
    from prometheus_client import disable_created_metrics

    from ._api import Api
    from ._app import Server, make_socket
    from ._registry import SharedDir

    disable_created_metrics()  # type: ignore[no-untyped-call]
    resources = None
    if config.resources:
        from express.cli import load_resources

        resources = load_resources(config.resources)
    shared = SharedDir(Path(worker["state"])) if worker else None
    api = Api(config, resources=resources, shared=shared)
    sock = make_socket(config.host, config.port, reuse_port=worker is not None)
    unix_path = peer_paths = None
    if worker is not None:
        unix_path = worker["socket"]
        with contextlib.suppress(FileNotFoundError):
            os.unlink(unix_path)
        peer_paths = worker["peers"]
    server = Server(api, sock, unix_path=unix_path, peer_paths=peer_paths)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if worker is None:
        _announce(config, server.port)
    else:
        os.write(worker["ready_fd"], b"1")
    await stop.wait()
    await server.drain()
    if shared is not None:
        shared.close()


def _run(config: ServerConfig, worker: dict[str, Any] | None) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        asyncio.run(_run_worker(config, worker))
    else:
        uvloop.run(_run_worker(config, worker))


def worker_main() -> None:
    """Entry point of a worker process (``python -m express.server._workers``)."""
    spec = orjson.loads(os.environ[_CONFIG_ENV])
    _run(ServerConfig(**spec["config"]), spec["worker"])


def serve(config: ServerConfig) -> int:
    """``express serve``: run until SIGTERM or SIGINT, then drain; return the exit status."""
    if config.workers <= 1:
        _run(config, None)
        return 0
    return _supervise(config)


def _supervise(config: ServerConfig) -> int:
    own_dir = config.state_dir is None
    state = Path(config.state_dir or tempfile.mkdtemp(prefix="express-serve-"))
    metrics_dir = state / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)  # the client requires a clean directory
    metrics_dir.mkdir(parents=True)
    from ._registry import SharedDir

    SharedDir(state).close()  # creates the machine directory and the version counter
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    holder = socket.socket(family, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((config.host, config.port))  # never listens: the kernel routes to workers
    port = holder.getsockname()[1]
    config = dataclasses.replace(config, port=port)
    ready_r, ready_w = os.pipe()
    sockets = [str(state / f"w{i}.sock") for i in range(config.workers)]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}

    def spawn(i: int) -> subprocess.Popen[bytes]:
        spec = {
            "config": dataclasses.asdict(config),
            "worker": {
                "index": i,
                "state": str(state),
                "socket": sockets[i],
                "peers": [s for j, s in enumerate(sockets) if j != i],
                "ready_fd": ready_w,
            },
        }
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from express.server._workers import worker_main; worker_main()",
            ],
            env={**env, _CONFIG_ENV: orjson.dumps(spec).decode()},
            pass_fds=(ready_w,),
        )

    stopping = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    procs = [spawn(i) for i in range(config.workers)]
    try:
        ready = 0
        deadline = time.monotonic() + 60
        while ready < config.workers and not stopping and time.monotonic() < deadline:
            if select.select([ready_r], [], [], 0.2)[0]:
                ready += len(os.read(ready_r, 64))
            if any(p.poll() is not None for p in procs):
                print("express serve: a worker failed to start", file=sys.stderr)
                stopping = True
        if not stopping:
            _announce(config, port)
        while not stopping:
            time.sleep(0.2)  # the supervisor only waits: for a signal or a dead worker
            for i, proc in enumerate(procs):
                if proc.poll() is not None and not stopping:
                    _forget(metrics_dir, proc.pid)
                    procs[i] = spawn(i)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        limit = time.monotonic() + config.drain_timeout + 10
        for proc in procs:
            try:
                proc.wait(max(0.1, limit - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        failed = any(p.returncode not in (0, -signal.SIGTERM) for p in procs)
        return 1 if failed else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        holder.close()
        os.close(ready_r)
        os.close(ready_w)
        if own_dir:
            shutil.rmtree(state, ignore_errors=True)


def _forget(metrics_dir: Path, pid: int) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, str(metrics_dir))  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    worker_main()
