"""``express run`` with the adapter flags, as a new user runs it: a real process, the
shipped examples, real local servers (an HTTP API and the Lambda Invoke API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._servers import SEEN, api_app, lambda_app, threaded

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "express" / "examples"
GREET = str(EXAMPLES / "greet.asl.json")
SQS = str(EXAMPLES / "LambdaSQSIntegration.asl.json")
MOCKS = str(EXAMPLES / "MockConfigFile.json")


def express_run(*args: str, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "express", "run", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    out = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, out, proc.stderr


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, Any]]:
    app = api_app()
    with threaded(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def lam() -> Iterator[str]:
    with threaded(lambda_app()) as url:
        yield url


def greet_input(api_url: str) -> str:
    return json.dumps({"name": "Ada", "webhook": f"{api_url}/echo"})


def test_resources_http_task_allow_host_and_connections(api: tuple[str, Any]) -> None:
    url, _ = api
    code, out, err = express_run(
        GREET,
        "--input",
        greet_input(url),
        "--resources",
        "express/examples/greet_resources.py",
        "--allow-host",
        "127.0.0.1",
        "--connections",
        "express/examples/connections.json",
        env={"WEBHOOK_KEY": "k-42"},
    )
    assert code == 0, err
    assert out["status"] == "SUCCEEDED"
    assert out["output"]["status"] == 200
    sent = out["output"]["reply"]
    assert json.loads(sent["body"]) == {"text": "Hello, Ada!"}
    assert sent["headers"]["x-api-key"] == "k-42"


def test_loopback_is_refused_without_allow_host(api: tuple[str, Any]) -> None:
    url, app = api
    before = len(app[SEEN])
    code, out, err = express_run(
        GREET,
        "--input",
        greet_input(url),
        "--resources",
        "express/examples/greet_resources.py",
    )
    assert code == 1
    assert out["error"] == "States.Http.Socket"
    assert "--allow-host" in out["cause"]
    # The connection is not configured: the run says so, and still sends the request.
    assert "not configured" in err
    assert len(app[SEEN]) == before


def test_lambda_endpoint(api: tuple[str, Any], lam: str) -> None:
    url, _ = api
    code, out, err = express_run(
        GREET,
        "--input",
        greet_input(url),
        "--lambda-endpoint",
        lam,
        "--allow-host",
        "127.0.0.1",
    )
    assert code == 0, err
    assert json.loads(out["output"]["reply"]["body"]) == {"text": "Hello, Ada!"}


def test_mock_config_and_test_case() -> None:
    code, out, err = express_run(SQS, "--mock-config", MOCKS, "--test-case", "HappyPath")
    assert code == 0, err
    assert out["output"]["MessageId"] == "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"


def test_test_case_reads_sfn_mock_config(tmp_path: Path) -> None:
    code, out, err = express_run(SQS, "--test-case", "HappyPath", env={"SFN_MOCK_CONFIG": MOCKS})
    assert (code, out["status"]) == (0, "SUCCEEDED"), err


def test_hybrid_path_uses_resources_for_unmocked_states(tmp_path: Path) -> None:
    module = tmp_path / "sqs.py"
    module.write_text(
        "RESOURCES = {'arn:aws:states:::sqs:sendMessage': lambda p: {'MessageId': 'real'}}\n"
    )
    code, out, err = express_run(
        SQS, "--mock-config", MOCKS, "--test-case", "HybridPath", "--resources", str(module)
    )
    assert (code, out["output"]) == (0, {"MessageId": "real"}), err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--mock-config", MOCKS, "--test-case", "SadPath"],
            "has no test case 'SadPath' (defined: HappyPath, HybridPath, RetryPath)",
        ),
        (
            ["--mock-config", MOCKS, "--test-case", "HappyPath", "--name", "Other"],
            "no state machine named 'Other'",
        ),
        (["--test-case", "HappyPath"], "--test-case needs --mock-config"),
        (["--mock-config", MOCKS], "--mock-config needs --test-case"),
        (["--mock-config", "missing.json", "--test-case", "T"], "missing.json: cannot read"),
        (["--connections", "missing.json"], "missing.json: cannot read"),
        (["--lambda-endpoint", "localhost:9000"], "must be an http(s) URL"),
    ],
)
def test_unusable_flags_exit_2_with_a_message(args: list[str], message: str) -> None:
    env = {"SFN_MOCK_CONFIG": ""}
    code, out, err = express_run(SQS, *args, env=env)
    assert code == 2
    assert out is None
    assert message in err
    assert "Traceback" not in err


def test_invalid_mock_config_file(tmp_path: Path) -> None:
    bad = tmp_path / "mocks.json"
    config = json.loads(Path(MOCKS).read_text())
    config["MockedResponses"]["MockedLambdaRetry"]["4"] = {"Return": {}}
    config["MockedResponses"]["MockedLambdaRetry"].pop("3")
    bad.write_text(json.dumps(config))
    code, _, err = express_run(SQS, "--mock-config", str(bad), "--test-case", "HappyPath")
    assert code == 2
    assert "MockedResponses/MockedLambdaRetry: invocation keys must be consecutive" in err
