"""Issue 15: a step reads the estate once. Its plan, tables, checks and connectivity model share each list (one per
resource group and type), a re-run reads no more than the first run, and the drift check plans every step on one read."""

import pytest

from tests.runbook.conftest import as_the_notebook_does, estate_built

STEPS = ("00", "01", "02", "03")
pytestmark = pytest.mark.usefixtures("in_estate_project")


def _lists_by_type(emulator) -> dict[str, int]:
    return {arm_type: counts["reads"] for arm_type, counts in emulator.counters()["by_type"].items() if counts["reads"]}


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """Steps 00-03 built once (the module's project root keeps the ownership record of what they made)."""
    with estate_built(tmp_path_factory.mktemp("reads"), STEPS) as built:
        yield built


def test_a_re_run_of_each_step_reads_no_more_than_its_first_run(estate):
    again = {key: as_the_notebook_does(estate["runbook"](), key, str(estate["folder"] / "again"))["calls"]["reads"] for key in STEPS}
    first = {key: estate["first"][key]["reads"] for key in STEPS}
    assert all(again[key] <= first[key] for key in STEPS), (first, again)


def test_a_re_run_step_lists_each_type_once_per_resource_group_for_plan_tables_checks_and_model(estate):
    groups = len({site.resource_group.lower() for _, site in estate["params"].sites()})
    estate["emulator"].app.counters.reset()
    as_the_notebook_does(estate["runbook"](), "03", str(estate["folder"] / "once"))
    lists = _lists_by_type(estate["emulator"])
    assert lists, "step 03 read nothing"
    assert max(lists.values()) <= groups, lists


def test_the_drift_check_plans_every_step_on_one_read_of_the_estate(estate):
    from aksegress.drift import drift_rows
    from aksegress.steps import all_steps

    runbook = estate["runbook"]()
    estate["emulator"].app.counters.reset()
    rows = drift_rows(runbook, [s for s in all_steps() if s.key[:2] in STEPS])
    lists = _lists_by_type(estate["emulator"])
    assert rows == []
    assert max(lists.values()) <= len({site.resource_group.lower() for _, site in estate["params"].sites()}), lists
