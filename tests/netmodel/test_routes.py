"""Effective routes and next hop (docs/network-behaviour.md#1-routing)."""

from aksegress.netmodel import effective_routes, effective_routes_table, next_hop
from tests.netmodel.estate import FW_IP, SUBS, Estate, article, route_table, subnet_props, vnet


def _routes(snap, subnet):
    return {(str(r.prefix), r.next_hop_type, r.source, r.state) for r in effective_routes(snap, subnet)}


def _lone(space="10.5.0.0/16", **kw):
    return vnet(SUBS["spoke1"], "rg", "vnet-a", space, {"s": space.replace("/16", "/24")}, **kw)


def test_a_subnet_without_route_table_has_vnet_local_internet_and_the_four_none_routes():
    routes = _routes(Estate([_lone()]).snapshot(), "vnet-a/s")
    assert routes == {("10.5.0.0/16", "VnetLocal", "Default", "Active"), ("0.0.0.0/0", "Internet", "Default", "Active"),
                      ("10.0.0.0/8", "None", "Default", "Active"), ("172.16.0.0/12", "None", "Default", "Active"),
                      ("192.168.0.0/16", "None", "Default", "Active"), ("100.64.0.0/10", "None", "Default", "Active")}


def test_a_vnet_range_equal_to_a_reserved_prefix_replaces_its_none_route_with_vnet_local():
    routes = _routes(Estate([vnet(SUBS["spoke1"], "rg", "vnet-a", "10.0.0.0/8", {"s": "10.1.0.0/24"})]).snapshot(), "vnet-a/s")
    assert ("10.0.0.0/8", "VnetLocal", "Default", "Active") in routes
    assert ("10.0.0.0/8", "None", "Default", "Active") not in routes


def test_a_vnet_range_containing_a_reserved_prefix_removes_that_none_route():
    routes = _routes(Estate([vnet(SUBS["spoke1"], "rg", "vnet-a", "172.0.0.0/8", {"s": "172.16.0.0/24"})]).snapshot(), "vnet-a/s")
    assert not any(p == "172.16.0.0/12" for p, *_ in routes)


def test_a_default_route_to_an_appliance_removes_all_four_none_routes():
    net = _lone()
    rt = route_table(SUBS["spoke1"], "rg", "rt", [("0.0.0.0/0", "VirtualAppliance", "10.0.1.4")])
    subnet_props(net, "s")["routeTable"] = {"id": rt["id"]}
    routes = _routes(Estate([net, rt]).snapshot(), "vnet-a/s")
    assert not any(hop == "None" for _, hop, *_ in routes)
    assert ("0.0.0.0/0", "Internet", "Default", "Invalid") in routes
    assert ("0.0.0.0/0", "VirtualAppliance", "User", "Active") in routes


def test_a_default_route_to_internet_keeps_the_none_routes():
    net = _lone()
    rt = route_table(SUBS["spoke1"], "rg", "rt", [("0.0.0.0/0", "Internet", "")])
    subnet_props(net, "s")["routeTable"] = {"id": rt["id"]}
    assert ("10.0.0.0/8", "None", "Default", "Active") in _routes(Estate([net, rt]).snapshot(), "vnet-a/s")


def test_without_a_udr_spoke_to_spoke_traffic_is_null_routed_by_the_ten_slash_eight_route():
    snap = article().snapshot()
    snap_routes = article()
    snap_routes.props("vnet-spoke2")["subnets"][1]["properties"].pop("routeTable")
    hop = next_hop(snap_routes.snapshot(), "vnet-spoke2/snet-vm", "10.1.0.4")
    assert (hop.next_hop_type, str(hop.route.prefix)) == ("None", "10.0.0.0/8")
    assert next_hop(snap, "vnet-spoke2/snet-vm", "10.1.0.4").next_hop_type == "VirtualAppliance"


def test_peering_routes_appear_only_when_both_links_are_connected():
    estate = article()
    estate.props("spoke2-to-hub")["peeringState"] = "Initiated"
    assert not any(r.next_hop_type == "VNetPeering" for r in effective_routes(estate.snapshot(), "vnet-spoke2/snet-vm"))
    estate.props("spoke2-to-hub")["peeringState"] = "Connected"
    estate.remove("hub-to-spoke2")
    assert not any(r.next_hop_type == "VNetPeering" for r in effective_routes(estate.snapshot(), "vnet-spoke2/snet-vm"))


def test_peering_is_not_transitive_a_spoke_learns_only_the_hub_space():
    prefixes = {str(r.prefix) for r in effective_routes(article().snapshot(), "vnet-spoke2/snet-vm") if r.next_hop_type == "VNetPeering"}
    assert prefixes == {"10.0.0.0/16"}


