"""The article's three situations (VM in spoke2 -> private AKS API server in spoke1), reproduced from ARM JSON."""

from aksegress.netmodel import trace
from tests.netmodel.estate import API_IP, SUBS, ZONE, article, rid


def _link_hub(estate):
    hub_id = estate.get("vnet-hub")["id"]
    zone_id = rid(SUBS["spoke1"], "MC_rg-spoke1_privateaksspoke1_eastus2", "Microsoft.Network/privateDnsZones", ZONE)
    estate.add({"id": f"{zone_id}/virtualNetworkLinks/link-hub", "name": "link-hub",
                "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
                "properties": {"virtualNetwork": {"id": hub_id}, "registrationEnabled": False, "virtualNetworkLinkState": "Completed"}})
    return estate


def test_before_the_dns_link_spoke2_gets_nxdomain_and_is_told_to_link_the_zone_to_spoke2():
    result = trace(article().snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DNS_NXDOMAIN"
    assert result.fix.change == f"link zone {ZONE} to vnet-spoke2"


def test_with_spokes_on_the_firewall_dns_proxy_the_fix_links_the_zone_to_the_hub():
    result = trace(article(spoke_dns_firewall=True).snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DNS_NXDOMAIN"
    assert result.fix.change == f"link zone {ZONE} to vnet-hub"


def test_after_the_link_but_before_the_allow_the_firewall_denies_by_default_and_the_fix_names_the_api_ip_or_fqdn():
    result = trace(article(link_spoke2=True).snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DENIED_BY_FIREWALL"
    assert result.firewall.phase == "Default"
    assert "privateaksspoke1-abcd1234" in result.fix.change and "application rule collection 'app-allow'" in result.fix.change
    assert any(API_IP in alt and "255.255.255.255/32" in alt for alt in result.fix.alternatives)
    assert "SNAT" in result.fix.why


def test_after_link_and_application_rule_on_the_private_fqdn_the_flow_is_delivered_when_the_hub_can_resolve_it():
    result = trace(_link_hub(article(link_spoke2=True, api_rule="app")).snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DELIVERED"
    assert result.firewall.rule == "allow-spoke2-to-aks1-api" and result.firewall.snat is True


def test_application_rule_without_a_hub_link_fails_because_the_firewall_resolves_the_sni_itself():
    result = trace(article(link_spoke2=True, api_rule="app").snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DNS_NXDOMAIN"
    assert result.fix.change == f"link zone {ZONE} to vnet-hub"
    assert result.confidence == "C" and "[C]" in result.confidence_note


def test_network_rule_with_snat_forced_is_delivered():
    estate = article(link_spoke2=True, api_rule="network", private_ranges=["255.255.255.255/32"])
    result = trace(estate.snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "DELIVERED"
    assert result.firewall.snat is True


def test_plain_network_rule_without_snat_is_an_asymmetric_return_with_the_reason_spelled_out():
    result = trace(article(link_spoke2=True, api_rule="network").snapshot(), "vm-spoke2", "cluster:privateaksspoke1")
    assert result.disposition == "ASYMMETRIC_RETURN"
    assert "ignores UDRs" in result.reason and "SNAT is required for private endpoints" in result.reason
    assert result.fix.property == "properties.snat.privateRanges"
    assert result.confidence == "?"
