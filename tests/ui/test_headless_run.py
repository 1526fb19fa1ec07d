"""`aksegress run` with every widget in the notebooks: nobody clicks, the parameters decide, and the record says so."""

import json

import pytest

from aksegress.ui.widgets import read_choices
from tests.runbook.conftest import REPO, aksegress

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    project = tmp_path_factory.mktemp("project")
    (project / "params").symlink_to(REPO / "params")
    (project / "notebooks").symlink_to(REPO / "notebooks")
    done = aksegress("run", "--env", "local", "--to", "01", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    (run_dir,) = [p for p in (project / "outputs" / "local").iterdir() if (p / "run.json").exists()]
    return project, run_dir


def _choices(run_dir, notebook):
    return [(c["widget"], c["choice"], c["reason"]) for c in read_choices(json.loads((run_dir / notebook).read_text()))]


def test_the_executed_notebooks_record_the_environment_and_the_plan_choice_the_parameters_made(first_run):
    _, run_dir = first_run
    assert _choices(run_dir, "01-hub-and-spokes.ipynb") == [
        ("environment", "local", "environment 'local' (parameter env)"),
        ("plan", "apply", "applied the plan (parameter auto_apply=True)")]


def test_the_apply_printed_what_it_waited_on(first_run):
    _, run_dir = first_run
    text = (run_dir / "01-hub-and-spokes.ipynb").read_text()
    assert "waiting for vnet-hub" in text and "headless run: applied the plan (parameter auto_apply=True)" in text


def test_the_topology_of_the_observed_state_is_in_the_executed_notebook(first_run):
    _, run_dir = first_run
    assert 'data-kind=\\"peering\\" data-name=\\"vnet-hub-to-vnet-spoke1\\" data-state=\\"Connected\\"' in (run_dir / "01-hub-and-spokes.ipynb").read_text()


def test_the_run_leaves_html_pages_an_index_and_an_environment_index_without_the_connection_secrets(first_run):
    project, run_dir = first_run
    pages = {p.name for p in run_dir.glob("*.html")}
    assert pages == {"index.html", "00-prerequisites.html", "01-hub-and-spokes.html"}
    assert run_dir.name in (project / "outputs" / "local" / "index.html").read_text()
    connection = json.loads((project / "outputs" / "local" / "emulator" / "connection.json").read_text())
    for page in [*run_dir.glob("*.html"), project / "outputs" / "local" / "index.html"]:
        text = page.read_text()
        assert connection["client_secret"] not in text and connection["token"] not in text
