"""Runs the AWS-recorded conformance corpus of ../shared/conformance through the driver.

Targets: the JSONPath selection passes at least 97 % of its cases and at least 90 % in
every feature with five or more cases; the JSONata and variables selection at least 95 %
(90 % per feature); the whole corpus at least 97 %.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DRIVER = Path(__file__).with_name("driver.py")
JSONPATH_ONLY = ["JSONata", "Variables", "Arguments", "Output", "Items"]


def run_corpus(runner: Path, tmp_path: Path, *selection: str) -> dict[str, Any]:
    report = tmp_path / "report.json"
    cmd = [
        sys.executable,
        str(runner),
        "--driver",
        f"{sys.executable} {DRIVER}",
        "--json-report",
        str(report),
        "--timeout",
        "20",
        *selection,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    assert report.exists(), proc.stderr[-2000:]
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def failures(report: dict[str, Any]) -> str:
    bad = [c for c in report["cases"] if not c.get("passed", c.get("ok"))]
    return "\n".join(str(c.get("id", c))[:200] for c in bad[:40])


def check_rates(report: dict[str, Any], overall: float, per_feature: float) -> None:
    total = report["total"]
    assert total > 0
    rate = report["passed"] / total
    assert rate >= overall, f"{report['passed']}/{total} passed\n{failures(report)}"
    for feature, counts in report["features"].items():
        if counts["total"] >= 5:
            feature_rate = counts["passed"] / counts["total"]
            assert feature_rate >= per_feature, (
                f"{feature}: {counts['passed']}/{counts['total']}\n{failures(report)}"
            )


@pytest.mark.timeout(900)
def test_jsonpath_corpus(tmp_path: Path, shared: Callable[..., Path]) -> None:
    runner = shared("conformance", "run.py")
    selection = [arg for f in JSONPATH_ONLY for arg in ("--exclude-feature", f)]
    check_rates(run_corpus(runner, tmp_path, *selection), overall=0.97, per_feature=0.90)


@pytest.mark.timeout(900)
def test_jsonata_and_variables_corpus(tmp_path: Path, shared: Callable[..., Path]) -> None:
    runner = shared("conformance", "run.py")
    selection = [arg for f in JSONPATH_ONLY for arg in ("--any-feature", f)]
    check_rates(run_corpus(runner, tmp_path, *selection), overall=0.95, per_feature=0.90)


@pytest.mark.timeout(900)
def test_whole_corpus(tmp_path: Path, shared: Callable[..., Path]) -> None:
    runner = shared("conformance", "run.py")
    check_rates(run_corpus(runner, tmp_path), overall=0.97, per_feature=0.0)
