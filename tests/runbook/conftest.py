"""The CLI run as a user would, always in a throw-away project root, one clean world shared by the slow tests, and
steps run in this process as their notebooks run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aksegress.emulator import start_emulator
from aksegress.layout import ROOT_ENV
from aksegress.params import load_params
from tests.conftest import make_project

REPO = Path(__file__).resolve().parents[2]
AKSEGRESS = str(Path(sys.executable).with_name("aksegress"))


def as_the_notebook_does(runbook, key: str, run_dir: str, **mode) -> dict:
    """What step ``key``'s notebook does (plan, apply, every table, the checks): its ARM calls, verdicts and the step."""
    step = runbook.step(key, run_dir=run_dir, **mode)
    step.apply(step.plan())
    for table in step.spec.tables:
        step.table(table)
    report = step.verify()
    return {"calls": runbook.tally.since(step._tally_start), "checks": report.verdicts, "step": step}


@contextmanager
def estate_built(folder: Path, steps: tuple[str, ...]) -> Iterator[dict]:
    """params/local.yaml's ``steps`` built in this process by a run labelled `first`, each in a runbook of its own as in
    its own kernel, in a project root of ``folder``'s own: the emulator, the params, the first run's calls by step, and
    ``runbook()`` for another step's notebook."""
    from aksegress.connect import read_connection
    from aksegress.runbook import Runbook

    root = make_project(folder / "project")
    params = load_params(root / "params" / "local.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ROOT_ENV, str(root))
        with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json") as emulator:
            def runbook():
                return Runbook(params, connection=read_connection(folder / "arm.json"))

            first = {key: as_the_notebook_does(runbook(), key, str(folder / "first"))["calls"] for key in steps}
            yield {"emulator": emulator, "params": params, "folder": folder, "first": first, "runbook": runbook}


@pytest.fixture
def in_estate_project(estate, monkeypatch) -> Path:
    """The project root of the module's ``estate`` (``estate_built``) as this test's own, so its local files are found."""
    root = estate["folder"] / "project"
    monkeypatch.setenv(ROOT_ENV, str(root))
    return root


def world_project(folder: Path) -> Path:
    """The project root of the world kept in ``folder`` (made on first use), so every run on that world shares its local files."""
    root = Path(folder) / "project"
    return root if root.is_dir() else make_project(root)


def aksegress(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, in ``cwd`` (a project root of the test's own), without any emulator named by the environment."""
    if Path(cwd).resolve() == REPO:
        pytest.fail("run the CLI in a throw-away project root (the `project` fixture), never in the checkout")
    env = {k: v for k, v in os.environ.items() if k not in ("AKSEGRESS_CONNECTION", "AKSEGRESS_ROOT")}
    return subprocess.run([AKSEGRESS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def run_all(connection_file: Path, output: Path, *extra: str) -> subprocess.CompletedProcess:
    """`aksegress run` of the whole runbook for params/local.yaml against the emulator named, in its world's project root."""
    return aksegress("run", "--params", "params/local.yaml", "--connection-file", str(connection_file), "--output", str(output), *extra,
                     cwd=world_project(Path(connection_file).parent))


def fingerprint(connection_file: Path) -> list[tuple[str, str]]:
    """Every resource of the environment the connectivity model reads, as sorted (id, type) pairs.

    The NIC Azure makes for a private endpoint gets a random name (`<endpoint>.nic.<guid>`), so that part is
    left out of the comparison; every other name is the runbook's or derived from it.
    """
    from aksegress.live import environment_resources
    from aksegress.runbook import Runbook

    runbook = Runbook.open(params_file=str(REPO / "params" / "local.yaml"), connection_file=str(connection_file))
    return sorted({(re.sub(r"\.nic\.[0-9a-f-]{36}$", ".nic.*", r["id"].lower()), r.get("type", "").lower())
                   for r in environment_resources(runbook)})


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory):
    """A clean run of the whole runbook, then a second run; the emulator stays up for the session.

    `authorised` is what those two runs were authorised for, taken before any test acts on the world: the session's
    tests share it (and xdist's `loadfile` puts varying files on one worker), so later requests must not count."""
    folder = tmp_path_factory.mktemp("clean")
    params = load_params(REPO / "params" / "local.yaml")
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json") as emulator:
        first = run_all(folder / "arm.json", folder / "run1")
        writes_after_first = emulator.counters()["writes"]
        second = run_all(folder / "arm.json", folder / "run2")
        authorised = emulator.app.counters.authorised_actions()
        yield {"folder": folder, "project": world_project(folder), "first": first, "second": second, "emulator": emulator, "connection": folder / "arm.json",
               "writes_after_first": writes_after_first, "authorised": authorised, "writes_after_second": emulator.counters()["writes"],
               "fingerprint": fingerprint(folder / "arm.json")}
