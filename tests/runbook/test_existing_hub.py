"""Issue 17: an environment joins a hub another one built and owns (``hub.existing: true``). What it may not write in
the hub becomes a change request; the run waits for the hub's owners, who apply it through the SDK, and the next run
carries on. Two environments share one emulator: ``hub-team`` (builds the hub, spokes h1 and h2) and ``app-team``
(spokes a1 and a2, tests/runbook/data/app-team.yaml).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aksegress.connect import Clients
from aksegress.emulator import Connection, start_emulator
from aksegress.live import resources_in_group
from aksegress.params import load_params
from tests.runbook.conftest import aksegress, world_project

DATA = Path(__file__).parent / "data"
HUB_TEAM, APP_TEAM = load_params(DATA / "hub-team.yaml"), load_params(DATA / "app-team.yaml")
SUBSCRIPTIONS = sorted({*HUB_TEAM.subscription_ids(), *APP_TEAM.subscription_ids()})
WAITING_EXIT = 4


def _app_params(folder: Path, writes: list[str]) -> Path:
    data = yaml.safe_load((DATA / "app-team.yaml").read_text())
    data["hub"]["writes"] = writes
    path = folder / "app-team.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _run(world, params: Path, *extra: str, connection: Path | None = None):
    return aksegress(*extra or ("run",), "--params", str(params), "--connection-file", str(connection or world["connection"]),
                     cwd=world["project"])


def _app_team_principal(world, params: Path) -> Path:
    """A service principal for app-team with exactly what `aksegress permissions --grant-to` gives it (no write in the
    hub), made as a platform team would: `aksegress emulator principal`, then the grant by the subscriptions' owner."""
    made = aksegress("emulator", "principal", "--connection-file", str(world["connection"]), "--name", "app-team",
                     "--out", str(world["folder"] / "app-team-principal.json"), cwd=world["project"])
    assert made.returncode == 0, made.stdout + made.stderr
    granted = _run(world, params, "permissions", "--grant-to", json.loads(made.stdout)["objectId"])
    assert granted.returncode == 0, granted.stdout + granted.stderr
    return world["folder"] / "app-team-principal.json"


def _clients(world, subscription: str) -> Clients:
    return Clients.for_emulator(Connection.read(world["connection"]), subscription)


def hub_etags(world) -> dict[str, str]:
    """Every resource in the hub's resource group, with the subnets and peerings inside its VNet, by id: its etag."""
    hub = HUB_TEAM.hub
    out = {}
    for body in resources_in_group(_clients(world, hub.subscription_id), hub.resource_group):
        out[body["id"].lower()] = body.get("etag")
        for key in ("subnets", "virtualNetworkPeerings"):
            out |= {child["id"].lower(): child.get("etag") for child in (body.get("properties") or {}).get(key) or []}
    return out


def apply_as_hub_owner(world, request_file: Path) -> list[str]:
    """What the hub's owners do with a change request: send its requests, as written, through the SDK's generic
    resources API (the emulator's own principal is Owner of every subscription)."""
    document = json.loads(Path(request_file).read_text())
    for request in document["requests"]:
        resources = _clients(world, request["id"].split("/")[2]).resource.resources
        if request["method"] == "PUT":
            resources.begin_create_or_update_by_id(request["id"], request["body"], api_version=request["api_version"]).result()
        else:
            resources.begin_delete_by_id(request["id"], api_version=request["api_version"]).result()
    return [r["id"] for r in document["requests"]]


def _doctor(world, params, connection: Path | None = None) -> dict:
    done = _run(world, params, "doctor", "--json", connection=connection)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr
    return json.loads(done.stdout)


def _latest_run(world, env: str) -> Path:
    return sorted((world["project"] / "outputs" / env).glob("2*/run.json"))[-1].parent


@pytest.fixture(scope="module")
def hub_world(tmp_path_factory):
    """A factory of fresh worlds: one emulator for both environments, with hub-team's whole runbook run in it."""
    emulators = []

    def make(name: str) -> dict:
        folder = tmp_path_factory.mktemp(name)
        emulators.append(start_emulator(folder / "arm.db", HUB_TEAM.tenant_id, SUBSCRIPTIONS, connection_file=folder / "arm.json"))
        emulators[-1].__enter__()
        world = {"folder": folder, "connection": folder / "arm.json", "project": world_project(folder)}
        built = _run(world, DATA / "hub-team.yaml")
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        world["hub_team_doctor"] = _doctor(world, DATA / "hub-team.yaml")
        world["etags_before"] = hub_etags(world)
        return world

    yield make
    for emulator in reversed(emulators):
        emulator.__exit__(None, None, None)


