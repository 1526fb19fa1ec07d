"""What a run's record tells an auditor: the code it ran, and, across runs, who ran what with what outcome."""

import getpass
import hashlib
import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from aksegress.provenance import source_of
from tests.browser.conftest import lab_project as committed_project
from tests.runbook.conftest import aksegress

pytestmark = pytest.mark.slow


def _run(root: Path, connection: Path, *args: str) -> subprocess.CompletedProcess:
    return aksegress("run", "--params", "params/local.yaml", "--connection-file", str(connection), *args, cwd=root)


def _rows(page: str) -> list[list[str]]:
    """The text of each cell of each body row of a page's first table."""
    rows = re.findall(r"<tr class=[^>]*>(.*?)</tr>", page, re.S)
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_a_run_records_the_commit_the_dirty_tree_and_the_notebook_that_differs_from_it(emulator, tmp_path):
    root = committed_project(tmp_path / "checkout")
    notebook = root / "notebooks" / "00-prerequisites.ipynb"
    notebook.write_text(notebook.read_text() + "\n")
    done = _run(root, tmp_path / "arm.json", "--to", "00", "--plan", "--output", str(tmp_path / "run"))
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    assert (record["commit"], record["dirty"]) == (head, True)
    assert record["notebooks"] == {"00-prerequisites.ipynb": {"sha256": digest, "differs_from_commit": True}}
    index = (tmp_path / "run" / "index.html").read_text()
    assert head in index and "notebooks not as committed: 00-prerequisites.ipynb" in index
    assert f"<code>{digest}</code> <b>differs from the commit</b>" in index


def test_a_checkout_as_committed_is_recorded_clean_with_each_notebook_as_committed(tmp_path):
    root = committed_project(tmp_path / "checkout")
    source = source_of(root, ["00-prerequisites.ipynb", "01-hub-and-spokes.ipynb"])
    assert source["dirty"] is False and source["commit"]
    assert [n["differs_from_commit"] for n in source["notebooks"].values()] == [False, False]


def test_outside_a_git_checkout_the_run_index_says_so_instead_of_none(tmp_path):
    from aksegress.report import run_index_html

    record = {"run_id": "r1", "environment": "local", "steps": [], **source_of(tmp_path, [])}
    page = run_index_html(record)
    assert "not a git checkout" in page and "None" not in page


def test_the_list_of_runs_shows_who_plan_or_apply_changes_drift_and_status(emulator, tmp_path, project):
    applied = _run(project, tmp_path / "arm.json", "--to", "00")
    assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-2000:]
    planned = _run(project, tmp_path / "arm.json", "--to", "01", "--plan")
    assert planned.returncode == 2, planned.stdout[-2000:] + planned.stderr[-2000:]
    page = (project / "outputs" / "local" / "index.html").read_text()
    header = [unescape(h) for h in re.findall(r"<th>(.*?)</th>", page)]
    assert header[:6] == ["run", "who", "plan or apply", "changes", "drift", "status"]
    plan_row, apply_row = (row[1:6] for row in _rows(page))
    principal = json.loads(next((project / "outputs" / "local").glob("*/run.json")).read_text())["azure_identity"]["name"]
    assert plan_row[0].startswith(f"{principal} (object id ") and f"local {getpass.getuser()}@" in plan_row[0]
    planned_count = int(re.search(r"drift: (\d+) change", planned.stdout).group(1))
    assert plan_row[1:] == ["plan", f"{planned_count} planned", "drift", "drift"]
    assert apply_row[1:] == ["apply", "4 applied", "not verified in this run (step 09-verify did not run)", "passed"]


def test_an_unconfirmed_teardown_lists_what_it_would_delete_and_what_it_would_keep_and_why(emulator, tmp_path, project, local_params):
    from tests.emulator.conftest import raw_request

    made = _run(project, tmp_path / "arm.json", "--to", "00")
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    users = f"/subscriptions/{local_params.hub.subscription_id}/resourceGroups/rg-hub/providers/Microsoft.Network/routeTables/rt-users"
    put = raw_request(emulator.connection, "PUT", users + "?api-version=2023-09-01", body={"location": "eastus2"})
    assert put.status in (200, 201)
    done = aksegress("teardown", "--params", "params/local.yaml", "--connection-file", str(tmp_path / "arm.json"), cwd=project)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "would delete resource group rg-spoke1" in done.stdout and "would delete resource group rg-hub" not in done.stdout
    assert "would keep resource group rg-hub holds route table rt-users, not deleted by this teardown" in done.stdout
