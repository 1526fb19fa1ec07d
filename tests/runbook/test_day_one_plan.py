"""`aksegress run --plan` before anything exists: a pipeline's first gate. Every step that can be planned is, each
step's flows are measured from what the earlier steps of the plan would leave, and the steps that need a cluster
are known only after apply, as Terraform says it."""

import json

import pytest

from aksegress.emulator import start_emulator
from aksegress.params import load_params
from tests.runbook.conftest import REPO, aksegress, world_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def day_one(tmp_path_factory):
    folder = tmp_path_factory.mktemp("day-one")
    params = load_params(REPO / "params" / "local.yaml")
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json") as emulator:
        done = aksegress("run", "--params", "params/local.yaml", "--plan", "--connection-file", str(folder / "arm.json"),
                         "--output", str(folder / "plan"), cwd=world_project(folder))
        yield {"done": done, "folder": folder, "writes": emulator.counters()["writes"],
               "record": json.loads((folder / "plan" / "run.json").read_text()), "plan_md": (folder / "plan" / "plan.md").read_text(),
               "page_06": (folder / "plan" / "06-network-role.html").read_text()}


def test_a_plan_of_an_empty_estate_exits_2_for_drift_and_writes_nothing(day_one):
    assert day_one["done"].returncode == 2, day_one["done"].stdout[-3000:]
    assert day_one["writes"] == 0


def test_the_steps_that_need_the_cluster_are_known_after_apply_and_plan_md_says_why(day_one):
    statuses = {s["name"]: s["status"] for s in day_one["record"]["steps"]}
    assert [name for name, status in statuses.items() if status == "known after apply"] == ["06-network-role", "08-cross-vnet-access"]
    assert all(status == "passed" for name, status in statuses.items() if name not in ("06-network-role", "08-cross-vnet-access"))
    assert "known after apply: cluster privateaksspoke1 in spoke1 is absent; this plan creates it in 05-private-aks" in day_one["done"].stdout
    assert "- 06-network-role: cluster privateaksspoke1 in spoke1 is absent; run step 05-private-aks first" in day_one["plan_md"]
    assert "**drift: 48 change(s); 2 step(s) known after apply**" in day_one["plan_md"]


def test_a_known_after_apply_steps_page_says_so_above_papermills_exception(day_one):
    page = day_one["page_06"]
    note = page.index("Known after apply: this plan-only step needs what an earlier step of the plan creates")
    assert "cluster privateaksspoke1 in spoke1 is absent" in page[note:note + 300] and note < page.index("An Exception was encountered")


def test_each_steps_egress_impact_is_measured_from_what_the_earlier_steps_would_leave(day_one):
    impact = {s["name"]: s.get("impact") or {} for s in day_one["record"]["steps"]}
    around = [f for f in impact["01-hub-and-spokes"]["opens"] if f["kind"] == "egress" and f["around_firewall"]]
    assert len(around) == 27
    assert {f["flow"] for f in impact["03-route-tables"]["closes"]} == {f["flow"] for f in around}
    assert {f["rule"] for f in impact["04-firewall-rules"]["opens"]} == {"aks-fqdns/aks-fqdn-tag", "aks-network/ntp"}


def test_the_plans_net_impact_is_egress_through_the_firewall_rules_and_none_around_it(day_one):
    lines = [line for line in day_one["plan_md"].split("### Known after apply")[0].splitlines() if line.startswith("- ")]
    assert len(lines) == 6 and not any("around the firewall" in line for line in lines)
    assert "- opens egress vnet-spoke1/aks -> ntp.ubuntu.com UDP/123 (rule aks-network/ntp)" in lines


def test_a_missing_cluster_no_earlier_step_of_the_plan_creates_fails_the_plan(day_one):
    done = aksegress("run", "--params", "params/local.yaml", "--plan", "--from", "06", "--to", "06",
                     "--connection-file", str(day_one["folder"] / "arm.json"), "--output", str(day_one["folder"] / "alone"),
                     cwd=world_project(day_one["folder"]))
    assert done.returncode == 1, done.stdout[-2000:]
    assert "FAILED in 06-network-role.ipynb" in done.stdout and "run step 05-private-aks first" in done.stdout
