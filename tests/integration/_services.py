"""External programs the integration tests drive: found, installed, or a visible skip.

``require(binary, package)`` returns the path of ``binary``; when it is missing and the
tests run as root, the Debian ``package`` is installed first (``apt-get update`` once,
then ``apt-get install -y``). In CI (``CI=true``) a binary still missing after that is a
test failure, never a skip; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
_updated = False


def _install(package: str) -> str | None:
    global _updated
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root, or no apt-get: install it by hand"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for attempt in ("install", "update-then-install"):
        if attempt == "update-then-install":
            if _updated:
                break
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            _updated = True
        done = subprocess.run(
            ["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True, check=False
        )
        if done.returncode == 0:
            return None
    return f"apt-get install {package} failed"


def require(binary: str, package: str) -> str:
    """The path of ``binary``, installing Debian's ``package`` if needed (root only)."""
    found = shutil.which(binary)
    if found is None:
        problem = _install(package)
        found = shutil.which(binary)
        if found is None:
            reason = f"{binary} not found (Debian package {package}): {problem or 'not installed'}"
            if IN_CI:
                pytest.fail(reason)
            pytest.skip(reason)
    return found


def python_tool(name: str) -> str:
    """A console script of this environment (e.g. ``aws`` from the ``awscli`` test extra)."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        reason = f"{name} not installed: pip install -e '.[test]'"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return found
