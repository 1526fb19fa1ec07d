"""Drift is found and repaired; teardown removes this environment's resources and nothing else."""

import json

import pytest

from aksegress.connect import Clients
from aksegress.emulator import Connection, start_emulator
from aksegress.params import load_params
from tests.runbook.conftest import REPO, aksegress, run_all, world_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _clients(connection_file, subscription):
    return Clients.for_emulator(Connection.read(connection_file), subscription)


def _pending(run_dir) -> list[tuple[str, str]]:
    record = json.loads((run_dir / "run.json").read_text())
    return [(s["name"], p["id"].rsplit("/", 1)[1]) for s in record["steps"] for p in s["changes"].get("plan", [])]


def test_drift_is_listed_by_plan_with_exit_2_and_repaired_by_a_run(clean_world, tmp_path):
    params = load_params(REPO / "params" / "local.yaml")
    conn = clean_world["connection"]
    spoke1, spoke2, spoke3 = (params.spokes[k] for k in ("spoke1", "spoke2", "spoke3"))
    cluster = _clients(conn, spoke1.subscription_id).containerservice.managed_clusters.get(spoke1.resource_group, spoke1.cluster.name)
    zone = cluster.private_fqdn.split(".", 1)[1]
    _clients(conn, spoke1.subscription_id).privatedns.virtual_network_links.begin_delete(
        cluster.node_resource_group, zone, f"link-{spoke2.vnet.name}").result()
    hub = _clients(conn, params.hub.subscription_id).network
    peering = hub.virtual_network_peerings.get(params.hub.resource_group, params.hub.vnet.name, f"{params.hub.vnet.name}-to-{spoke3.vnet.name}")
    peering.allow_forwarded_traffic = False
    hub.virtual_network_peerings.begin_create_or_update(params.hub.resource_group, params.hub.vnet.name, peering.name, peering).result()

    planned = run_all(conn, tmp_path / "plan", "--plan")
    assert planned.returncode == 2, planned.stdout[-2000:]
    assert sorted(_pending(tmp_path / "plan")) == [("01-hub-and-spokes", "vnet-hub-to-vnet-spoke3"), ("08-cross-vnet-access", "link-vnet-spoke2")]
    before = (tmp_path / "plan" / "09-verify.ipynb").read_text()
    assert "DNS_NXDOMAIN" in before and "properties.allowForwardedTraffic" in before

    repaired = run_all(conn, tmp_path / "repair")
    assert repaired.returncode == 0, repaired.stdout[-2000:]
    after = json.loads((tmp_path / "repair" / "run.json").read_text())
    verify = next(s for s in after["steps"] if s["name"] == "09-verify")
    assert all(c["ok"] for c in verify["checks"])
    assert run_all(conn, tmp_path / "again", "--plan").returncode == 0


@pytest.fixture
def torn_world(tmp_path):
    params = load_params(REPO / "params" / "local.yaml")
    with start_emulator(tmp_path / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=tmp_path / "arm.json") as emulator:
        done = run_all(tmp_path / "arm.json", tmp_path / "run")
        assert done.returncode == 0, done.stdout[-2000:]
        spoke1 = params.spokes["spoke1"]
        _clients(tmp_path / "arm.json", spoke1.subscription_id).network.public_ip_addresses.begin_create_or_update(
            spoke1.resource_group, "pip-made-by-hand", {"location": params.location, "sku": {"name": "Standard"},
                                                         "properties": {"publicIPAllocationMethod": "Static"}}).result()
        yield emulator, tmp_path, params


def _teardown(folder, name, *flags):
    return aksegress("teardown", "--params", "params/local.yaml", "--connection-file", str(folder / "arm.json"),
                     "--output", str(folder / name), *flags, cwd=world_project(folder))


def _all_resources(folder, params) -> list[str]:
    found = []
    for sub in params.subscription_ids():
        clients = _clients(folder / "arm.json", sub)
        for group in clients.resource.resource_groups.list():
            found.append(group.name)
            found += [f"{group.name}/{r.name}" for r in clients.resource.resources.list_by_resource_group(group.name)]
    return sorted(found)


def test_teardown_without_confirmation_deletes_nothing(torn_world):
    emulator, folder, params = torn_world
    before = _all_resources(folder, params)
    done = _teardown(folder, "unconfirmed")
    assert done.returncode == 3
    assert "not confirmed" in done.stdout
    assert _all_resources(folder, params) == before


def test_teardown_leaves_only_the_resource_made_by_hand_and_a_second_one_does_nothing(torn_world):
    emulator, folder, params = torn_world
    first = _teardown(folder, "first", "--yes")
    assert first.returncode == 0, first.stdout[-2000:]
    assert _all_resources(folder, params) == ["rg-spoke1", "rg-spoke1/pip-made-by-hand"]
    writes = emulator.counters()["writes"]
    second = _teardown(folder, "second", "--yes")
    assert second.returncode == 0
    assert emulator.counters()["writes"] == writes
    assert json.loads((folder / "second" / "run.json").read_text())["steps"][0]["changes"]["planned"] == 0
