"""Shared test configuration: every async test runs on asyncio and on uvloop."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"use_uvloop": False}), id="asyncio"),
        pytest.param(("asyncio", {"use_uvloop": True}), id="uvloop"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, bool]]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def shared() -> Callable[..., Path]:
    """``shared("conformance", "run.py")``: a path under ../shared, or a visible skip."""
    return require_shared


def require_shared(*parts: str) -> Path:
    """The path under ../shared, or skip (with the reason shown) when it is absent.

    In CI (``CI=true``) ../shared is always there, so its absence is a failure.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} not found: the shared corpus is not beside this clone")
    return path
