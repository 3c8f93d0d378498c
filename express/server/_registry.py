"""State machines known to the server, shared by every worker process.

With one process the registry is a dict. With ``--workers N`` each worker keeps its own
dict of compiled machines, and the records themselves live in a directory shared by the
workers (one JSON file per machine, written under an exclusive ``flock``) with an 8-byte
version counter mapped into every worker's memory. A lookup compares that counter with
the version the worker last loaded (one memory read) and reloads only when a machine was
created, updated, tagged or deleted anywhere. A write is visible to every worker before
the API answers it, so a client that creates a machine and starts it at once never meets
a worker that does not know it.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from express.runtime._machine import StateMachine

__all__ = ["MachineRecord", "Registry", "SharedDir"]


@dataclass(slots=True, eq=False)
class MachineRecord:
    """One state machine as DescribeStateMachine shows it, with its compiled form."""

    name: str
    arn: str
    type: str
    definition: str
    role_arn: str
    logging: dict[str, Any]
    tracing: dict[str, Any]
    tags: dict[str, str]
    created: float
    updated: float
    revision_id: str | None = None
    seq: int = 0
    """The shared version at which this record was written (multi-worker only)."""
    machine: StateMachine | None = field(default=None, repr=False)
    extra: Any = field(default=None, repr=False)
    """What the API binds to a record once: metric children, the log emitter."""

    @property
    def log_level(self) -> str:
        return str(self.logging.get("level", "OFF"))

    def to_json(self) -> bytes:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        del data["machine"], data["extra"]
        return orjson.dumps(data)

    @classmethod
    def from_json(cls, raw: bytes) -> MachineRecord:
        return cls(**orjson.loads(raw))


class SharedDir:
    """The directory the workers share: machine files, a lock and a version counter."""

    def __init__(self, directory: Path) -> None:
        self.path = directory
        self.machines = directory / "machines"
        self.machines.mkdir(parents=True, exist_ok=True)
        version = directory / "version"
        with contextlib.suppress(FileExistsError):
            fd = os.open(version, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, bytes(8))
            os.close(fd)
        self._version_fd = os.open(version, os.O_RDWR)
        self._map = mmap.mmap(self._version_fd, 8)
        self._lock_fd = os.open(directory / "lock", os.O_RDWR | os.O_CREAT, 0o600)

    def version(self) -> int:
        return int(struct.unpack_from("<Q", self._map)[0])

    def bump(self) -> int:
        """Advance the version (the caller holds the lock) and return the new one."""
        new = self.version() + 1
        struct.pack_into("<Q", self._map, 0, new)
        return new

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        # Writes are rare and short (one small file): blocking the loop for them is cheaper
        # than a thread hop on every control-plane call.
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def write(self, record: MachineRecord) -> None:
        target = self.machines / f"{record.name}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(record.to_json())
        os.replace(tmp, target)

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.machines / f"{name}.json").unlink()

    def read_all(self) -> list[MachineRecord]:
        records = []
        for path in self.machines.glob("*.json"):
            with contextlib.suppress(FileNotFoundError, ValueError, TypeError):
                records.append(MachineRecord.from_json(path.read_bytes()))
        return records

    def close(self) -> None:
        self._map.close()
        os.close(self._version_fd)
        os.close(self._lock_fd)


class Registry:
    """Machines by ARN; ``prepare`` compiles a record loaded from another worker."""

    def __init__(
        self,
        prepare: Callable[[MachineRecord], None],
        shared: SharedDir | None = None,
    ) -> None:
        self._prepare = prepare
        self._shared = shared
        self._by_arn: dict[str, MachineRecord] = {}
        self._seen = -1
        if shared is not None:
            self._refresh()

    def get(self, arn: str) -> MachineRecord | None:
        shared = self._shared
        if shared is not None and shared.version() != self._seen:
            self._refresh()
        return self._by_arn.get(arn)

    def all(self) -> list[MachineRecord]:
        shared = self._shared
        if shared is not None and shared.version() != self._seen:
            self._refresh()
        return list(self._by_arn.values())

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the registry for a read-check-write sequence (create if absent, ...)."""
        shared = self._shared
        if shared is None:
            yield
            return
        with shared.locked():
            if shared.version() != self._seen:
                self._refresh()
            yield

    def put(self, record: MachineRecord) -> None:
        """Store a created or updated record (call inside ``writing()``)."""
        shared = self._shared
        if shared is not None:
            record.seq = shared.bump()
            shared.write(record)
            self._seen = record.seq
        self._by_arn[record.arn] = record

    def remove(self, record: MachineRecord) -> None:
        shared = self._shared
        if shared is not None:
            shared.delete(record.name)
            self._seen = shared.bump()
        self._by_arn.pop(record.arn, None)

    def _refresh(self) -> None:
        assert self._shared is not None
        # Read the version first: a write racing with the scan triggers another refresh.
        seen = self._shared.version()
        old = self._by_arn
        fresh: dict[str, MachineRecord] = {}
        for record in self._shared.read_all():
            known = old.get(record.arn)
            if known is not None and known.seq == record.seq:
                fresh[record.arn] = known
                continue
            try:
                self._prepare(record)
            except Exception:
                continue
            fresh[record.arn] = record
        self._by_arn = fresh
        self._seen = seen
