"""Azure Firewall policy evaluation (docs/network-behaviour.md#4-azure-firewall)."""

from aksegress.netmodel import Flow, decide
from aksegress.netmodel.addresses import synthetic_public_ip
from tests.netmodel.estate import API_FQDN, SUBS, Estate, app_rule, article, collection, firewall, network_rule, policy, rcg, subnet_id, vnet

SRC = "10.2.8.4"


def _estate(groups, proxy=True, private_ranges=None, base_groups=None):
    hub = vnet(SUBS["hub"], "rg-hub", "vnet-hub", "10.0.0.0/16", {"AzureFirewallSubnet": "10.0.1.0/26"})
    pol = policy(proxy=proxy, private_ranges=private_ranges)
    resources = [hub, pol, firewall(subnet_id(hub, "AzureFirewallSubnet"), pol["id"])]
    if base_groups:
        base = policy("base-policy")
        pol["properties"]["basePolicy"] = {"id": base["id"]}
        resources.append(base)
        resources += [rcg(base, name, prio, cols) for name, prio, cols in base_groups]
    resources += [rcg(pol, name, prio, cols) for name, prio, cols in groups]
    return Estate(resources)


def _decide(estate, dst, port=443, fqdn="", protocol="TCP"):
    snap = estate.snapshot()
    return decide(snap, next(iter(snap.firewalls.values())), Flow(SRC, dst, protocol, port, fqdn))


def test_no_matching_rule_means_default_deny():
    decision = _decide(_estate([]), "10.1.0.4")
    assert (decision.action, decision.phase) == ("Deny", "Default")
    assert "default action" in decision.explain()


def test_network_rules_are_evaluated_before_application_rules_whatever_the_group_priority():
    groups = [("app-first", 100, [collection("deny-app", 100, "Deny", [app_rule("deny-mcr", ["*"], ["mcr.microsoft.com"])])]),
              ("net-later", 500, [collection("allow-net", 100, "Allow", [network_rule("allow-443", ["*"], ["*"], ["443"])])])]
    decision = _decide(_estate(groups), synthetic_public_ip("mcr.microsoft.com"), fqdn="mcr.microsoft.com")
    assert (decision.action, decision.rule, decision.rule_collection_group) == ("Allow", "allow-443", "net-later")


def test_lower_group_priority_is_evaluated_first():
    deny = ("g-deny", 200, [collection("deny", 100, "Deny", [network_rule("d", ["*"], ["10.1.0.0/16"], ["443"])])])
    allow = ("g-allow", 300, [collection("allow", 100, "Allow", [network_rule("a", ["*"], ["10.1.0.0/16"], ["443"])])])
    assert _decide(_estate([allow, deny]), "10.1.0.4").action == "Deny"


def test_within_a_group_lower_collection_priority_is_evaluated_first():
    group = ("g", 200, [collection("allow", 300, "Allow", [network_rule("a", ["*"], ["10.1.0.4"], ["443"])]),
                        collection("deny", 200, "Deny", [network_rule("d", ["*"], ["10.1.0.4"], ["443"])])])
    decision = _decide(_estate([group]), "10.1.0.4")
    assert (decision.action, decision.rule_collection) == ("Deny", "deny")


def test_parent_policy_groups_come_before_child_groups_regardless_of_priority():
    child = [("child", 100, [collection("allow", 100, "Allow", [network_rule("a", ["*"], ["10.1.0.4"], ["443"])])])]
    parent = [("parent", 60000, [collection("deny", 100, "Deny", [network_rule("d", ["*"], ["10.1.0.4"], ["443"])])])]
    decision = _decide(_estate(child, base_groups=parent), "10.1.0.4")
    assert (decision.action, decision.policy) == ("Deny", "base-policy")


def test_service_tag_destination_matches_the_tag_prefixes_from_the_bundled_snapshot():
    group = ("g", 100, [collection("azure", 100, "Allow", [network_rule("azure-ips", ["*"], ["AzureCloud.eastus2"], ["*"], ("Any",))])])
    assert _decide(_estate([group]), "13.68.10.10").allowed
    assert not _decide(_estate([group]), "52.1.1.1").allowed


def test_fqdn_network_rule_matches_only_with_dns_proxy_on():
    rule = network_rule("ntp", ["*"], [], ["123"], ("UDP",), fqdns=["ntp.ubuntu.com"])
    group = ("g", 100, [collection("c", 100, "Allow", [rule])])
    dst = synthetic_public_ip("ntp.ubuntu.com")
    assert _decide(_estate([group], proxy=True), dst, 123, protocol="UDP").allowed
    assert not _decide(_estate([group], proxy=False), dst, 123, protocol="UDP").allowed


