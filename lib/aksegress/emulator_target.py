"""The emulator target: one emulator per environment state file, shared by every command and notebook that needs it.

A running emulator owns its state file through a lock beside it (``state.db.lock``), held with ``flock`` for as
long as the emulator runs and naming its connection file. Whoever needs the environment's emulator joins the one
holding the lock; a lock left by a killed emulator is free again (the kernel drops ``flock`` with the process), so
the next caller starts a new emulator on the same state. Only the places that choose the emulator target import this
module, so the Azure path never loads the emulator.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aksegress.connection import Connection
from aksegress.emulator import Emulator, start_emulator
from aksegress.errors import EmulatorError
from aksegress.layout import emulator_files

__all__ = ["EnvironmentEmulator", "embedded_emulator", "environment_emulator", "lock_path", "serve_state"]

JOIN_TIMEOUT = 30.0
"""How long to wait for an emulator that holds the lock but has not yet written its connection file."""


def lock_path(state: str | Path) -> Path:
    """The lock beside a state file, held by the emulator serving it."""
    state = Path(state)
    return state.with_name(state.name + ".lock")


@dataclass
class EnvironmentEmulator:
    """The emulator serving one state file: ``emulator`` when this process started it, None when it joined another's."""

    emulator: Emulator | None
    state_path: Path
    connection_path: Path | None
    connection: Connection
    _lock_fd: int | None = None

    @property
    def owner(self) -> bool:
        return self.emulator is not None

    def stop(self) -> None:
        """Stop the emulator this process started and free its lock; a joined one keeps running."""
        if self.emulator is None:
            return
        self.emulator.stop()
        self.emulator = None
        if self._lock_fd is not None:
            os.ftruncate(self._lock_fd, 0)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None


def serve_state(state: str | Path, tenant_id: str | None = None, subscriptions=(), *, connection_file: str | Path | None = None,
                **options) -> EnvironmentEmulator:
    """Join the emulator already serving ``state``, or start one that owns it (``options`` as for ``start_emulator``)."""
    state = Path(state)
    state.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(state)
    deadline = time.monotonic() + JOIN_TIMEOUT
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_lock(fd)
            os.close(fd)
            joined = _join(state, holder)
            if joined is not None:
                return joined
            if time.monotonic() > deadline:
                raise EmulatorError(f"emulator state {state} is locked by process {holder.get('pid', '?')}, which wrote no connection file",
                                    hint=f"stop process {holder.get('pid', '?')} (or start it with a connection file), then run this again") from None
            time.sleep(0.1)
            continue
        return _own(fd, state, tenant_id, subscriptions, connection_file, options)


def _own(fd: int, state: Path, tenant_id, subscriptions, connection_file, options) -> EnvironmentEmulator:
    try:
        emulator = start_emulator(state, tenant_id, subscriptions, connection_file=connection_file, **options)
    except BaseException:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        raise
    conn_path = Path(connection_file).absolute() if connection_file else None
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": os.getpid(), "endpoint": emulator.connection.endpoint,
                              "connection_file": str(conn_path) if conn_path else None}).encode(), 0)
    return EnvironmentEmulator(emulator, state, conn_path, emulator.connection, fd)


def _read_lock(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 65536, 0) or b"{}")
    except ValueError:
        return {}


def _join(state: Path, holder: dict) -> EnvironmentEmulator | None:
    """The emulator named by a held lock, once it has written its connection file; None until then."""
    path = holder.get("connection_file")
    if not path or not Path(path).exists():
        return None
    connection = Connection.read(path)
    if holder.get("endpoint") and connection.endpoint != holder["endpoint"]:
        return None
    return EnvironmentEmulator(None, state, Path(path), connection)


@contextmanager
def environment_emulator(params, root: Path) -> Iterator[EnvironmentEmulator]:
    """The environment's emulator for the length of a run: the one already serving its state, else one started here."""
    state, conn_file = emulator_files(params.environment, root)
    served = serve_state(state, params.tenant_id, params.subscription_ids(), connection_file=conn_file)
    try:
        yield served
    finally:
        served.stop()


_embedded: dict[str, EnvironmentEmulator] = {}


def embedded_emulator(params, root: Path) -> Connection:
    """The environment's emulator for a notebook or command opened on its own: the running one, else one started
    inside this process and kept until the process ends."""
    state, conn_file = emulator_files(params.environment, root)
    key = str(state.absolute())
    served = _embedded.get(key)
    if served is None or not served.owner:
        served = serve_state(state, params.tenant_id, params.subscription_ids(), connection_file=conn_file)
        if served.owner:
            _embedded[key] = served
            _stop_at_exit(served)
    return served.connection


def _stop_at_exit(served: EnvironmentEmulator) -> None:
    """Stop an embedded emulator, and free its lock, when the process exits (its server threads are daemons, so
    nothing waits for them before atexit runs)."""
    atexit.register(served.stop)
