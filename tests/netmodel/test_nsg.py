"""NSG evaluation (docs/network-behaviour.md#5-network-security-groups)."""

from aksegress.netmodel.nsg import evaluate_nsg, virtual_network_tag
from tests.netmodel.estate import SUBS, article, nsg, subnet_props


def _with_nsg(rules):
    estate = article()
    group = nsg(SUBS["spoke2"], "rg-spoke2", "nsg-a", rules)
    estate.add(group)
    subnet_props(estate.get("vnet-spoke2"), "snet-vm")["networkSecurityGroup"] = {"id": group["id"]}
    snap = estate.snapshot()
    return snap, snap.find_subnet("vnet-spoke2/snet-vm"), group["id"].lower()


def _rule(name, priority, access, direction="Inbound", src="*", port="*"):
    return {"name": name, "priority": priority, "direction": direction, "access": access, "protocol": "Tcp",
            "sourceAddressPrefix": src, "destinationAddressPrefix": "*", "destinationPortRange": port}


def test_the_lowest_priority_number_matches_first():
    snap, subnet, nsg_id = _with_nsg([_rule("allow", 300, "Allow"), _rule("deny", 200, "Deny")])
    verdict = evaluate_nsg(snap, nsg_id, subnet, "Inbound", "10.1.8.4", "10.2.8.4", "TCP", 22, "subnet")
    assert (verdict.rule, verdict.access) == ("deny", "Deny")


def test_inbound_from_the_internet_hits_the_default_deny():
    snap, subnet, nsg_id = _with_nsg([])
    verdict = evaluate_nsg(snap, nsg_id, subnet, "Inbound", "52.1.1.1", "10.2.8.4", "TCP", 22, "subnet")
    assert (verdict.rule, verdict.default_rule) == ("DenyAllInBound", True)


def test_peered_vnet_traffic_is_allowed_by_the_default_vnet_rule():
    snap, subnet, nsg_id = _with_nsg([])
    assert evaluate_nsg(snap, nsg_id, subnet, "Inbound", "10.0.1.4", "10.2.8.4", "TCP", 22, "subnet").rule == "AllowVnetInBound"


def test_the_virtual_network_tag_holds_udr_prefixes_but_not_the_default_route():
    estate = article()
    estate.get("rt-spoke2")["properties"]["routes"].append(
        {"name": "s3", "properties": {"addressPrefix": "10.3.0.0/16", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.1.4"}})
    snap = estate.snapshot()
    tag = {str(p) for p in virtual_network_tag(snap, snap.find_subnet("vnet-spoke2/snet-vm"))}
    assert {"10.2.0.0/16", "10.0.0.0/16", "10.3.0.0/16", "168.63.129.16/32"} <= tag and "0.0.0.0/0" not in tag
    assert "10.1.0.0/16" not in tag


def test_no_nsg_means_no_verdict_at_that_level():
    snap = article().snapshot()
    assert evaluate_nsg(snap, "", snap.find_subnet("vnet-spoke2/snet-vm"), "Inbound", "1.1.1.1", "10.2.8.4", "TCP", 22, "subnet") is None
