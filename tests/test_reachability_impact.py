"""A plan's reachability impact (aksegress.impact): the flows its changes open and close, on the estate the params describe."""

from __future__ import annotations

import pytest

from aksegress.impact import reachability_impact
from aksegress.params import load_params
from aksegress.plan_files import run_impact
from tests.netmodel.estate import app_rule, collection, rcg
from tests.ui.estates import LOCAL_PARAMS, local_estate


@pytest.fixture
def params():
    return load_params(LOCAL_PARAMS)


def _flows(flows) -> list[tuple[str, str]]:
    return [(f.source, f.destination) for f in flows]


def test_a_new_group_denying_the_granted_flow_first_closes_only_that_flow(params):
    estate = local_estate()
    snap = estate.snapshot()
    deny = rcg(estate.get(params.hub.firewall.policy), "deny-first", 100, [collection("deny", 100, "Deny", [
        app_rule("no-spoke2", ["10.2.0.0/16"], fqdns=["*.azmk8s.io"])])])
    impact = reachability_impact(params, snap, [("create", deny["id"], {"properties": deny["properties"]})])
    assert _flows(impact.closes) == [("vm-spoke2", "privateaksspoke1")] and impact.opens == []


def test_a_subnet_put_without_its_route_table_closes_the_flows_from_it(params):
    snap = local_estate().snapshot()
    subnet = snap.find_subnet("vnet-spoke2/vm")
    body = {"properties": {"addressPrefix": str(subnet.prefixes[0])}}
    impact = reachability_impact(params, snap, [("update", subnet.id, body)])
    assert _flows(impact.closes) == [("vm-spoke2", "privateaksspoke1")] and impact.opens == []


def _egress(flows) -> list[tuple[str, bool]]:
    return sorted({(f.source, f.around_firewall) for f in flows if f.kind == "egress"})


def _default_route_to_the_internet(params):
    snap = local_estate().snapshot()
    table = snap.route_tables[snap.find_subnet("vnet-spoke1/aks").route_table_id]
    body = {"location": "eastus2", "properties": {"routes": [
        {"name": "r0", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}]}}
    return reachability_impact(params, snap, [("update", table.id, body)])


def test_a_default_route_to_the_internet_moves_that_subnets_egress_around_the_firewall(params):
    impact = _default_route_to_the_internet(params)
    assert _egress(impact.closes) == [("vnet-spoke1/aks", False)] and _egress(impact.opens) == [("vnet-spoke1/aks", True)]
    assert [line for line in impact.lines() if line.endswith("around the firewall")] == [
        "opens egress vnet-spoke1/aks -> " + ", ".join(f"{f.destination} {f.protocol}/{f.port}" for f in impact.opens) + " around the firewall"]


def test_deleting_the_aks_egress_rule_group_closes_the_required_egress_of_every_cluster_subnet(params):
    snap = local_estate().snapshot()
    group = next(k for k in snap.raw if k.endswith("/rulecollectiongroups/aks-egress"))
    impact = reachability_impact(params, snap, [("delete", group, None)])
    assert _egress(impact.closes) == [("vnet-spoke1/aks", False), ("vnet-spoke2/aks", False), ("vnet-spoke3/aks", False)]
    assert [line for line in impact.lines() if line.startswith("closes egress vnet-spoke2/aks -> ")] == [
        "closes egress vnet-spoke2/aks -> " + ", ".join(f"{f.destination} {f.protocol}/{f.port}" for f in impact.closes
                                                         if f.source == "vnet-spoke2/aks") + " (rule app-allow/aks-egress)"]
    assert impact.opens == []


def test_the_runs_impact_keeps_both_sides_of_egress_moved_around_the_firewall(params):
    impact = _default_route_to_the_internet(params)
    reach = run_impact([{"impact": impact.to_dict()}])
    assert len(reach["opens"]) == len(impact.opens) > 0 and len(reach["closes"]) == len(impact.closes) > 0


def _new_peering(snap, local: str, remote: str) -> tuple[str, str, dict]:
    local_id, remote_id = (snap.find_vnet(name).id for name in (local, remote))
    return ("create", f"{local_id}/virtualNetworkPeerings/{local}-to-{remote}-new",
            {"properties": {"remoteVirtualNetwork": {"id": remote_id}, "allowVirtualNetworkAccess": True}})


def test_a_peering_planned_with_its_reverse_is_connected_as_azure_reports_it_and_alone_only_initiated():
    from aksegress.impact import planned_snapshot

    snap = local_estate().snapshot()
    both = planned_snapshot(snap, [_new_peering(snap, "vnet-spoke1", "vnet-spoke2"), _new_peering(snap, "vnet-spoke2", "vnet-spoke1")])
    alone = planned_snapshot(snap, [_new_peering(snap, "vnet-spoke1", "vnet-spoke3")])
    assert sorted(p.state for p in both.peerings.values() if p.name.endswith("-new")) == ["Connected", "Connected"]
    assert [p.state for p in alone.peerings.values() if p.name.endswith("-new")] == ["Initiated"]


def test_a_planned_reverse_of_an_initiated_peering_connects_both_sides():
    from aksegress.impact import planned_snapshot

    estate = local_estate()
    snap = estate.snapshot()
    hub_side = next(p for p in snap.peerings.values() if p.name == "hub-to-spoke2")
    spoke_side = next(p for p in snap.peerings.values() if p.name == "spoke2-to-hub")
    raw = {rid: r for rid, r in snap.raw.items() if rid != hub_side.id}
    raw[spoke_side.id] = {**raw[spoke_side.id], "properties": {**raw[spoke_side.id]["properties"], "peeringState": "Initiated"}}
    broken = type(snap)(raw, snap.gateway_prefixes, snap.service_tags)
    body = {"properties": {"remoteVirtualNetwork": {"id": snap.find_vnet("vnet-spoke2").id}, "allowForwardedTraffic": True}}
    planned = planned_snapshot(broken, [("create", hub_side.id, body)])
    assert {p.name: p.state for p in planned.peerings.values() if "spoke2" in p.name} == {
        "hub-to-spoke2": "Connected", "spoke2-to-hub": "Connected"}
