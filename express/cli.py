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
import os
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
            # Registered first, as an import would: dataclasses and pickling look it up.
            sys.modules[module_spec.name] = module
            module_spec.loader.exec_module(module)
        else:
            # The working directory is searched for this import only, so that its files
            # cannot shadow modules imported later.
            sys.path.insert(0, str(Path.cwd()))
            try:
                module = importlib.import_module(spec)
            finally:
                sys.path.remove(str(Path.cwd()))
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
    adapters, mock_config = _adapters(args)
    try:
        machine = StateMachine(
            definition, resources, name=name, adapters=adapters, mock_config=mock_config
        )
        if args.test_case is not None:
            machine = machine.with_test_case(args.test_case)
    except DefinitionError as exc:
        for d in exc.diagnostics:
            print(f"{args.definition}: {d}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # a mock config that does not fit this machine
        _fail(str(exc))
    result = asyncio.run(_execute(machine, adapters, payload, args.execution_name))
    sys.stdout.write(_to_json(result.to_dict()) + "\n")
    return EXIT_OK if result.status == "SUCCEEDED" else EXIT_FAILED


def _to_json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # deeper than orjson writes, or an int past 64 bits
        import json

        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError, RecursionError) as exc:
            _fail(f"the result cannot be written as JSON: {exc}")


def _adapters(args: argparse.Namespace) -> tuple[Any, Any]:
    """The task adapters and the mock config asked for by ``run``'s flags."""
    from express.tasks import MockConfig, TaskAdapters

    mock_path = args.mock_config or (
        os.environ.get("SFN_MOCK_CONFIG") if args.test_case is not None else None
    )
    if args.test_case is not None and not mock_path:
        _fail("--test-case needs --mock-config FILE (or SFN_MOCK_CONFIG)")
    if mock_path and args.test_case is None:
        _fail("--mock-config needs --test-case NAME: the test case to run")
    try:
        adapters = TaskAdapters(
            lambda_endpoint=args.lambda_endpoint,
            allow_hosts=args.allow_host or (),
            connections=args.connections,
        )
        mock_config = MockConfig.load(mock_path) if mock_path else None
    except ValueError as exc:  # MockConfigError, ConnectionsError, a bad endpoint URL
        _fail(str(exc))
    return adapters, mock_config


async def _execute(machine: Any, adapters: Any, payload: Any, name: str | None) -> Any:
    async with adapters:  # closes the pooled HTTP sessions
        return await machine.execute(payload, name=name)


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


def _cmd_serve(args: argparse.Namespace) -> int:
    from express.server import ServerConfig, serve

    if args.workers < 1 or args.max_in_flight < 1 or args.store_size < 0:
        _fail("--workers and --max-in-flight must be at least 1, --store-size at least 0")
    if args.resources:
        load_resources(args.resources)  # fail here, once, rather than in every worker
    mock_config = args.mock_config or os.environ.get("SFN_MOCK_CONFIG")
    if mock_config:
        from express.tasks import MockConfig

        try:
            MockConfig.load(mock_config)
        except ValueError as exc:
            _fail(str(exc))
    config = ServerConfig(
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_in_flight=args.max_in_flight,
        store_size=args.store_size,
        log_sink=args.log_sink,
        resources=args.resources,
        region=args.region,
        account=args.account,
        drain_timeout=args.drain_timeout,
        state_dir=args.state_dir,
        lambda_endpoint=args.lambda_endpoint,
        allow_hosts=tuple(args.allow_host or ()),
        connections=args.connections,
        mock_config=mock_config,
    )
    try:
        return serve(config)
    except OSError as exc:
        _fail(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}")


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
    run.add_argument(
        "--lambda-endpoint",
        metavar="URL",
        help="Lambda Invoke API base URL for functions not in --resources "
        "(the Lambda runtime interface emulator, sam local start-lambda, AWS)",
    )
    run.add_argument(
        "--allow-host",
        metavar="HOST",
        action="append",
        help="let HTTP Tasks reach this host, address or network although it is private, "
        "loopback or link-local (repeatable)",
    )
    run.add_argument(
        "--connections",
        metavar="FILE",
        help="JSON file of EventBridge connections for HTTP Tasks' Authentication.ConnectionArn",
    )
    run.add_argument(
        "--mock-config",
        metavar="FILE",
        help="Step Functions Local MockConfigFile (default with --test-case: $SFN_MOCK_CONFIG)",
    )
    run.add_argument(
        "--test-case",
        metavar="NAME",
        help="the mock config's test case to run (keyed by the state machine's --name)",
    )
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check definitions; one line per problem")
    val.add_argument("definitions", nargs="+", help="ASL definition files (JSON)")
    val.add_argument("-q", "--quiet", action="store_true", help="print nothing for valid files")
    val.set_defaults(func=_cmd_validate)

    srv = sub.add_parser(
        "serve", help="serve the Step Functions API (boto3, the AWS CLI) and /metrics"
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    srv.add_argument("--port", type=int, default=8083, help="port to listen on (8083)")
    srv.add_argument(
        "--workers", type=int, default=1, help="processes sharing the port, one per core (1)"
    )
    srv.add_argument(
        "--max-in-flight",
        type=int,
        default=10_000,
        help="executions in flight per worker before starts get ThrottlingException (10000)",
    )
    srv.add_argument(
        "--store-size",
        type=int,
        default=1000,
        help="finished executions kept per worker for Describe/List/History; 0 keeps none (1000)",
    )
    srv.add_argument(
        "--log-sink", default="-", help="file for Express log events, - for stdout (-)"
    )
    srv.add_argument(
        "--resources",
        metavar="MODULE",
        help="Python module (dotted name or .py path) defining RESOURCES = {Resource: callable}",
    )
    srv.add_argument("--region", default="us-east-1", help="region in ARNs (us-east-1)")
    srv.add_argument("--account", default="123456789012", help="account id in ARNs")
    srv.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        help="seconds SIGTERM waits for executions in flight before aborting them (30)",
    )
    srv.add_argument(
        "--state-dir", help="directory the workers share (default: a temporary directory)"
    )
    srv.add_argument(
        "--lambda-endpoint",
        metavar="URL",
        help="Lambda Invoke API base URL for functions not in --resources",
    )
    srv.add_argument(
        "--allow-host",
        metavar="HOST",
        action="append",
        help="let HTTP Tasks reach this private or loopback host or network (repeatable)",
    )
    srv.add_argument(
        "--connections",
        metavar="FILE",
        help="JSON file of EventBridge connections for HTTP Tasks' Authentication.ConnectionArn",
    )
    srv.add_argument(
        "--mock-config",
        metavar="FILE",
        help="Step Functions Local MockConfigFile (default: $SFN_MOCK_CONFIG); "
        "start '<state machine ARN>#<test case>' to run a test case",
    )
    srv.set_defaults(func=_cmd_serve)
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
