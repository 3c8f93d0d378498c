"""The ``express`` command: run and validate state machines.

Every failure a user can cause (unreadable files, bad JSON, invalid definitions, a
resources module that does not import) ends with a one-line message on stderr and exit
status 2; a traceback only ever means a bug in express.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import orjson

from express.asl._load import load_definition
from express.asl._validate import validate
from express.errors import DefinitionError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with what the user typed or pointed at."""


def _fail(message: str) -> NoReturn:
    raise UsageError(message)


def _read(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        _fail(f"{path}: cannot read: {exc.strerror or exc}")


def _parse_json(text: bytes | str, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        _fail(f"{what} is not valid JSON: {exc}")


def load_resources(spec: str) -> Mapping[str, Any]:
    """``RESOURCES`` (or ``resources``) of a module given by dotted name or file path."""
    try:
        if spec.endswith(".py") or "/" in spec:
            path = Path(spec)
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or module_spec.loader is None:
                _fail(f"{spec}: not a Python module")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(spec)
    except UsageError:
        raise
    except FileNotFoundError:
        _fail(f"{spec}: no such file")
    except Exception as exc:
        _fail(f"{spec}: cannot import resources module: {type(exc).__name__}: {exc}")
    resources = getattr(module, "RESOURCES", None) or getattr(module, "resources", None)
    if not isinstance(resources, Mapping):
        _fail(f"{spec}: the module defines no RESOURCES mapping of Resource -> callable")
    return resources


def _cmd_run(args: argparse.Namespace) -> int:
    from express.runtime._machine import StateMachine

    definition = _read(args.definition)
    if args.input_file is not None:
        payload = _parse_json(_read(args.input_file), f"input file {args.input_file}")
    elif args.input is not None:
        payload = _parse_json(args.input, "--input")
    else:
        payload = {}
    resources = load_resources(args.resources) if args.resources else None
    name = args.name or (Path(args.definition).stem if args.definition != "-" else "StateMachine")
    name = name.removesuffix(".asl")
    try:
        machine = StateMachine(definition, resources, name=name)
    except DefinitionError as exc:
        for d in exc.diagnostics:
            print(f"{args.definition}: {d}", file=sys.stderr)
        return EXIT_USAGE
    result = asyncio.run(machine.execute(payload, name=args.execution_name))
    sys.stdout.write(orjson.dumps(result.to_dict()).decode() + "\n")
    return EXIT_OK if result.status == "SUCCEEDED" else EXIT_FAILED


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.definitions:
        try:
            diagnostics = validate(load_definition(_read(path)))
        except DefinitionError as exc:
            diagnostics = exc.diagnostics
        except UsageError as exc:
            print(str(exc), file=sys.stderr)
            status = EXIT_USAGE
            continue
        for d in diagnostics:
            print(f"{path}: {d.pointer}: {d.code}: {d.message}")
            if d.severity == "ERROR" and status == EXIT_OK:
                status = EXIT_FAILED
        if not diagnostics and not args.quiet:
            print(f"{path}: valid", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="express",
        description="Run AWS Step Functions Express workflows (Amazon States Language) locally.",
    )
    from express import __version__

    parser.add_argument("--version", action="version", version=f"express {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one execution and print its result as JSON")
    run.add_argument("definition", help="ASL definition file (JSON), or - for stdin")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", help="execution input as JSON text")
    source.add_argument("--input-file", help="file holding the execution input (JSON)")
    run.add_argument(
        "--resources",
        metavar="MODULE",
        help="Python module (dotted name or .py path) defining RESOURCES = {Resource: callable}",
    )
    run.add_argument("--name", help="state machine name (default: the file's stem)")
    run.add_argument("--execution-name", help="execution name (default: a UUID)")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check definitions; one line per problem")
    val.add_argument("definitions", nargs="+", help="ASL definition files (JSON)")
    val.add_argument("-q", "--quiet", action="store_true", help="print nothing for valid files")
    val.set_defaults(func=_cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"express: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
