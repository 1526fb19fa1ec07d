"""A runbook bound to a fresh emulator of params/local.yaml, and the shared project fixtures of the runbook tests."""

from __future__ import annotations

import pytest

from aksegress.emulator import start_emulator
from aksegress.params import load_params
from aksegress.runbook import Runbook
from tests.runbook.conftest import project  # noqa: F401  (fixture)
from tests.ui.estates import LOCAL_PARAMS


@pytest.fixture
def emulator(tmp_path):
    params = load_params(LOCAL_PARAMS)
    with start_emulator(tmp_path / "arm.db", params.tenant_id, params.subscription_ids(),
                        connection_file=tmp_path / "arm.json") as running:
        yield running


@pytest.fixture
def runbook(emulator, tmp_path) -> Runbook:
    return Runbook.open(params_file=str(LOCAL_PARAMS), connection_file=str(tmp_path / "arm.json"))
