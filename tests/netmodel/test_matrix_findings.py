"""Reachability matrix and estate-wide findings."""

from aksegress.netmodel import findings, reachability_matrix
from aksegress.netmodel.health import health_report
from aksegress.netmodel.matrix import matrix_cells
from tests.netmodel.estate import app_rule, article, collection, network_rule, rcg


def test_the_matrix_has_one_cell_per_vm_and_cluster_with_a_disposition():
    table = reachability_matrix(article(link_spoke2=True).snapshot())
    cells = dict(zip(table["source"], table["disposition"]))
    assert cells == {"vm-spoke1": "DELIVERED", "vm-spoke2": "DENIED_BY_FIREWALL", "vm-spoke3": "DNS_NXDOMAIN"}


def _kinds(estate):
    return {f.kind: f for f in findings(estate.snapshot())}


def test_a_rule_covered_by_an_earlier_rule_is_reported_shadowed():
    estate = article()
    rules = [network_rule("wide", ["10.0.0.0/8"], ["10.1.0.0/16"], ["*"]), network_rule("narrow", ["10.2.0.0/16"], ["10.1.0.4"], ["443"])]
    estate.add(rcg(estate.get("fw-policy"), "extra", 400, [collection("c", 100, "Deny", rules)]))
    shadowed = _kinds(estate)["shadowed-rule"]
    assert "narrow" in shadowed.resource and "wide" in shadowed.message


def test_a_network_allow_to_everything_shadows_an_application_deny():
    estate = article()
    estate.add(rcg(estate.get("fw-policy"), "a", 100, [collection("deny-app", 100, "Deny", [app_rule("no-github", ["*"], ["github.com"])])]),
               rcg(estate.get("fw-policy"), "n", 500, [collection("net", 100, "Allow", [network_rule("all-443", ["*"], ["*"], ["443"])])]))
    found = [f for f in findings(estate.snapshot()) if f.kind == "shadowed-rule" and "no-github" in f.resource]
    assert found and found[0].severity == "Error" and "different action" in found[0].message


def test_the_articles_allow_azure_ips_rule_is_reported_broader_than_needed():
    assert "allow-azure-ips" in _kinds(article())["broad-rule"].resource


def test_equal_priority_rule_collection_groups_are_flagged_with_community_confidence():
    estate = article()
    estate.props("DefaultApplicationRuleCollectionGroup")["priority"] = 200
    finding = _kinds(estate)["equal-priority-rule-collection-groups"]
    assert finding.confidence == "C" and "[C]" in finding.confidence_note


def test_an_fqdn_network_rule_without_dns_proxy_is_an_error():
    estate = article(proxy=False)
    estate.add(rcg(estate.get("fw-policy"), "ntp", 400, [collection("c", 100, "Allow",
               [network_rule("ntp", ["*"], [], ["123"], ("UDP",), fqdns=["ntp.ubuntu.com"])])]))
    assert _kinds(estate)["fqdn-network-rule-without-dns-proxy"].severity == "Error"


def test_a_zone_linked_to_a_spoke_that_uses_the_firewall_as_dns_is_reported_unusable():
    finding = _kinds(article(spoke_dns_firewall=True))["unused-zone-link"]
    assert "vnet-spoke1" in finding.message and finding.fix.endswith("to vnet-hub")


def test_allow_forwarded_traffic_false_on_a_spoke_to_hub_peering_is_an_error_with_the_caveat():
    estate = article()
    estate.props("spoke1-to-hub")["allowForwardedTraffic"] = False
    finding = _kinds(estate)["forwarded-traffic-disabled"]
    assert finding.severity == "Error" and finding.confidence == "C" and "reported not to enforce" in finding.message
    assert "the egress of cluster privateaksspoke1" in finding.message


def test_a_healthy_article_estate_reports_only_the_broad_rule_and_the_hub_gateway_no_spoke_uses():
    found = findings(article(link_spoke2=True).snapshot())
    assert {f.kind for f in found} == {"broad-rule", "gateway-transit-missing"}
    assert {f.severity for f in found if f.kind == "gateway-transit-missing"} == {"Warning"}


def test_a_spoke_using_the_hub_gateway_through_gateway_transit_has_no_gateway_finding():
    estate = article(link_spoke2=True)
    for spoke in ("spoke1", "spoke2", "spoke3"):
        estate.props(f"{spoke}-to-hub")["useRemoteGateways"] = True
        estate.props(f"hub-to-{spoke}")["allowGatewayTransit"] = True
    assert "gateway-transit-missing" not in {f.kind for f in findings(estate.snapshot())}


def _spoke2_to_vm_spoke3(estate, intended: bool):
    """The one flow vm-spoke2 -> vm-spoke3 TCP 443, allowed by a network rule (so not SNATed), with or without intent."""
    estate.add(rcg(estate.get("fw-policy"), "east-west", 150, [collection("c", 100, "Allow", [
        network_rule("spoke2-to-vm3", ["10.2.0.0/16"], ["10.3.8.4"], ["443"])])]))
    snap = estate.snapshot()
    intent = {(snap.find_vnet("vnet-spoke2").id, snap.find_vm("vm-spoke3").id)} if intended else set()
    return snap, matrix_cells(snap, ["vm-spoke2"], ["vm-spoke3"], intent=intent)


def _forwarded_findings(snap, cells):
    return [f for f in health_report(snap, cells, intent_known=True).findings if f.kind == "forwarded-traffic-disabled"]


def test_a_peering_refusing_forwarded_traffic_is_reported_with_the_intended_flow_that_crosses_it():
    estate = article()
    estate.props("spoke3-to-hub")["allowForwardedTraffic"] = False
    snap, cells = _spoke2_to_vm_spoke3(estate, intended=True)
    [finding] = _forwarded_findings(snap, cells)
    assert finding.resource.endswith("/virtualnetworkpeerings/spoke3-to-hub") and "vm-spoke2 -> vm-spoke3 TCP/443" in finding.message
    assert finding.fix == "set allowForwardedTraffic=true on spoke3-to-hub"


def test_a_peering_refusing_forwarded_traffic_only_a_flow_meant_to_be_denied_crosses_is_not_reported():
    estate = article()
    estate.props("spoke3-to-hub")["allowForwardedTraffic"] = False
    assert _forwarded_findings(*_spoke2_to_vm_spoke3(estate, intended=False)) == []


def test_a_peering_refusing_forwarded_traffic_that_no_flow_or_egress_crosses_is_not_reported():
    estate = article()
    estate.props("spoke3-to-hub")["allowForwardedTraffic"] = False
    snap = estate.snapshot()
    assert _forwarded_findings(snap, matrix_cells(snap)) == [] and "forwarded-traffic-disabled" not in _kinds(estate)
