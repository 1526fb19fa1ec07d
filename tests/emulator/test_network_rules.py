"""Microsoft.Network rules as Azure applies them, driven through azure-mgmt-network."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.conftest import SUB


def _vnet(*prefixes: str, subnets: dict[str, str] | None = None) -> dict:
    properties: dict = {"addressSpace": {"addressPrefixes": list(prefixes)}}
    if subnets is not None:
        properties["subnets"] = [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()]
    return {"location": "eastus", "properties": properties}


def _peering(remote_id: str) -> dict:
    return {"properties": {"remoteVirtualNetwork": {"id": remote_id}, "allowForwardedTraffic": True}}


@pytest.fixture
def net(clients):
    return clients.network


@pytest.fixture
def hub_and_spoke(net, rg):
    hub = net.virtual_networks.begin_create_or_update(rg, "hub", _vnet("10.0.0.0/16")).result()
    spoke = net.virtual_networks.begin_create_or_update(rg, "spoke", _vnet("10.1.0.0/16")).result()
    return hub, spoke


def _state(net, rg, vnet, name):
    return net.virtual_network_peerings.get(rg, vnet, name).peering_state


def test_peering_is_initiated_until_the_remote_side_exists(net, rg, hub_and_spoke):
    hub, spoke = hub_and_spoke
    created = net.virtual_network_peerings.begin_create_or_update(rg, "hub", "hub-to-spoke", _peering(spoke.id)).result()
    assert created.peering_state == "Initiated"


def test_peering_is_connected_on_both_sides_once_both_exist(net, rg, hub_and_spoke):
    hub, spoke = hub_and_spoke
    net.virtual_network_peerings.begin_create_or_update(rg, "hub", "hub-to-spoke", _peering(spoke.id)).result()
    net.virtual_network_peerings.begin_create_or_update(rg, "spoke", "spoke-to-hub", _peering(hub.id)).result()
    assert _state(net, rg, "hub", "hub-to-spoke") == "Connected"
    assert _state(net, rg, "spoke", "spoke-to-hub") == "Connected"
    assert net.virtual_network_peerings.get(rg, "hub", "hub-to-spoke").peering_sync_level == "FullyInSync"


def test_both_sides_written_at_the_same_moment_end_connected(net, rg):
    hub = net.virtual_networks.begin_create_or_update(rg, "hub", _vnet("10.0.0.0/16")).result()
    spokes = [net.virtual_networks.begin_create_or_update(rg, f"spoke{i}", _vnet(f"10.{i + 1}.0.0/16")).result() for i in range(6)]
    writes = [("hub", f"hub-to-spoke{i}", s.id) for i, s in enumerate(spokes)] + [(s.name, f"spoke{i}-to-hub", hub.id) for i, s in enumerate(spokes)]
    start = threading.Barrier(len(writes))

    def put(vnet, name, remote):
        start.wait()
        net.virtual_network_peerings.begin_create_or_update(rg, vnet, name, _peering(remote)).result()

    with ThreadPoolExecutor(len(writes)) as pool:
        list(pool.map(lambda w: put(*w), writes))
    assert {name: _state(net, rg, vnet, name) for vnet, name, _ in writes} == {name: "Connected" for _, name, _ in writes}


def test_deleting_one_side_disconnects_the_other(net, rg, hub_and_spoke):
    hub, spoke = hub_and_spoke
    net.virtual_network_peerings.begin_create_or_update(rg, "hub", "hub-to-spoke", _peering(spoke.id)).result()
    net.virtual_network_peerings.begin_create_or_update(rg, "spoke", "spoke-to-hub", _peering(hub.id)).result()
    net.virtual_network_peerings.begin_delete(rg, "spoke", "spoke-to-hub").result()
    assert _state(net, rg, "hub", "hub-to-spoke") == "Disconnected"


def test_deleting_the_remote_vnet_disconnects_the_peering(net, rg, hub_and_spoke):
    hub, spoke = hub_and_spoke
    net.virtual_network_peerings.begin_create_or_update(rg, "hub", "hub-to-spoke", _peering(spoke.id)).result()
    net.virtual_network_peerings.begin_create_or_update(rg, "spoke", "spoke-to-hub", _peering(hub.id)).result()
    net.virtual_networks.begin_delete(rg, "spoke").result()
    assert _state(net, rg, "hub", "hub-to-spoke") == "Disconnected"


def test_peering_appears_inline_on_its_vnet(net, rg, hub_and_spoke):
    hub, spoke = hub_and_spoke
    net.virtual_network_peerings.begin_create_or_update(rg, "hub", "hub-to-spoke", _peering(spoke.id)).result()
    inline = net.virtual_networks.get(rg, "hub").virtual_network_peerings
    assert [p.name for p in inline] == ["hub-to-spoke"]
    assert inline[0].remote_address_space.address_prefixes == ["10.1.0.0/16"]


def test_peering_overlapping_address_spaces_is_refused(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "a", _vnet("10.0.0.0/16")).result()
    b = net.virtual_networks.begin_create_or_update(rg, "b", _vnet("10.0.128.0/17")).result()
    with pytest.raises(HttpResponseError) as caught:
        net.virtual_network_peerings.begin_create_or_update(rg, "a", "a-to-b", _peering(b.id)).result()
    assert caught.value.status_code == 400
    assert caught.value.error.code == "VnetAddressSpacesOverlap"


def test_peering_across_subscriptions_connects(clients, emulator, rg):
    from aksegress.connect import Clients
    from tests.emulator.conftest import OTHER_SUB

    other = Clients.for_emulator(emulator.connection, OTHER_SUB)
    other.resource.resource_groups.create_or_update("rg-other", {"location": "eastus"})
    remote = other.network.virtual_networks.begin_create_or_update("rg-other", "far", _vnet("10.9.0.0/16")).result()
    local = clients.network.virtual_networks.begin_create_or_update(rg, "near", _vnet("10.8.0.0/16")).result()
    clients.network.virtual_network_peerings.begin_create_or_update(rg, "near", "to-far", _peering(remote.id)).result()
    other.network.virtual_network_peerings.begin_create_or_update("rg-other", "far", "to-near", _peering(local.id)).result()
    assert _state(clients.network, rg, "near", "to-far") == "Connected"


def test_subnet_outside_the_vnet_is_refused(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16")).result()
    with pytest.raises(HttpResponseError) as caught:
        net.subnets.begin_create_or_update(rg, "v", "s", {"properties": {"addressPrefix": "10.5.0.0/24"}}).result()
    assert caught.value.error.code == "NetcfgSubnetRangeOutsideVnet"


def test_address_prefix_that_is_no_cidr_is_refused_naming_the_vnet(net, rg):
    with pytest.raises(HttpResponseError) as caught:
        net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/160")).result()
    assert caught.value.error.code == "InvalidAddressPrefixFormat"
    assert caught.value.error.message == (f"Address prefix 10.0.0.0/160 of resource /subscriptions/{SUB}/resourceGroups/{rg}/"
                                          "providers/Microsoft.Network/virtualNetworks/v is not formatted correctly. "
                                          "It should follow CIDR notation, for example 10.0.0.0/24.")


def test_subnet_overlapping_a_sibling_is_refused(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"a": "10.0.1.0/24"})).result()
    with pytest.raises(HttpResponseError) as caught:
        net.subnets.begin_create_or_update(rg, "v", "b", {"properties": {"addressPrefix": "10.0.0.0/23"}}).result()
    assert caught.value.error.code == "NetcfgSubnetRangesOverlap"


def test_inline_subnets_overlapping_each_other_are_refused(net, rg):
    with pytest.raises(HttpResponseError) as caught:
        net.virtual_networks.begin_create_or_update(
            rg, "v", _vnet("10.0.0.0/16", subnets={"a": "10.0.1.0/24", "b": "10.0.1.128/25"})).result()
    assert caught.value.error.code == "NetcfgSubnetRangesOverlap"


def test_inline_subnets_and_child_subnets_are_one_set(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"a": "10.0.1.0/24"})).result()
    net.subnets.begin_create_or_update(rg, "v", "b", {"properties": {"addressPrefix": "10.0.2.0/24"}}).result()
    assert [s.name for s in net.virtual_networks.get(rg, "v").subnets] == ["a", "b"]
    assert [s.name for s in net.subnets.list(rg, "v")] == ["a", "b"]
    assert net.subnets.get(rg, "v", "a").id == f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/v/subnets/a"


def test_vnet_put_without_a_subnet_removes_it(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"a": "10.0.1.0/24"})).result()
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={})).result()
    assert list(net.subnets.list(rg, "v")) == []


def test_shrinking_the_address_space_away_from_a_subnet_is_refused(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"a": "10.0.1.0/24"})).result()
    with pytest.raises(HttpResponseError) as caught:
        net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.1.0.0/16", subnets={"a": "10.0.1.0/24"})).result()
    assert caught.value.error.code == "NetcfgSubnetRangeOutsideVnet"


def test_subnet_of_a_missing_vnet_is_parent_resource_not_found(net, rg):
    with pytest.raises(HttpResponseError) as caught:
        net.subnets.begin_create_or_update(rg, "ghost", "s", {"properties": {"addressPrefix": "10.0.0.0/24"}}).result()
    assert (caught.value.status_code, caught.value.error.code) == (404, "ParentResourceNotFound")
    assert caught.value.error.message == "Can not perform requested operation on nested resource. Parent resource 'ghost' not found."


def _route_table_with_subnet(net, rg):
    table = net.route_tables.begin_create_or_update(rg, "rt", {
        "location": "eastus",
        "properties": {"routes": [{"name": "default", "properties": {"addressPrefix": "0.0.0.0/0",
                                                                      "nextHopType": "VirtualAppliance",
                                                                      "nextHopIpAddress": "10.0.0.4"}}]}}).result()
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16")).result()
    net.subnets.begin_create_or_update(rg, "v", "s", {"properties": {"addressPrefix": "10.0.1.0/24",
                                                                     "routeTable": {"id": table.id}}}).result()
    return table


def test_route_table_lists_the_subnets_associated_with_it(net, rg):
    _route_table_with_subnet(net, rg)
    table = net.route_tables.get(rg, "rt")
    assert [s.id.rsplit("/", 1)[-1] for s in table.subnets] == ["s"]
    assert net.subnets.get(rg, "v", "s").route_table.id == table.id


def test_inline_routes_and_child_routes_are_one_set(net, rg):
    _route_table_with_subnet(net, rg)
    net.routes.begin_create_or_update(rg, "rt", "onprem", {"properties": {"addressPrefix": "192.168.0.0/16",
                                                                          "nextHopType": "VirtualAppliance",
                                                                          "nextHopIpAddress": "10.0.0.4"}}).result()
    assert [r.name for r in net.route_tables.get(rg, "rt").routes] == ["default", "onprem"]
    assert net.routes.get(rg, "rt", "default").next_hop_ip_address == "10.0.0.4"


def test_associated_route_table_cannot_be_deleted(net, rg):
    _route_table_with_subnet(net, rg)
    with pytest.raises(HttpResponseError) as caught:
        net.route_tables.begin_delete(rg, "rt").result()
    assert caught.value.error.code == "InUseRouteTableCannotBeDeleted"


def test_route_table_can_be_deleted_after_dissociation(net, rg):
    _route_table_with_subnet(net, rg)
    net.subnets.begin_create_or_update(rg, "v", "s", {"properties": {"addressPrefix": "10.0.1.0/24"}}).result()
    net.route_tables.begin_delete(rg, "rt").result()
    assert [t.name for t in net.route_tables.list(rg)] == []


def test_subnet_in_use_cannot_be_deleted_nor_its_vnet(net, rg, emulator):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"s": "10.0.1.0/24"})).result()
    subnet_id = net.subnets.get(rg, "v", "s").id
    nic_ipconfig = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/nic/ipConfigurations/ip1"
    emulator.store.set_references(nic_ipconfig, [(subnet_id, "ipConfigurations")])
    for delete in (lambda: net.subnets.begin_delete(rg, "v", "s").result(),
                   lambda: net.virtual_networks.begin_delete(rg, "v").result()):
        with pytest.raises(HttpResponseError) as caught:
            delete()
        assert caught.value.error.code == "InUseSubnetCannotBeDeleted"
    assert net.subnets.get(rg, "v", "s").ip_configurations[0].id == nic_ipconfig


def test_route_to_a_missing_route_table_is_refused(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16")).result()
    missing = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/routeTables/none"
    with pytest.raises(HttpResponseError) as caught:
        net.subnets.begin_create_or_update(rg, "v", "s", {"properties": {"addressPrefix": "10.0.1.0/24",
                                                                         "routeTable": {"id": missing}}}).result()
    assert caught.value.error.code == "InvalidResourceReference"


def test_vnet_reports_resource_guid_and_etag(net, rg):
    vnet = net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16")).result()
    assert vnet.resource_guid and vnet.etag


def test_updating_vnet_tags_keeps_its_subnets(net, rg):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"a": "10.0.1.0/24"})).result()
    updated = net.virtual_networks.update_tags(rg, "v", {"tags": {"env": "test"}})
    assert updated.tags == {"env": "test"}
    assert [s.name for s in net.virtual_networks.get(rg, "v").subnets] == ["a"]


def test_get_modify_put_of_a_used_subnet_keeps_its_users_once(net, rg, emulator):
    net.virtual_networks.begin_create_or_update(rg, "v", _vnet("10.0.0.0/16", subnets={"s": "10.0.1.0/24"})).result()
    subnet = net.subnets.get(rg, "v", "s")
    user = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/nic/ipConfigurations/ip1"
    emulator.store.set_references(user, [(subnet.id, "ipConfigurations")])
    subnet = net.subnets.get(rg, "v", "s")
    net.subnets.begin_create_or_update(rg, "v", "s", subnet).result()
    vnet = net.virtual_networks.get(rg, "v")
    net.virtual_networks.begin_create_or_update(rg, "v", vnet).result()
    assert [c.id for c in net.subnets.get(rg, "v", "s").ip_configurations] == [user]
