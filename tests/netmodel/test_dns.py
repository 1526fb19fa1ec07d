"""Name resolution (docs/network-behaviour.md#3-private-dns)."""

import ipaddress

from aksegress.netmodel import resolve
from aksegress.netmodel.addresses import synthetic_public_ip
from tests.netmodel.estate import API_FQDN, API_IP, FW_IP, SUBS, ZONE, Estate, article, policy, vm_with_nic, vnet, zone


def _vnet(name="vnet-a", dns=None):
    return vnet(SUBS["spoke1"], "rg", name, "10.5.0.0/16", {"s": "10.5.0.0/24"}, dns)


def test_a_zone_linked_to_the_vnet_answers_with_its_a_record():
    result = resolve(article().snapshot(), API_FQDN, vnet="vnet-spoke1")
    assert result.addresses == [API_IP] and not result.synthetic


def test_a_vnet_without_a_link_falls_back_to_public_dns_which_has_no_private_cluster_record():
    result = resolve(article().snapshot(), API_FQDN, vnet="vnet-spoke2")
    assert (result.status, result.failure) == ("NXDOMAIN", "DNS_NXDOMAIN")


def test_public_names_get_a_stable_synthetic_address_in_microsoft_public_space():
    result = resolve(article().snapshot(), "mcr.microsoft.com", vnet="vnet-spoke2")
    assert result.synthetic and result.addresses == [synthetic_public_ip("mcr.microsoft.com")]
    address = ipaddress.IPv4Address(result.addresses[0])
    assert address in ipaddress.IPv4Network("20.0.0.0/8") and not address.is_private


def test_the_longest_suffix_zone_wins_and_is_authoritative():
    net = _vnet()
    estate = Estate([net]).add(zone(SUBS["spoke1"], "rg", "contoso.com", {"api.internal": "10.9.0.1"}, {"l1": net["id"]}),
                               zone(SUBS["spoke1"], "rg", "internal.contoso.com", {"web": "10.9.0.2"}, {"l2": net["id"]}))
    snap = estate.snapshot()
    assert resolve(snap, "web.internal.contoso.com", vnet="vnet-a").addresses == ["10.9.0.2"]
    missing = resolve(snap, "api.internal.contoso.com", vnet="vnet-a")
    assert missing.status == "NXDOMAIN" and missing.confidence == "C"


def test_nxdomain_redirect_on_a_privatelink_zone_falls_back_to_public_resolution():
    net = _vnet()
    records = zone(SUBS["spoke1"], "rg", "privatelink.blob.core.windows.net", {"other": "10.9.0.9"}, {"l": net["id"]})
    records[-1]["properties"]["resolutionPolicy"] = "NxDomainRedirect"
    result = resolve(Estate([net]).add(records).snapshot(), "acct.privatelink.blob.core.windows.net", vnet="vnet-a")
    assert result.ok and result.synthetic


def test_a_link_still_in_progress_does_not_resolve_yet():
    net = _vnet()
    estate = Estate([net]).add(zone(SUBS["spoke1"], "rg", "corp.internal", {"db": "10.9.0.1"}, {"l": net["id"]}, state="InProgress"))
    assert resolve(estate.snapshot(), "db.corp.internal", vnet="vnet-a").failure == "DNS_LINK_PENDING"


def test_nic_dns_servers_take_precedence_over_the_vnet_servers():
    estate = article(link_spoke2=True)
    estate.add(vm_with_nic(SUBS["spoke2"], "rg-spoke2", "vm-custom", estate.get("vnet-spoke2")["id"] + "/subnets/snet-vm",
                           "10.2.8.5", dns=[FW_IP]))
    snap = estate.snapshot()
    nic = snap.nics[next(k for k in snap.nics if k.endswith("vm-custom-nic"))]
    assert resolve(snap, API_FQDN, nic=nic).failure == "DNS_NXDOMAIN"
    assert resolve(snap, API_FQDN, vnet="vnet-spoke2").addresses == [API_IP]


def test_spokes_using_the_firewall_proxy_resolve_from_the_hub_view():
    result = resolve(article(spoke_dns_firewall=True).snapshot(), API_FQDN, vnet="vnet-spoke1")
    assert result.failure == "DNS_NXDOMAIN"
    assert "linked to vnet-spoke1" not in " ".join(result.chain) and "vnet-hub" in " ".join(result.chain)


def test_firewall_as_dns_server_with_proxy_off_is_unreachable():
    result = resolve(article(spoke_dns_firewall=True, proxy=False).snapshot(), "mcr.microsoft.com", vnet="vnet-spoke2")
    assert result.failure == "DNS_SERVER_UNREACHABLE" and "enableProxy=true" in result.fix


def test_a_child_policy_without_dns_settings_inherits_the_proxy_from_its_base():
    estate = article(spoke_dns_firewall=True)
    base = estate.get("fw-policy")
    child = policy("child-policy", proxy=False, base=base["id"])
    del child["properties"]["dnsSettings"]
    estate.add(child)
    estate.get("fw-hub")["properties"]["firewallPolicy"] = {"id": child["id"]}
    assert resolve(estate.snapshot(), "mcr.microsoft.com", vnet="vnet-spoke2").ok


def test_custom_dns_on_a_vnet_bypasses_the_zones_linked_to_that_vnet():
    estate = article(link_spoke2=True)
    estate.props("vnet-spoke2")["dhcpOptions"] = {"dnsServers": ["10.1.8.4"]}
    result = resolve(estate.snapshot(), API_FQDN, vnet="vnet-spoke2")
    assert result.addresses == [API_IP] and result.resolved_in_vnet.endswith("vnet-spoke1") and result.confidence == "C"


def test_a_dns_server_the_snapshot_does_not_know_is_reported_as_unreachable_with_low_confidence():
    result = resolve(Estate([_vnet(dns=["192.0.2.53"])]).snapshot(), "x.example.com", vnet="vnet-a")
    assert result.failure == "DNS_SERVER_UNREACHABLE" and result.confidence == "?"


def test_zone_without_the_private_record_answers_nxdomain_for_the_private_name_and_points_at_the_zone():
    result = resolve(article().snapshot(), API_FQDN, vnet="vnet-spoke3")
    assert result.zone_id.endswith(ZONE)
