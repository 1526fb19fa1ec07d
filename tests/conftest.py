"""Fixtures shared across the suite: a project root of each test's own, and an emulator serving params/local.yaml.

Nothing a test runs writes into the checkout: $AKSEGRESS_ROOT names a throw-away project root (the repo's params
and notebooks, linked; an outputs/ of its own), so SSH keys, kubeconfigs, emulator state and runs land there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aksegress.emulator import start_emulator
from aksegress.layout import ROOT_ENV
from aksegress.params import load_params

REPO = Path(__file__).resolve().parents[1]
LOCAL_PARAMS = REPO / "params" / "local.yaml"
pytest_plugins = ("tests.browser.playwright_fixtures",)


def make_project(folder: Path) -> Path:
    """A throw-away project root in ``folder``: the repo's params/ and notebooks/ linked in, outputs/ its own."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params").symlink_to(REPO / "params")
    (folder / "notebooks").symlink_to(REPO / "notebooks")
    return folder


@pytest.fixture(scope="session", autouse=True)
def session_project(tmp_path_factory):
    """The project root of session- and module-scoped fixtures that run library code in this process."""
    with pytest.MonkeyPatch.context() as patch:
        root = make_project(tmp_path_factory.mktemp("session-project"))
        patch.setenv(ROOT_ENV, str(root))
        yield root


@pytest.fixture(autouse=True)
def project(tmp_path_factory, monkeypatch) -> Path:
    """This test's own project root, named by $AKSEGRESS_ROOT; also the cwd to give the CLI a test runs."""
    root = make_project(tmp_path_factory.mktemp("project"))
    monkeypatch.setenv(ROOT_ENV, str(root))
    return root


@pytest.fixture
def local_params():
    return load_params(LOCAL_PARAMS)


@pytest.fixture
def emulator(tmp_path, local_params):
    """A fresh emulator for params/local.yaml; its connection file is tmp_path/arm.json."""
    with start_emulator(tmp_path / "arm.db", local_params.tenant_id, local_params.subscription_ids(),
                        connection_file=tmp_path / "arm.json") as running:
        yield running