@pytest.fixture(scope="module")
def joined(hub_world):
    """app-team with ``hub.writes: []``, signed in as a principal that may not write in the hub: each run that waits
    has its change request applied by the hub's owners, until a run completes; what each run saw is kept for the tests."""
    world = hub_world("joined")
    params = _app_params(world["folder"], [])
    world["params"], world["runs"], world["applied"] = params, [], []
    world["app_team"] = _app_team_principal(world, params)
    for _ in range(4):
        done = _run(world, params, connection=world["app_team"])
        run_dir = _latest_run(world, "app-team")
        world["runs"].append({"done": done, "dir": run_dir, "etags": hub_etags(world)})
        if done.returncode != WAITING_EXIT:
            break
        world["applied"].append(apply_as_hub_owner(world, run_dir / "change-request.json"))
    world["app_team_doctor"] = _doctor(world, params, world["app_team"])
    world["hub_team_doctor_after"] = _doctor(world, DATA / "hub-team.yaml")
    world["etags_joined"] = hub_etags(world)
    return world


def test_the_first_run_against_a_hub_it_may_not_write_leaves_every_hub_etag_unchanged(joined):
    first = joined["runs"][0]
    assert first["done"].returncode == WAITING_EXIT, first["done"].stdout[-3000:]
    assert first["etags"] == joined["etags_before"]


def test_the_waiting_run_says_so_and_names_the_change_request(joined):
    first = joined["runs"][0]
    record = json.loads((first["dir"] / "run.json").read_text())
    assert record["status"] == "waiting for the hub owners"
    assert "waiting for the hub owners" in first["done"].stdout and "change-request.md" in first["done"].stdout
    step = next(s for s in record["steps"] if s["status"] == "waiting for the hub owners")
    assert step["name"] == "01-hub-and-spokes" and step["change_request"] == "change-request.md"
    index = (first["dir"] / "index.html").read_text()
    assert "Waiting for the hub owners" in index and 'href="change-request.md"' in index
    page = (first["dir"] / "01-hub-and-spokes.html").read_text()
    assert "Waiting for the hub owners" in page and 'href="change-request.md"' in page


def test_the_first_change_request_asks_for_the_hub_peerings_and_all_three_rule_groups_at_once(joined):
    document = json.loads((joined["runs"][0]["dir"] / "change-request.json").read_text())
    hub_vnet = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"
    policy = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub"
    assert [r["id"] for r in document["requests"]] == [f"{hub_vnet}/virtualNetworkPeerings/vnet-hub-to-vnet-a1",
                                                      f"{hub_vnet}/virtualNetworkPeerings/vnet-hub-to-vnet-a2",
                                                      f"{policy}/ruleCollectionGroups/app-team-aks-egress",
                                                      f"{policy}/ruleCollectionGroups/app-team-spoke-access",
                                                      f"{policy}/ruleCollectionGroups/app-team-vm-run-command"]
    assert {r["method"] for r in document["requests"]} == {"PUT"} and all(r["api_version"] and r["why"] for r in document["requests"])
    peering = document["requests"][0]["body"]["properties"]
    assert peering["allowForwardedTraffic"] is True and peering["remoteVirtualNetwork"]["id"].endswith("/virtualNetworks/vnet-a1")
    assert len(document["az"]) == 5 and all(c.startswith("az rest --method put --url ") for c in document["az"])


def test_the_requested_access_rule_names_the_cluster_subnet_and_says_why(joined):
    document = json.loads((joined["runs"][0]["dir"] / "change-request.json").read_text())
    access = next(r for r in document["requests"] if r["id"].endswith("/app-team-spoke-access"))
    rule = access["body"]["properties"]["ruleCollections"][0]["rules"][0]
    assert (rule["sourceAddresses"], rule["destinationAddresses"], rule["destinationPorts"]) == (["10.12.0.0/16"], ["10.11.0.0/22"], ["443"])
    assert "cluster's subnet" in access["why"] and "private endpoint" in access["why"]


