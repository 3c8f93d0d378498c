"""A real Prometheus scrapes ``/metrics``; ``promtool check metrics`` finds no problem.

Both come from Debian's ``prometheus`` package (installed when missing and root).
"""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ._helpers import machine, poll
from ._services import require
from .conftest import BOOM, PASS, ROLE, Running


def _activity(sfn: Any, name: str) -> None:
    """Some of every kind of series: successes, failures, tasks."""
    ok = sfn.create_state_machine(name=name, definition=PASS, roleArn=ROLE, type="EXPRESS")
    bad = sfn.create_state_machine(
        name=name + "-task",
        definition=machine(("T", {"Type": "Task", "Resource": BOOM, "End": True})),
        roleArn=ROLE,
        type="EXPRESS",
    )
    for _ in range(3):
        sfn.start_sync_execution(stateMachineArn=ok["stateMachineArn"])
    sfn.start_sync_execution(stateMachineArn=bad["stateMachineArn"])


def promtool_check(text: bytes) -> None:
    promtool = require("promtool", "prometheus")
    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr).decode()
    assert not (done.stdout + done.stderr).strip(), (done.stdout + done.stderr).decode()


def test_promtool_finds_no_problem(server: Running, sfn: Any, unique: Callable[[str], str]) -> None:
    _activity(sfn, unique("promtool"))
    for accept in ("text/plain", "application/openmetrics-text; version=1.0.0"):
        request = urllib.request.Request(server.url + "/metrics", headers={"Accept": accept})
        text = urllib.request.urlopen(request).read()
        assert b"express_executions_started_total" in text
        if accept == "text/plain":
            promtool_check(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def prometheus(tmp_path: Path, server: Running) -> Iterator[str]:
    binary = require("prometheus", "prometheus")
    target = urllib.parse.urlsplit(server.url).netloc
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 250ms\n  scrape_timeout: 200ms\n"
        "scrape_configs:\n  - job_name: express\n"
        f"    static_configs:\n      - targets: ['{target}']\n"
    )
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


def _get(url: str) -> Any:
    try:
        return json.loads(urllib.request.urlopen(url, timeout=5).read())
    except OSError:
        return None


def test_prometheus_scrapes_the_server(
    prometheus: str, sfn: Any, unique: Callable[[str], str]
) -> None:
    name = unique("scraped")
    _activity(sfn, name)

    def target_up() -> bool | None:
        targets = _get(prometheus + "/api/v1/targets")
        active = (targets or {}).get("data", {}).get("activeTargets", [])
        return True if any(t["health"] == "up" for t in active) else None

    poll(target_up, timeout=60, what="Prometheus to scrape the server")
    query = urllib.parse.quote(f'express_executions_total{{state_machine="{name}"}}')

    def sample() -> float | None:
        out = _get(f"{prometheus}/api/v1/query?query={query}")
        results = (out or {}).get("data", {}).get("result", [])
        succeeded = [r for r in results if r["metric"].get("status") == "SUCCEEDED"]
        return float(succeeded[0]["value"][1]) if succeeded else None

    assert poll(sample, timeout=60, what="the scraped sample") == 3.0


def test_deploy_scrape_config_is_valid() -> None:
    promtool = require("promtool", "prometheus")
    config = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "prometheus.yml"
    done = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr).decode()
