"""Fixtures shared across the suite: an emulator serving the tenant and subscriptions of params/local.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from aksegress.emulator import start_emulator
from aksegress.params import load_params

LOCAL_PARAMS = Path(__file__).resolve().parents[1] / "params" / "local.yaml"


@pytest.fixture
def local_params():
    return load_params(LOCAL_PARAMS)


@pytest.fixture
def emulator(tmp_path, local_params):
    """A fresh emulator for params/local.yaml; its connection file is tmp_path/arm.json."""
    with start_emulator(tmp_path / "arm.db", local_params.tenant_id, local_params.subscription_ids(),
                        connection_file=tmp_path / "arm.json") as running:
        yield running