def test_cross_region_peering_routes_are_global_peering():
    estate = article()
    estate.get("vnet-spoke3")["location"] = "westeurope"
    hops = {r.next_hop_type for r in effective_routes(estate.snapshot(), "vnet-spoke3/snet-vm") if str(r.prefix) == "10.0.0.0/16"}
    assert hops == {"VNetGlobalPeering"}


def test_private_endpoint_slash_32_reaches_its_own_vnet_and_directly_peered_vnets_only():
    snap = article().snapshot()
    pe = lambda sub: [r for r in effective_routes(snap, sub) if r.next_hop_type == "InterfaceEndpoint"]
    assert [str(r.prefix) for r in pe("vnet-spoke1/snet-vm")] == ["10.1.0.4/32"]
    assert [str(r.prefix) for r in pe("vnet-hub/AzureFirewallSubnet")] == ["10.1.0.4/32"]
    assert pe("vnet-spoke2/snet-vm") == []


def test_a_private_endpoint_route_beats_the_default_udr_by_longest_prefix():
    hop = next_hop(article().snapshot(), "vnet-spoke1/snet-vm", "10.1.0.4")
    assert hop.next_hop_type == "InterfaceEndpoint" and hop.route_table_id == "System Route"


def test_a_user_route_for_the_same_prefix_wins_and_the_system_route_is_shown_invalid():
    estate = article()
    estate.get("rt-spoke2")["properties"]["routes"].append(
        {"name": "hub-via-fw", "properties": {"addressPrefix": "10.0.0.0/16", "nextHopType": "VirtualAppliance", "nextHopIpAddress": FW_IP}})
    routes = _routes(estate.snapshot(), "vnet-spoke2/snet-vm")
    assert ("10.0.0.0/16", "VirtualAppliance", "User", "Active") in routes
    assert ("10.0.0.0/16", "VNetPeering", "Default", "Invalid") in routes


def _gateway_estate(disable_bgp: bool):
    estate = article()
    estate.get("rt-spoke2")["properties"]["disableBgpRoutePropagation"] = disable_bgp
    estate.props("hub-to-spoke2")["allowGatewayTransit"] = True
    estate.props("spoke2-to-hub")["useRemoteGateways"] = True
    import copy

    from aksegress.netmodel import Snapshot
    return Snapshot.from_resources(copy.deepcopy(estate.resources), gateway_prefixes={"vgw-hub": ["192.168.10.0/24", "10.0.5.0/24"]})


def test_gateway_routes_reach_a_spoke_through_use_remote_gateways_when_propagation_is_on():
    routes = _routes(_gateway_estate(False), "vnet-spoke2/snet-vm")
    assert ("192.168.10.0/24", "VirtualNetworkGateway", "VirtualNetworkGateway", "Active") in routes


def test_disable_bgp_route_propagation_removes_every_gateway_route_and_nothing_else():
    routes = _routes(_gateway_estate(True), "vnet-spoke2/snet-vm")
    assert not any(source == "VirtualNetworkGateway" for *_, source, _ in routes)
    assert ("10.0.0.0/16", "VNetPeering", "Default", "Active") in routes


def test_a_gateway_route_inside_a_peered_vnet_space_loses_to_the_system_route_even_if_more_specific():
    routes = _routes(_gateway_estate(False), "vnet-spoke2/snet-vm")
    assert ("10.0.5.0/24", "VirtualNetworkGateway", "VirtualNetworkGateway", "Invalid") in routes
    hop = next_hop(_gateway_estate(False), "vnet-spoke2/snet-vm", "10.0.5.9")
    assert hop.next_hop_type == "VNetPeering"


def test_service_tag_udr_is_expanded_to_the_tag_prefixes():
    net = _lone()
    rt = route_table(SUBS["spoke1"], "rg", "rt", [("AzureCloud.eastus2", "Internet", "")])
    subnet_props(net, "s")["routeTable"] = {"id": rt["id"]}
    hop = next_hop(Estate([net, rt]).snapshot(), "vnet-a/s", "13.68.1.1")
    assert hop.next_hop_type == "Internet" and hop.route.source == "User" and str(hop.route.prefix) == "13.68.0.0/17"


def test_effective_route_table_uses_azure_column_names():
    table = effective_routes_table(article().snapshot(), "vnet-spoke2/snet-vm")
    assert list(table.columns[:5]) == ["source", "state", "addressPrefix", "nextHopType", "nextHopIpAddress"]
    row = table[table["nextHopType"] == "VirtualAppliance"].iloc[0]
    assert row["addressPrefix"] == ["0.0.0.0/0"] and row["nextHopIpAddress"] == [FW_IP] and bool(row["disableBgpRoutePropagation"])
