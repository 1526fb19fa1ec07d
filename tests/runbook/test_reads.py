"""Issue 15: a step reads the estate once. Its plan, tables, checks and connectivity model share each list (one per
resource group and type), a re-run reads no more than the first run, and the drift check plans every step on one read."""

import pytest

from aksegress.connect import read_connection
from aksegress.layout import ROOT_ENV
from aksegress.runbook import Runbook
from tests.conftest import make_project

STEPS = ("00", "01", "02", "03")


def _as_the_notebook_does(runbook, key: str, run_dir: str) -> dict:
    step = runbook.step(key, run_dir=run_dir)
    step.apply(step.plan())
    for table in step.spec.tables:
        step.table(table)
    step.verify()
    return runbook.tally.since(step._tally_start)


def _lists_by_type(emulator) -> dict[str, int]:
    return {arm_type: counts["reads"] for arm_type, counts in emulator.counters()["by_type"].items() if counts["reads"]}


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """Steps 00-03 built once, in a project root of this module's own (its ownership record says what they made)."""
    from aksegress.params import load_params

    folder = tmp_path_factory.mktemp("reads")
    root = make_project(folder / "project")
    params = load_params(root / "params" / "local.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ROOT_ENV, str(root))
        yield from _built(folder, params)


@pytest.fixture(autouse=True)
def project(estate, monkeypatch):
    monkeypatch.setenv(ROOT_ENV, str(estate["folder"] / "project"))
    return estate["folder"] / "project"


def _built(folder, params):
    from aksegress.emulator import start_emulator

    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json") as emulator:
        runbook = Runbook(params, connection=read_connection(folder / "arm.json"))
        first = {key: _as_the_notebook_does(runbook, key, str(folder / "first"))["reads"] for key in STEPS}
        yield {"emulator": emulator, "params": params, "folder": folder, "first": first,
               "rerun": lambda: Runbook(params, connection=read_connection(folder / "arm.json"))}


def test_a_re_run_of_each_step_reads_no_more_than_its_first_run(estate):
    runbook = estate["rerun"]()
    again = {key: _as_the_notebook_does(runbook, key, str(estate["folder"] / "again"))["reads"] for key in STEPS}
    assert all(again[key] <= estate["first"][key] for key in STEPS), (estate["first"], again)


def test_a_re_run_step_lists_each_type_once_per_resource_group_for_plan_tables_checks_and_model(estate):
    groups = len({site.resource_group.lower() for _, site in estate["params"].sites()})
    estate["emulator"].app.counters.reset()
    _as_the_notebook_does(estate["rerun"](), "03", str(estate["folder"] / "once"))
    lists = _lists_by_type(estate["emulator"])
    assert lists, "step 03 read nothing"
    assert max(lists.values()) <= groups, lists


def test_the_drift_check_plans_every_step_on_one_read_of_the_estate(estate):
    from aksegress.drift import drift_rows
    from aksegress.steps import all_steps

    runbook = estate["rerun"]()
    estate["emulator"].app.counters.reset()
    rows = drift_rows(runbook, [s for s in all_steps() if s.key[:2] in STEPS])
    lists = _lists_by_type(estate["emulator"])
    assert rows == []
    assert max(lists.values()) <= len({site.resource_group.lower() for _, site in estate["params"].sites()}), lists
