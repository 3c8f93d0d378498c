"""Every Python example in the README runs and prints what its comments promise."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int) -> None:
    block = BLOCKS[index]
    first = block.lstrip().splitlines()[0]
    if first.startswith("# Needs"):
        pytest.skip(f"README example {index} needs an outside service: {first[2:]}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, f"README.md python block {index}", "exec"), {})
    # "print(...)  # expected" comments state the printed line.
    promised = re.findall(r"print\(.*\)[ \t]+#[ \t]*(.+)", block)
    printed = out.getvalue().splitlines()
    for line in promised:
        assert line.strip() in printed, (line, printed)
