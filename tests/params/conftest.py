"""Shared fixtures: the article's parameters as data, and a way to see the problems a change causes."""

import copy
from pathlib import Path

import pytest
import yaml

from aksegress.errors import ParamsError
from aksegress.params import validate_params

ROOT = Path(__file__).resolve().parents[2]
_LOCAL = yaml.safe_load((ROOT / "params" / "local.yaml").read_text())


@pytest.fixture
def data():
    """A fresh, valid copy of params/local.yaml to break in one place."""
    return copy.deepcopy(_LOCAL)


@pytest.fixture
def problems():
    """Validate data and return its problems as {field: messages joined by newlines}; fails the test if the
    data is valid."""

    def run(value):
        with pytest.raises(ParamsError) as caught:
            validate_params(value, "test.yaml")
        found = {}
        for field, message in caught.value.problems:
            found[field] = f"{found[field]}\n{message}" if field in found else message
        return found

    return run
