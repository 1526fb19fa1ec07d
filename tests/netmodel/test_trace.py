"""Failure dispositions of one traced flow, each with its fix (docs/network-behaviour.md#6-the-decision-procedure)."""

import json

from aksegress.netmodel import trace
from tests.netmodel.estate import FW_IP, SUBS, article, collection, network_rule, nsg, rcg, route_table, subnet_props


def _vm_to_vm_estate():
    estate = article()
    allow = collection("spokes", 50, "Allow", [network_rule("spoke2-to-spoke3-ssh", ["10.2.0.0/16"], ["10.3.0.0/16"], ["22"])])
    estate.add(rcg(estate.get("fw-policy"), "spoke-to-spoke", 100, [allow]))
    return estate


def test_spoke_to_spoke_through_the_firewall_with_return_udr_is_delivered():
    result = trace(_vm_to_vm_estate().snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "DELIVERED"
    assert [h.type for h in result.hops] == ["Source", "VirtualAppliance", "VnetLocal"]


def test_a_spoke_without_route_table_null_routes_other_spokes_and_is_told_to_associate_one():
    estate = article()
    subnet_props(estate.get("vnet-spoke2"), "snet-vm").pop("routeTable")
    result = trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "NULL_ROUTED"
    assert result.fix.property == "properties.routeTable.id" and FW_IP in result.fix.change


def test_a_destination_spoke_without_return_route_gives_an_asymmetric_return():
    estate = _vm_to_vm_estate()
    subnet_props(estate.get("vnet-spoke3"), "snet-vm").pop("routeTable")
    result = trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "ASYMMETRIC_RETURN"
    assert "10.2.0.0/16" in result.fix.change or "10.2.8.0/24" in result.fix.change


def test_a_default_route_to_an_address_without_firewall_is_the_wrong_next_hop():
    estate = article()
    estate.get("rt-spoke2")["properties"]["routes"][0]["properties"]["nextHopIpAddress"] = "10.0.1.9"
    result = trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "WRONG_NEXT_HOP" and f"to {FW_IP}" in result.fix.change


def test_private_destination_sent_to_the_internet_is_the_wrong_next_hop():
    estate = article()
    estate.get("rt-spoke2")["properties"]["routes"].append(
        {"name": "oops", "properties": {"addressPrefix": "10.3.0.0/16", "nextHopType": "Internet"}})
    assert trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22).disposition == "WRONG_NEXT_HOP"


def test_a_peering_not_connected_on_both_sides_is_named_with_the_missing_link():
    estate = _vm_to_vm_estate()
    estate.remove("hub-to-spoke2")
    estate.props("spoke2-to-hub")["peeringState"] = "Initiated"
    result = trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "PEERING_NOT_CONNECTED"
    assert result.fix.change == "create the peering vnet-hub -> vnet-spoke2"


def test_forwarded_traffic_refused_by_the_destination_peering_is_reported_with_the_community_caveat():
    estate = _vm_to_vm_estate()
    estate.props("spoke3-to-hub")["allowForwardedTraffic"] = False
    result = trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "FORWARDED_TRAFFIC_NOT_ALLOWED"
    assert result.confidence == "C" and "reported not to enforce" in result.reason
    assert result.fix.property == "properties.allowForwardedTraffic"


def test_an_nsg_deny_on_the_destination_subnet_is_denied_by_nsg_with_an_allow_rule_fix():
    estate = _vm_to_vm_estate()
    deny = nsg(SUBS["spoke3"], "rg-spoke3", "nsg-vm3", [{"name": "deny-ssh", "priority": 200, "direction": "Inbound",
               "access": "Deny", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22"}])
    estate.add(deny)
    subnet_props(estate.get("vnet-spoke3"), "snet-vm")["networkSecurityGroup"] = {"id": deny["id"]}
    result = trace(estate.snapshot(), "vm-spoke2", "vm-spoke3", 22)
    assert result.disposition == "DENIED_BY_NSG"
    assert result.hops[-1].issues[0].type == "NetworkSecurityRule" and "priority 190" in result.fix.change


def test_dns_link_pending_is_its_own_disposition():
    estate = article(link_spoke2=True)
    next(r for r in estate.resources if r["name"] == "link-spoke2")["properties"]["virtualNetworkLinkState"] = "InProgress"
    result = trace(estate.snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DNS_LINK_PENDING" and "Completed" in result.fix.change


def test_dns_server_unreachable_when_spokes_point_at_a_firewall_without_proxy():
    result = trace(article(spoke_dns_firewall=True, proxy=False).snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DNS_SERVER_UNREACHABLE" and "enableProxy=true" in result.fix.change


def test_hops_follow_network_watcher_vocabulary_and_the_verdict_is_json_serialisable():
    result = trace(article(link_spoke2=True).snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["hops"][0]["type"] == "Source" and data["hops"][1]["type"] == "VirtualAppliance"
    assert data["hops"][1]["issues"][0] == {"origin": "Outbound", "severity": "Error", "type": "Firewall",
                                            "context": {"phase": "Default", "rule": "default deny"}}
    assert data["disposition"] == "DENIED_BY_FIREWALL" and data["fix"]["change"]


def test_a_vnet_name_as_source_uses_its_vm_subnet():
    result = trace(article().snapshot(), "vnet-spoke2", "10.1.0.4")
    assert result.source_ip == "10.2.8.4"


def test_route_table_with_private_endpoint_policy_applies_to_endpoint_replies():
    estate = article(link_spoke2=True, api_rule="network")
    rt = route_table(SUBS["spoke1"], "rg-spoke1", "rt-pe", [("10.2.0.0/16", "VirtualAppliance", FW_IP)])
    aks = subnet_props(estate.get("vnet-spoke1"), "snet-aks")
    aks["routeTable"], aks["privateEndpointNetworkPolicies"] = {"id": rt["id"]}, "Enabled"
    estate.add(rt)
    assert trace(estate.snapshot(), "vm-spoke2", "cluster:privateaksspoke1").disposition == "DELIVERED"
