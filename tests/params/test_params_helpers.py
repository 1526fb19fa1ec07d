"""Naming rules and address helpers used by params and later layers."""

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from aksegress import addressing, naming
from aksegress.params import load_params

LOCAL = Path(__file__).resolve().parents[2] / "params" / "local.yaml"


def test_every_name_rule_accepts_a_typical_name():
    typical = {"resource_group": "rg-hub", "aks_cluster": "privateaksspoke1", "linux_vm": "vm-spoke1"}
    assert all(naming.name_problems(kind, typical.get(kind, "name-1")) == [] for kind in naming.NAME_RULES)


def test_resource_group_accepts_parentheses():
    assert naming.name_problems("resource_group", "rg(hub)") == []


def test_check_name_reports_every_broken_rule_at_once():
    with pytest.raises(ValueError) as caught:
        naming.check_name("virtual_network", "-" + "x" * 70 + "!")
    assert "2-64" in str(caught.value) and "'!'" in str(caught.value)


def test_parse_network_refuses_ipv6():
    with pytest.raises(ValueError, match="IPv6"):
        addressing.parse_network("fd00::/64")


def test_overlapping_pairs_names_both_blocks():
    nets = [("a", IPv4Network("10.0.0.0/16")), ("b", IPv4Network("10.1.0.0/16")), ("c", IPv4Network("10.0.5.0/24"))]
    assert [(x, y) for x, _, y, _ in addressing.overlapping_pairs(nets)] == [("a", "c")]


def test_azure_keeps_five_addresses_of_each_subnet():
    assert addressing.azure_usable_count(IPv4Network("10.0.1.0/26")) == 59


def test_first_usable_address_is_dot_four():
    assert addressing.azure_nth_usable(IPv4Network("10.0.1.0/26")) == IPv4Address("10.0.1.4")


def test_nth_usable_beyond_the_subnet_is_refused():
    with pytest.raises(ValueError, match="out of range"):
        addressing.azure_nth_usable(IPv4Network("10.0.1.0/29"), 3)


def test_nth_address_counts_back_from_broadcast():
    assert addressing.nth_address(IPv4Network("10.41.0.0/16"), -1) == IPv4Address("10.41.255.255")


def test_address_plan_has_a_row_per_subnet_with_usable_counts():
    plan = load_params(LOCAL).address_plan()
    assert len(plan) == 2 + 3 * 2
    aks = next(r for r in plan if (r.owner, r.subnet) == ("spoke1", "aks"))
    assert (aks.vnet, str(aks.prefix), aks.usable) == ("vnet-spoke1", "10.1.0.0/22", 1019)


def test_all_vnets_lists_hub_first_with_its_subscription():
    vnets = load_params(LOCAL).all_vnets()
    assert [v.owner for v in vnets] == ["hub", "spoke1", "spoke2", "spoke3"]
    assert vnets[0].subscription_id == "00000000-0000-0000-0000-000000000001"


def test_firewall_private_ip_is_the_first_usable_of_its_subnet():
    assert load_params(LOCAL).firewall_private_ip() == IPv4Address("10.0.1.4")
