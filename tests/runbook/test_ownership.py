"""Ownership: apply never silently takes over what existed, teardown never deletes what this environment did not
create, and a write Azure refuses is reported with ARM's own error code."""

import json

import pytest
import yaml

from aksegress.connect import Clients
from aksegress.emulator import Connection, start_emulator
from aksegress.ownership import CREATED_BY_TAG, Ownership, created_by
from aksegress.params import load_params
from tests.runbook.conftest import REPO, aksegress, world_project

RG_HUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub"


def _clients(folder, subscription):
    return Clients.for_emulator(Connection.read(folder / "arm.json"), subscription)


def _run(folder, params_file, out, *flags):
    return aksegress("run", "--params", str(params_file), "--connection-file", str(folder / "arm.json"), "--output", str(folder / out),
                     *flags, cwd=world_project(folder))


def _params_adopting(folder, *names) -> tuple:
    data = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    data["adopt"] = list(names)
    path = folder / "adopting.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, load_params(path)


def _inventory(folder, params) -> list[str]:
    found = []
    for sub in params.subscription_ids():
        clients = _clients(folder, sub)
        for group in clients.resource.resource_groups.list():
            found.append(group.name)
            found += [f"{group.name}/{r.name}" for r in clients.resource.resources.list_by_resource_group(group.name)]
    return sorted(found)


def test_a_tag_inherited_from_the_resource_group_does_not_prove_ownership(local_params, tmp_path):
    ownership = Ownership(local_params, lambda sub: None, folder=tmp_path, run="r1")
    group_tags = {"aksegress-env": "local", CREATED_BY_TAG: created_by("local", "r1", RG_HUB)}
    table = f"{RG_HUB}/providers/Microsoft.Network/routeTables/rt-user"
    assert ownership.owns(RG_HUB, {"tags": group_tags})
    assert not ownership.owns(table, {"tags": group_tags})


def test_a_lost_record_is_recovered_from_the_resources_own_tags(local_params, tmp_path):
    table = f"{RG_HUB}/providers/Microsoft.Network/routeTables/rt-vnet-hub"
    tags = {CREATED_BY_TAG: created_by("local", "r1", table)}
    assert Ownership(local_params, lambda sub: None, folder=tmp_path / "no-record", run="r2").owns(table, {"tags": tags})


def test_an_adopt_entry_that_is_neither_a_name_nor_an_id_is_refused_naming_the_field(tmp_path):
    from aksegress.errors import ParamsError

    data = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    data["adopt"] = ["vnet spoke1!"]
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ParamsError) as raised:
        load_params(tmp_path / "p.yaml")
    assert any(field.startswith("adopt") for field, _ in raised.value.problems)


@pytest.fixture
def emulator_world(tmp_path, local_params):
    with start_emulator(tmp_path / "arm.db", local_params.tenant_id, local_params.subscription_ids(),
                        connection_file=tmp_path / "arm.json") as running:
        yield running, tmp_path


