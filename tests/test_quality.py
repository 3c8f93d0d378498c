"""The code-quality gates, run as tests so that the one test command enforces them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> list[str]:
    if shutil.which(name) is None and not (Path(sys.executable).parent / name).exists():
        if IN_CI:
            pytest.fail(f"{name} is not installed (pip install -e '.[dev]')")
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    local = Path(sys.executable).parent / name
    return [str(local)] if local.exists() else [name]


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def test_ruff_check() -> None:
    _run([*_tool("ruff"), "check", "express", "tests", "benchmarks"])


def test_ruff_format() -> None:
    _run([*_tool("ruff"), "format", "--check", "express", "tests", "benchmarks"])


@pytest.mark.timeout(600)
def test_mypy_strict() -> None:
    _run([*_tool("mypy"), "--strict", "express"])
