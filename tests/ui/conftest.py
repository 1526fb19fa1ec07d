"""A runbook bound to a fresh emulator of params/local.yaml."""

from __future__ import annotations

import pytest

from aksegress.runbook import Runbook
from tests.ui.estates import LOCAL_PARAMS


@pytest.fixture
def runbook(emulator, tmp_path) -> Runbook:
    return Runbook.open(params_file=str(LOCAL_PARAMS), connection_file=str(tmp_path / "arm.json"))
