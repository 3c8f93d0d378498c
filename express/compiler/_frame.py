"""What compiled code may see of a running execution.

The compiler never imports the runtime; compiled callables receive an object with this
shape (the runtime's frame) and read the context object and variables through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Frame", "Getter"]


class Frame(Protocol):
    """The compiled code's view of an execution (one branch or Map iteration of it)."""

    @property
    def variables(self) -> dict[str, Any]: ...

    def context(self) -> Any:
        """The context object (``$$``), built when first read."""
        ...


Getter = Callable[[Any, Frame], Any]
"""A compiled value: called with the current data and the frame."""