def test_the_change_request_says_what_the_hub_is_for_before_anything_it_serves_exists(joined):
    document = json.loads((joined["runs"][0]["dir"] / "change-request.json").read_text())
    assert document["for"] == ["egress of cluster aksa1 (spoke a1) through the hub firewall, allowed only to what AKS needs",
                               "spoke a2 to the API server of cluster aksa1 (spoke a1) on TCP 443"]
    page = (joined["runs"][0]["dir"] / "change-request.md").read_text()
    assert "## What it is for" in page and "- spoke a2 to the API server of cluster aksa1" in page


def test_once_the_owners_apply_the_one_request_the_next_run_completes_the_environment(joined):
    outcomes = [r["done"].returncode for r in joined["runs"]]
    assert outcomes == [WAITING_EXIT, 0], joined["runs"][-1]["done"].stdout[-3000:]


def test_the_joined_clusters_egress_and_access_go_through_the_existing_firewall(joined):
    doctor = joined["app_team_doctor"]
    assert doctor["ok"] and doctor["egress_ready"] and doctor["all_as_intended"]
    cell = next(c for c in doctor["matrix"] if c["source"] == "vm-a2")
    assert cell["delivered"] and cell["via_firewall"] and cell["rule"].startswith("api-server-access/")
    a1 = APP_TEAM.spokes["a1"]
    table = _clients(joined, a1.subscription_id).network.route_tables.get(a1.resource_group, "rt-vnet-a1")
    firewall = _clients(joined, HUB_TEAM.hub.subscription_id).network.azure_firewalls.get("rg-hub", "fw-hub")
    assert {r.next_hop_ip_address for r in table.routes} == {firewall.ip_configurations[0].private_ip_address}


def test_the_hub_teams_own_flows_are_unchanged_by_the_joining_environment(joined):
    before, after = joined["hub_team_doctor"], joined["hub_team_doctor_after"]
    assert after["ok"] and after["all_as_intended"]
    assert [(c["source"], c["destination"], c["verdict"]) for c in after["matrix"]] == \
           [(c["source"], c["destination"], c["verdict"]) for c in before["matrix"]]


def test_the_hub_teams_resources_change_only_by_what_the_owners_applied(joined):
    requested = {rid.lower() for batch in joined["applied"] for rid in batch}
    hub_vnet = next(rid for rid in joined["etags_before"] if rid.endswith("/virtualnetworks/vnet-hub"))
    policy = next(rid for rid in joined["etags_before"] if rid.endswith("/firewallpolicies/fwpol-hub"))
    changed = {rid for rid, etag in joined["etags_before"].items() if joined["etags_joined"].get(rid) != etag}
    assert changed <= {hub_vnet, policy}, changed
    assert set(joined["etags_joined"]) - set(joined["etags_before"]) == requested


def test_with_peerings_and_rule_groups_writable_one_run_completes_and_other_groups_keep_their_etags(hub_world):
    world = hub_world("writes")
    done = _run(world, _app_params(world["folder"], ["peerings", "rule_collection_groups"]))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    after = hub_etags(world)
    groups = {rid: etag for rid, etag in world["etags_before"].items() if "/rulecollectiongroups/" in rid}
    assert groups and {rid: after.get(rid) for rid in groups} == groups
    assert not (_latest_run(world, "app-team") / "change-request.json").exists()
    assert _doctor(world, world["folder"] / "app-team.yaml")["ok"]


def test_teardown_leaves_the_hub_as_it_was_and_lists_what_the_owners_made_for_them_to_remove(joined):
    done = _run(joined, joined["params"], "teardown", "--yes", connection=joined["app_team"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    removal = json.loads((_latest_run(joined, "app-team") / "change-request.json").read_text())
    requested = sorted(rid.lower() for batch in joined["applied"] for rid in batch)
    assert removal["kind"] == "removal" and {r["method"] for r in removal["requests"]} == {"DELETE"}
    assert sorted(r["id"].lower() for r in removal["requests"]) == requested
    assert set(hub_etags(joined)) == set(joined["etags_joined"]), "teardown deleted or added something in the hub"
    apply_as_hub_owner(joined, _latest_run(joined, "app-team") / "change-request.json")
    assert set(hub_etags(joined)) == set(joined["etags_before"])
