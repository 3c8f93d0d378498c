"""A Parallel branch's generated code, written into its parent's instead of called.

A branch of plain-call code costs, besides its states, a ``Frame``, a call and a return.
When its generated function is straight-line code (no loop between its states), the
parent can hold that code itself: its locals renamed apart (``_b_``), its globals
carried over under fresh names, each ``return d, z`` turned into ``rb, zb`` and a
``break`` out of a one-pass loop.

The branch's frame is made only when something needs it. Its code reads the frame as
``b``, which starts as the parent's own frame: a branch that only reads ``run`` through
it never needs its own. Before any other statement that names ``b``, the branch takes
a frame of its own (the one ``Frame.child`` would make), so everything that writes the
frame, or hands it on (a retry, a catch, a Suspend, a fallback closure), sees the
branch's frame, exactly as when the code was called.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

__all__ = ["OWN", "inline_branch"]

#: The statement giving the branch its own frame (parent frame ``f``, branch frame ``b``).
OWN = "if b is f:\n    b = FRAME(run, f.variables.copy() if f.variables else {})"

_MISSING = object()
_UNSUPPORTED = (
    ast.While,
    ast.For,
    ast.AsyncFor,
    ast.AsyncWith,
    ast.Await,
    ast.Lambda,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Global,
    ast.Nonlocal,
    ast.Yield,
    ast.YieldFrom,
    ast.Continue,
    ast.Break,
)


def inline_branch(fast: Any, parent: dict[str, Any], bind: Callable[[str, Any], str]) -> str | None:
    """The body of ``fast`` (a branch's generated ``def fast(f, d, z)``) as code to run
    in its parent, with its input in ``x`` and ``zx``; None where it cannot be.

    ``parent`` is the parent's namespace, ``bind(prefix, value)`` names a value in it.
    """
    source = getattr(fast, "source", None)
    if source is None:
        return None
    tree = ast.parse(source)
    func = tree.body[0]
    if not isinstance(func, ast.FunctionDef) or [a.arg for a in func.args.args] != ["f", "d", "z"]:
        return None
    if any(isinstance(node, _UNSUPPORTED) for stmt in func.body for node in ast.walk(stmt)):
        return None
    body = func.body
    first = body[0]
    if not (isinstance(first, ast.Assign) and ast.unparse(first) == "run = f.run"):
        return None
    body = body[1:]
    if not _returns_pairs(body):
        return None
    # One set of names for every branch: they run one after the other and each sets a
    # name before reading it, and a frame clears fewer locals.
    prefix = "_b_"
    local = _locals(func)
    names = fast.__globals__
    carried: dict[str, str] = {}

    def rename(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                sub.id = _renamed(sub.id)
            elif isinstance(sub, ast.ExceptHandler) and sub.name is not None:
                sub.name = _renamed(sub.name)

    def _renamed(name: str) -> str:
        if name == "f":
            return "b"
        if name == "run":
            return "run"
        if name in local:
            return prefix + name
        if name not in names:
            return name  # a builtin
        if parent.get(name, _MISSING) is names[name]:
            return name  # a helper both share
        if name not in carried:
            carried[name] = bind(name.rstrip("0123456789") or "g", names[name])
        return carried[name]

    out: list[ast.stmt] = []
    for stmt in body:
        rename(stmt)
        out.append(stmt)
    lines = ["b = f", f"{prefix}d = x", f"{prefix}z = zx", "while True:"]
    block = _owned(_breaking(out))
    text = "\n".join(ast.unparse(stmt) for stmt in block)
    lines += ["    " + line for line in text.splitlines()]
    return "\n".join(lines)


def _locals(func: ast.FunctionDef) -> set[str]:
    found = {a.arg for a in func.args.args}
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            found.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            found.add(node.name)
    return found


def _returns_pairs(body: list[ast.stmt]) -> bool:
    """Every ``return`` gives two values (``return d, z``)."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Return) and not (
                isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2
            ):
                return False
    return True


def _rewrite_inside(stmt: ast.stmt, rewrite: Callable[[list[ast.stmt]], list[ast.stmt]]) -> None:
    """Apply ``rewrite`` to every statement list directly inside ``stmt``."""
    for field in ("body", "orelse", "finalbody"):
        inner = getattr(stmt, field, None)
        if inner:
            setattr(stmt, field, rewrite(inner))
    for handler in getattr(stmt, "handlers", ()):
        handler.body = rewrite(handler.body)


def _breaking(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """``return a, b`` becomes ``rb = a; zb = b; break``, at every depth."""
    out: list[ast.stmt] = []
    for stmt in stmts:
        if isinstance(stmt, ast.Return):
            assert isinstance(stmt.value, ast.Tuple)
            value, bound = stmt.value.elts
            out.append(ast.Assign([ast.Name("rb", ast.Store())], value, lineno=0))
            out.append(ast.Assign([ast.Name("zb", ast.Store())], bound, lineno=0))
            out.append(ast.Break())
            continue
        _rewrite_inside(stmt, _breaking)
        out.append(stmt)
    return out


def _names_frame(node: ast.AST | None) -> bool:
    if node is None:
        return False
    return any(isinstance(sub, ast.Name) and sub.id == "b" for sub in ast.walk(node))


def _owned(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """``OWN`` before each statement naming the branch frame ``b``: for a compound
    statement, before it only when its own test does; inside it, where its parts do."""
    out: list[ast.stmt] = []
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            header: ast.AST | None = stmt.test
        elif isinstance(stmt, ast.Try | ast.With):
            header = ast.Module(
                [ast.Expr(item.context_expr) for item in getattr(stmt, "items", ())], []
            )
        else:
            if _names_frame(stmt):
                out.extend(ast.parse(OWN).body)
            out.append(stmt)
            continue
        if _names_frame(header):
            out.extend(ast.parse(OWN).body)
        _rewrite_inside(stmt, _owned)
        out.append(stmt)
    return out