def _hand_made_vnet(folder, params) -> None:
    spoke1 = params.spokes["spoke1"]
    clients = _clients(folder, spoke1.subscription_id)
    clients.resource.resource_groups.create_or_update(spoke1.resource_group, {"location": params.location})
    clients.network.virtual_networks.begin_create_or_update(spoke1.resource_group, spoke1.vnet.name, {
        "location": params.location, "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                                                    "subnets": [{"name": "data", "properties": {"addressPrefix": "10.1.200.0/24"}}]}}).result()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_resource_that_existed_is_planned_as_not_created_here_and_apply_refuses_to_change_it(emulator_world, local_params):
    _, folder = emulator_world
    _hand_made_vnet(folder, local_params)
    done = _run(folder, REPO / "params" / "local.yaml", "run", "--to", "00")
    assert done.returncode == 1
    record = json.loads((folder / "run" / "run.json").read_text())
    planned = {p["id"].rsplit("/", 1)[1]: p["action"] for p in record["steps"][0]["changes"]["plan"]}
    assert planned["rg-spoke1"] == "exists (not created here)"
    assert "NotCreatedHere" in record["steps"][0]["error"]["ename"]
    notebook = (folder / "run" / "00-prerequisites.ipynb").read_text()
    assert "spokes.spoke1.resource_group" in notebook and "adopt" in notebook


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_teardown_keeps_what_others_made_in_or_beside_the_environment_and_says_why(emulator_world, local_params):
    _, folder = emulator_world
    params = local_params
    _hand_made_vnet(folder, params)
    adopting, _ = _params_adopting(folder, "rg-spoke1", params.spokes["spoke1"].vnet.name)
    done = _run(folder, adopting, "run", "--to", "03")
    assert done.returncode == 0, done.stdout[-3000:]
    hub, spoke2, spoke3 = params.hub, params.spokes["spoke2"], params.spokes["spoke3"]
    hub_clients = _clients(folder, hub.subscription_id)
    inherited = hub_clients.resource.resource_groups.get(hub.resource_group).tags  # what Azure Policy copies onto new resources
    hub_clients.network.route_tables.begin_create_or_update(hub.resource_group, "rt-user", {"location": params.location, "tags": inherited}).result()
    _clients(folder, spoke2.subscription_id).network.subnets.begin_create_or_update(
        spoke2.resource_group, spoke2.vnet.name, "data", {"properties": {"addressPrefix": "10.2.8.0/24"}}).result()
    _clients(folder, spoke3.subscription_id).network.routes.begin_create_or_update(
        spoke3.resource_group, f"rt-{spoke3.vnet.name}", "user-route", {"properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "None"}}).result()

    torn = aksegress("teardown", "--params", str(adopting), "--connection-file", str(folder / "arm.json"), "--output", str(folder / "teardown"),
                     "--yes", cwd=world_project(folder))
    assert torn.returncode == 0, torn.stdout[-3000:]
    assert _inventory(folder, params) == ["rg-hub", "rg-hub/rt-user", "rg-spoke1", "rg-spoke1/vnet-spoke1", "rg-spoke2", "rg-spoke2/vnet-spoke2",
                                          "rg-spoke3", "rg-spoke3/rt-vnet-spoke3"]
    assert [s.name for s in _clients(folder, spoke2.subscription_id).network.subnets.list(spoke2.resource_group, spoke2.vnet.name)] == ["data"]
    assert [s.name for s in _clients(folder, params.spokes["spoke1"].subscription_id).network.subnets.list("rg-spoke1", "vnet-spoke1")] == ["data"]
    routes = _clients(folder, spoke3.subscription_id).network.route_tables.get(spoke3.resource_group, f"rt-{spoke3.vnet.name}").routes
    assert [r.name for r in routes] == ["user-route"]
    plan = (folder / "teardown" / "99-teardown.ipynb").read_text()
    for why in ("kept: virtual network vnet-spoke1 was not created here (adopted)", "kept: virtual network vnet-spoke2 holds subnet data, not created here",
                "kept: route table rt-vnet-spoke3 holds route user-route, not created here", "kept: resource group rg-hub holds route table rt-user"):
        assert why in plan


@pytest.fixture(scope="module")
def refused_gateway(tmp_path_factory):
    """Steps 00-01, then GatewaySubnet removed by hand, so step 02's VPN gateway PUT is refused by ARM."""
    folder = tmp_path_factory.mktemp("refused-gateway")
    params = load_params(REPO / "params" / "local.yaml")
    with start_emulator(folder / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=folder / "arm.json"):
        first = _run(folder, REPO / "params" / "local.yaml", "first", "--to", "01")
        assert first.returncode == 0, first.stdout[-3000:]
        _clients(folder, params.hub.subscription_id).network.subnets.begin_delete(params.hub.resource_group, params.hub.vnet.name, "GatewaySubnet").result()
        done = _run(folder, REPO / "params" / "local.yaml", "second", "--from", "02", "--to", "02")
        yield done, json.loads((folder / "second" / "run.json").read_text())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_vpn_gateway_whose_put_is_refused_fails_the_step_with_arms_error_code(refused_gateway):
    done, record = refused_gateway
    assert done.returncode == 1
    step = record["steps"][0]
    assert step["status"] == "failed"
    assert "InvalidResourceReference" in step["error"]["evalue"]
    assert "vgw-hub" in step["error"]["evalue"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_run_record_of_a_failed_step_counts_the_writes_it_made(refused_gateway):
    _, record = refused_gateway
    step = record["steps"][0]
    assert step["arm"]["writes"] >= 4
    assert record["arm"]["writes"] == step["arm"]["writes"]
