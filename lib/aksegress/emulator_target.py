"""The emulator target: an emulator on the environment's own state file, for a run or for a notebook opened alone.

Only the places that choose the emulator target import this module, so the Azure path never loads the emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aksegress.connection import Connection
from aksegress.emulator import Emulator, start_emulator
from aksegress.layout import emulator_files

__all__ = ["EnvironmentEmulator", "embedded_emulator", "environment_emulator"]


@dataclass
class EnvironmentEmulator:
    emulator: Emulator
    state_path: Path
    connection_path: Path

    @property
    def connection(self) -> Connection:
        return self.emulator.connection


@contextmanager
def environment_emulator(params, root: Path) -> Iterator[EnvironmentEmulator]:
    """An emulator on the environment's own state file, for the length of a run."""
    state, conn_file = emulator_files(params.environment, root)
    state.parent.mkdir(parents=True, exist_ok=True)
    emulator = start_emulator(state, params.tenant_id, params.subscription_ids(), connection_file=conn_file)
    try:
        yield EnvironmentEmulator(emulator, state, conn_file)
    finally:
        emulator.stop()


_embedded: dict[str, Emulator] = {}


def embedded_emulator(params, root: Path) -> Connection:
    """An emulator started inside this process (a notebook opened on its own), kept until the process ends."""
    state, conn_file = emulator_files(params.environment, root)
    key = str(state.resolve()) if state.exists() else str(state)
    if key not in _embedded:
        state.parent.mkdir(parents=True, exist_ok=True)
        _embedded[key] = start_emulator(state, params.tenant_id, params.subscription_ids(), connection_file=conn_file)
    return _embedded[key].connection
