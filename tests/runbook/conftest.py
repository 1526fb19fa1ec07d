"""A throw-away project root (the repo's params and notebooks, its own outputs) and an emulator for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aksegress.emulator import start_emulator
from aksegress.params import load_params

REPO = Path(__file__).resolve().parents[2]
AKSEGRESS = str(Path(sys.executable).with_name("aksegress"))


@pytest.fixture
def project(tmp_path) -> Path:
    """A project root whose outputs/ is private to the test."""
    (tmp_path / "params").symlink_to(REPO / "params")
    (tmp_path / "notebooks").symlink_to(REPO / "notebooks")
    return tmp_path


@pytest.fixture
def local_params():
    return load_params(REPO / "params" / "local.yaml")


@pytest.fixture
def emulator(tmp_path, local_params):
    with start_emulator(tmp_path / "arm.db", local_params.tenant_id, local_params.subscription_ids(),
                        connection_file=tmp_path / "arm.json") as running:
        yield running


def aksegress(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, in ``cwd``, without any emulator named by the environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("AKSEGRESS_CONNECTION", "AKSEGRESS_ROOT")}
    return subprocess.run([AKSEGRESS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
