"""A plan-only run on a converged world is read-only and leaves plan.json and plan.md a reviewer can approve."""

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from aksegress.layout import environment_outputs
from tests.runbook.conftest import REPO, aksegress

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _params_with(tmp_path: Path, change) -> Path:
    params = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    change(params)
    path = tmp_path / "drifted.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def _local_files(project: Path) -> dict[str, str]:
    outputs = environment_outputs("local", project)
    return {str(p.relative_to(outputs)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("kube", "ssh") for p in sorted((outputs / folder).rglob("*")) if p.is_file()}


def _plan(world, params: Path, out: Path, *steps: str):
    return aksegress("run", "--params", str(params), "--plan", "--connection-file", str(world["connection"]), "--output", str(out), *steps,
                     cwd=world["project"])


@pytest.fixture(scope="module")
def planned(clean_world, tmp_path_factory):
    """A new access entry (spoke3 to spoke1's cluster) planned over the whole runbook of the converged world."""
    tmp = tmp_path_factory.mktemp("planned")
    params = _params_with(tmp, lambda p: p["access"].append({"from": "spoke3", "cluster": "spoke1"}))
    emulator = clean_world["emulator"]
    files_before, counts_before = _local_files(clean_world["project"]), emulator.counters()
    done = _plan(clean_world, params, tmp / "plan")
    counts_after = emulator.counters()
    return {"done": done, "dir": tmp / "plan", "writes": counts_after["writes"] - counts_before["writes"],
            "actions": counts_after["actions"] - counts_before["actions"], "files_before": files_before,
            "files_after": _local_files(clean_world["project"])}


def test_a_plan_sends_no_write_and_no_action_and_exits_2_on_drift(planned):
    assert planned["done"].returncode == 2, planned["done"].stdout[-3000:] + planned["done"].stderr[-2000:]
    assert (planned["writes"], planned["actions"]) == (0, 0)


def test_a_plan_rewrites_no_kubeconfig_or_ssh_key(planned):
    assert planned["files_before"] and planned["files_after"] == planned["files_before"]


def test_plan_json_lists_every_change_with_full_values(planned):
    plan = json.loads((planned["dir"] / "plan.json").read_text())
    run = json.loads((planned["dir"] / "run.json").read_text())
    assert {"environment", "target", "params_sha256", "commit", "changes", "reachability"} <= set(plan)
    assert len(plan["changes"]) == sum(s["changes"]["planned"] for s in run["steps"]) > 0
    assert all(c["action"] in ("create", "update", "delete") and c["diff"] and c["name"] for c in plan["changes"])
    link = next(c for c in plan["changes"] if c["id"].lower().endswith("/virtualnetworklinks/link-vnet-spoke3"))
    assert link["action"] == "create" and link["diff"][0]["after"]["properties"]["virtualNetwork"]["id"].lower().endswith("/vnet-spoke3")


def test_a_new_access_entry_opens_exactly_that_flow(planned):
    reach = json.loads((planned["dir"] / "plan.json").read_text())["reachability"]
    assert [(f["source"], f["destination"], f["port"]) for f in reach["opens"]] == [("vm-spoke3", "privateaksspoke1", 443)]
    assert reach["closes"] == []


def test_plan_md_and_the_run_index_say_drift_with_the_count_and_the_impact(planned):
    count = len(json.loads((planned["dir"] / "plan.json").read_text())["changes"])
    markdown = (planned["dir"] / "plan.md").read_text()
    assert f"drift: {count} change(s)" in markdown and "opens vm-spoke3 -> privateaksspoke1 TCP/443" in markdown
    index = (planned["dir"] / "index.html").read_text()
    assert f"drift: {count} change(s)" in index and "vm-spoke3 -&gt; privateaksspoke1" in index
    assert f"drift: {count} change(s)" in planned["done"].stdout


def test_no_page_of_a_plan_run_loads_a_script_from_another_host(planned):
    pages = list(planned["dir"].glob("*.html"))
    assert len(pages) > 1 and not any("<script src=\"http" in p.read_text() for p in pages)


def test_a_plan_that_removes_the_access_rule_closes_its_flow(clean_world):
    from aksegress.desired.cross_vnet_access import access_group_id
    from aksegress.impact import reachability_impact
    from aksegress.runbook import Runbook

    step = Runbook.open(params_file=str(REPO / "params" / "local.yaml"), connection_file=str(clean_world["connection"])).step("08")
    group_id = access_group_id(step.params)
    observed = step.snapshot().raw[group_id.lower()]
    body = {"properties": {**observed["properties"], "ruleCollections": [{**c, "rules": []} for c in observed["properties"]["ruleCollections"]]}}
    impact = reachability_impact(step.params, step.snapshot(), [("update", group_id, body)])
    assert [(f.source, f.destination) for f in impact.closes] == [("vm-spoke2", "privateaksspoke1")] and impact.opens == []


def test_a_tag_only_change_opens_and_closes_nothing(clean_world, tmp_path):
    params = _params_with(tmp_path, lambda p: p["tags"].update(costcentre="cc-42"))
    done = _plan(clean_world, params, tmp_path / "plan", "--to", "01")
    assert done.returncode == 2, done.stdout[-3000:]
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert plan["changes"] and plan["reachability"] == {"opens": [], "closes": []}
    assert "opens nothing, closes nothing" in (tmp_path / "plan" / "plan.md").read_text()


def _offline(page) -> list[str]:
    """Abort every request that is not for a local file, and return the list of those that tried to leave."""
    left: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(("file:", "data:")) else left.append(request.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    return left


@pytest.mark.browser
def test_offline_the_plan_runs_index_shows_the_changes_by_step_and_the_reachability_impact(planned, page):
    count = len(json.loads((planned["dir"] / "plan.json").read_text())["changes"])
    left = _offline(page)
    page.goto((planned["dir"] / "index.html").as_uri(), wait_until="load")
    assert page.locator(".verdict").inner_text() == f"drift: {count} change(s)"
    impact = page.locator("h2:has-text('Reachability impact') + ul").inner_text()
    assert impact.startswith("opens vm-spoke3 -> privateaksspoke1 TCP/443")
    step_08 = page.locator("h3:has-text('08-cross-vnet-access') + ul").inner_text()
    assert "link-vnet-spoke3" in step_08 and "rule collection group" in step_08
    assert left == []


@pytest.mark.browser
def test_offline_a_step_page_of_the_plan_run_renders_and_asks_no_other_host(planned, page):
    left = _offline(page)
    page.goto((planned["dir"] / "index.html").as_uri(), wait_until="load")
    page.get_by_role("link", name="08-cross-vnet-access").click()
    page.wait_for_url("**/08-cross-vnet-access.html", wait_until="load")
    assert "not checked: plan-only run" in page.locator("body").inner_text()
    page.get_by_role("link", name="back to the run").click()
    page.wait_for_url("**/index.html", wait_until="load")
    assert left == []


def test_removing_the_last_access_entry_plans_deleting_its_rule_group_and_zone_links_and_closes_the_flow(clean_world, tmp_path):
    params = _params_with(tmp_path, lambda p: p.update(access=[]))
    done = _plan(clean_world, params, tmp_path / "plan", "--from", "08", "--to", "08")
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-2000:]
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    deletes = sorted((c["type"], c["name"].rsplit("/", 1)[-1]) for c in plan["changes"] if c["action"] == "delete")
    assert deletes == [("private DNS zone link", "link-vnet-hub"), ("private DNS zone link", "link-vnet-spoke2"),
                       ("rule collection group", "spoke-access")]
    assert [(f["source"], f["destination"], f["port"]) for f in plan["reachability"]["closes"]] == [("vm-spoke2", "privateaksspoke1", 443)]
    assert plan["reachability"]["opens"] == []