def test_a_wildcard_target_matches_subdomains_but_not_the_apex():
    group = ("g", 100, [collection("c", 100, "Allow", [app_rule("w", ["*"], ["*.contoso.com"])])])
    assert _decide(_estate([group]), "20.1.1.1", fqdn="www.contoso.com").allowed
    assert not _decide(_estate([group]), "20.1.1.1", fqdn="contoso.com").allowed


def test_a_lone_star_target_matches_every_name():
    group = ("g", 100, [collection("c", 100, "Allow", [app_rule("all", ["*"], ["*"])])])
    assert _decide(_estate([group]), "20.1.1.1", fqdn="anything.example.org").allowed


def test_the_aks_fqdn_tag_covers_the_required_aks_names():
    group = ("g", 100, [collection("c", 100, "Allow", [app_rule("aks", ["*"], tags=["AzureKubernetesService"])])])
    assert _decide(_estate([group]), "20.1.1.1", fqdn="packages.aks.azure.com").allowed
    assert _decide(_estate([group]), "20.1.1.1", fqdn="westeurope.data.mcr.microsoft.com").allowed
    assert not _decide(_estate([group]), "20.1.1.1", fqdn="github.com").allowed


def test_a_client_without_sni_cannot_match_an_application_rule():
    group = ("g", 100, [collection("c", 100, "Allow", [app_rule("all", ["*"], ["*"])])])
    decision = _decide(_estate([group]), "20.1.1.1")
    assert not decision.allowed and "no host name" in decision.explain()


def test_any_protocol_with_a_port_covers_tcp_and_udp_but_not_icmp():
    group = ("g", 100, [collection("c", 100, "Allow", [network_rule("r", ["*"], ["10.1.0.0/16"], ["53"], ("Any",))])])
    assert _decide(_estate([group]), "10.1.0.4", 53, protocol="UDP").allowed
    assert _decide(_estate([group]), "10.1.0.4", 53, protocol="TCP").allowed
    assert not _decide(_estate([group]), "10.1.0.4", 0, protocol="ICMP").allowed


def test_network_rule_to_a_private_address_is_not_snatted_by_default():
    group = ("g", 100, [collection("c", 100, "Allow", [network_rule("r", ["*"], ["*"], ["443"])])])
    assert _decide(_estate([group]), "10.1.0.4").snat is False
    assert _decide(_estate([group]), "52.1.1.1").snat is True


def test_private_range_255_255_255_255_forces_snat_and_zero_slash_zero_disables_it():
    group = ("g", 100, [collection("c", 100, "Allow", [network_rule("r", ["*"], ["*"], ["443"])])])
    assert _decide(_estate([group], private_ranges=["255.255.255.255/32"]), "10.1.0.4").snat is True
    assert _decide(_estate([group], private_ranges=["0.0.0.0/0"]), "52.1.1.1").snat is False


def test_application_rules_always_snat_and_connect_to_the_address_the_firewall_resolves():
    decision = _decide(article(api_rule="app"), "10.1.0.4", fqdn=API_FQDN)
    assert decision.phase == "Application" and decision.snat is True
    assert decision.upstream_ip == "" and "cannot resolve" in decision.explain()


def test_dnat_rules_translate_traffic_to_a_firewall_public_address():
    nat = {"ruleType": "NatRule", "name": "ssh-in", "ipProtocols": ["TCP"], "sourceAddresses": ["*"],
           "destinationAddresses": ["52.10.10.10"], "destinationPorts": ["22"], "translatedAddress": "10.1.8.4", "translatedPort": "22"}
    group = ("g", 100, [{"ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "dnat", "priority": 100,
                         "action": {"type": "DNAT"}, "rules": [nat]}])
    decision = _decide(_estate([group]), "52.10.10.10", 22)
    assert decision.phase == "DNAT" and decision.upstream_ip == "10.1.8.4:22"


def test_decision_serialises_with_azure_log_fields():
    group = ("g", 100, [collection("c", 100, "Allow", [network_rule("r", ["*"], ["*"], ["443"])])])
    data = _decide(_estate([group]), "10.1.0.4").to_dict()
    assert {"policy", "rule_collection_group", "rule_collection", "rule", "action", "explanation"} <= set(data)
