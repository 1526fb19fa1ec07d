"""Azure Firewall, firewall policies, public IPs and VPN gateways as Azure accepts and refuses them, through azure-mgmt-network."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from azure.core.exceptions import HttpResponseError

from aksegress.emulator import start_emulator
from tests.emulator.conftest import SUB, TENANT, raw_request

API = "api-version=2026-03-01"
RG_ID = f"/subscriptions/{SUB}/resourceGroups/rg-test"
NET = f"{RG_ID}/providers/Microsoft.Network"


@pytest.fixture
def net(clients):
    return clients.network


def _hub(net, rg, firewall_prefix="10.0.1.0/26", gateway_prefix="10.0.2.0/27"):
    subnets = [{"name": "AzureFirewallSubnet", "properties": {"addressPrefix": firewall_prefix}},
               {"name": "GatewaySubnet", "properties": {"addressPrefix": gateway_prefix}},
               {"name": "workload", "properties": {"addressPrefix": "10.0.3.0/24"}}]
    return net.virtual_networks.begin_create_or_update(rg, "hub", {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": subnets}}).result()


def _public_ip(net, rg, name="fw-pip", sku="Standard", zones=None):
    body = {"location": "eastus", "sku": {"name": sku},
            "properties": {"publicIPAllocationMethod": "Static" if sku == "Standard" else "Dynamic"}}
    if zones:
        body["zones"] = zones
    return net.public_ip_addresses.begin_create_or_update(rg, name, body).result()


def _firewall(net, rg, pip_name="fw-pip", subnet="AzureFirewallSubnet", policy_id=None):
    properties = {"sku": {"name": "AZFW_VNet", "tier": "Standard"}, "ipConfigurations": [{"name": "ipconfig", "properties": {
        "subnet": {"id": f"{NET}/virtualNetworks/hub/subnets/{subnet}"},
        "publicIPAddress": {"id": f"{NET}/publicIPAddresses/{pip_name}"}}}]}
    if policy_id:
        properties["firewallPolicy"] = {"id": policy_id}
    return net.azure_firewalls.begin_create_or_update(rg, "fw", {"location": "eastus", "properties": properties}).result()


def _policy(net, rg, proxy=False, name="policy"):
    body = {"location": "eastus", "properties": {"sku": {"tier": "Standard"}, "dnsSettings": {"enableProxy": proxy}}}
    return net.firewall_policies.begin_create_or_update(rg, name, body).result()


def _network_rule(**overrides) -> dict:
    rule = {"ruleType": "NetworkRule", "name": "ntp", "ipProtocols": ["UDP"], "sourceAddresses": ["10.1.0.0/16"],
            "destinationAddresses": ["*"], "destinationPorts": ["123"]}
    rule.update(overrides)
    return {k: v for k, v in rule.items() if v is not None}


def _group(*rules: dict, priority: int = 200) -> dict:
    return {"properties": {"priority": priority, "ruleCollections": [{
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "egress", "priority": 100,
        "action": {"type": "Allow"}, "rules": list(rules)}]}}


def _refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value


def test_firewall_gets_the_fourth_address_of_its_subnet(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    firewall = _firewall(net, rg)
    assert firewall.ip_configurations[0].private_ip_address == "10.0.1.4"


def test_firewall_shows_its_public_ip_and_the_ip_shows_the_firewall(net, rg):
    _hub(net, rg)
    pip = _public_ip(net, rg)
    firewall = _firewall(net, rg)
    assert firewall.ip_configurations[0].public_ip_address.id == pip.id
    assert net.public_ip_addresses.get(rg, "fw-pip").ip_configuration.id == firewall.ip_configurations[0].id


def test_firewall_subnet_smaller_than_a_26_is_refused(net, rg):
    _hub(net, rg, firewall_prefix="10.0.1.0/27")
    _public_ip(net, rg)
    assert _refused(lambda: _firewall(net, rg)).error.code == "AzureFirewallSubnetTooSmall"


def test_firewall_outside_azure_firewall_subnet_is_refused(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    assert _refused(lambda: _firewall(net, rg, subnet="workload")).error.code == "AzureFirewallSubnetNameInvalid"


def test_firewall_with_a_basic_public_ip_is_refused(net, rg):
    _hub(net, rg)
    _public_ip(net, rg, sku="Basic")
    assert _refused(lambda: _firewall(net, rg)).error.code == "AzureFirewallPublicIpMustBeStandardSku"


def test_standard_public_ip_must_be_static(net, rg):
    body = {"location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}}
    error = _refused(lambda: net.public_ip_addresses.begin_create_or_update(rg, "pip", body).result())
    assert error.error.code == "StandardSkuPublicIPAddressesMustBeStatic"


def test_public_ip_without_sku_is_basic_and_static_ip_gets_an_address(net, rg):
    basic = net.public_ip_addresses.begin_create_or_update(rg, "plain", {"location": "eastus"}).result()
    static = _public_ip(net, rg)
    assert basic.sku.name == "Basic" and basic.ip_address is None
    assert static.ip_address.startswith("20.")


def test_subnet_used_by_a_firewall_cannot_be_deleted(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    _firewall(net, rg)
    error = _refused(lambda: net.subnets.begin_delete(rg, "hub", "AzureFirewallSubnet").result())
    assert error.error.code == "InUseSubnetCannotBeDeleted"


def test_public_ip_used_by_a_firewall_cannot_be_deleted(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    _firewall(net, rg)
    error = _refused(lambda: net.public_ip_addresses.begin_delete(rg, "fw-pip").result())
    assert error.error.code == "PublicIPAddressCannotBeDeleted"


def test_deleting_the_firewall_releases_subnet_public_ip_and_policy(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    policy = _policy(net, rg)
    _firewall(net, rg, policy_id=policy.id)
    net.azure_firewalls.begin_delete(rg, "fw").result()
    assert net.firewall_policies.get(rg, "policy").firewalls == []
    net.public_ip_addresses.begin_delete(rg, "fw-pip").result()
    net.subnets.begin_delete(rg, "hub", "AzureFirewallSubnet").result()
    assert [s.name for s in net.subnets.list(rg, "hub")] == ["GatewaySubnet", "workload"]


def test_policy_lists_its_rule_collection_groups_and_firewalls(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    policy = _policy(net, rg)
    group = net.firewall_policy_rule_collection_groups.begin_create_or_update(rg, "policy", "egress", _group(_network_rule())).result()
    firewall = _firewall(net, rg, policy_id=policy.id)
    shown = net.firewall_policies.get(rg, "policy")
    assert [g.id for g in shown.rule_collection_groups] == [group.id]
    assert [f.id for f in shown.firewalls] == [firewall.id]


def test_firewall_and_policy_tiers_must_match(net, rg):
    _hub(net, rg)
    _public_ip(net, rg)
    premium = net.firewall_policies.begin_create_or_update(rg, "premium", {
        "location": "eastus", "properties": {"sku": {"tier": "Premium"}}}).result()
    error = _refused(lambda: _firewall(net, rg, policy_id=premium.id))
    assert error.error.code == "AzureFirewallAndFirewallPolicyTierMismatch"


def test_policy_threat_intel_mode_defaults_to_alert(net, rg):
    policy = net.firewall_policies.begin_create_or_update(rg, "p", {"location": "eastus", "properties": {}}).result()
    assert policy.threat_intel_mode == "Alert"


def test_fqdn_network_rule_is_refused_while_dns_proxy_is_off(net, rg):
    _policy(net, rg, proxy=False)
    body = _group(_network_rule(destinationAddresses=None, destinationFqdns=["time.windows.com"]))
    error = _refused(lambda: net.firewall_policy_rule_collection_groups.begin_create_or_update(rg, "policy", "g", body).result())
    assert error.error.code == "FirewallPolicyNetworkRuleFqdnRequiresDnsProxy"


def test_fqdn_network_rule_is_accepted_with_dns_proxy_on(net, rg):
    _policy(net, rg, proxy=True)
    body = _group(_network_rule(destinationAddresses=None, destinationFqdns=["time.windows.com"]))
    group = net.firewall_policy_rule_collection_groups.begin_create_or_update(rg, "policy", "g", body).result()
    assert group.rule_collections[0].rules[0].destination_fqdns == ["time.windows.com"]


def test_dns_proxy_cannot_be_turned_off_under_an_fqdn_network_rule(net, rg):
    _policy(net, rg, proxy=True)
    body = _group(_network_rule(destinationAddresses=None, destinationFqdns=["time.windows.com"]))
    net.firewall_policy_rule_collection_groups.begin_create_or_update(rg, "policy", "g", body).result()
    error = _refused(lambda: _policy(net, rg, proxy=False))
    assert error.error.code == "FirewallPolicyDnsProxyRequiredByNetworkRules"


def test_application_rule_without_protocols_is_refused(net, rg):
    _policy(net, rg)
    rule = {"ruleType": "ApplicationRule", "name": "aks", "sourceAddresses": ["10.1.0.0/16"],
            "fqdnTags": ["AzureKubernetesService"]}
    error = _refused(lambda: net.firewall_policy_rule_collection_groups.begin_create_or_update(
        rg, "policy", "g", _group(rule)).result())
    assert error.error.code == "InvalidFirewallPolicyApplicationRule"


def test_network_and_application_rules_cannot_share_a_collection(net, rg):
    _policy(net, rg)
    app = {"ruleType": "ApplicationRule", "name": "aks", "sourceAddresses": ["10.1.0.0/16"],
           "protocols": [{"protocolType": "Https", "port": 443}], "fqdnTags": ["AzureKubernetesService"]}
    error = _refused(lambda: net.firewall_policy_rule_collection_groups.begin_create_or_update(
        rg, "policy", "g", _group(_network_rule(), app)).result())
    assert error.error.code == "FirewallPolicyRuleCollectionMixedRuleTypes"


def test_rule_collection_group_priority_outside_100_to_65000_is_refused(net, rg):
    _policy(net, rg)
    error = _refused(lambda: net.firewall_policy_rule_collection_groups.begin_create_or_update(
        rg, "policy", "g", _group(_network_rule(), priority=99)).result())
    assert error.error.code == "InvalidFirewallPolicyPriority"


def _route_table(net, rg, next_hop: str):
    route = {"name": "default", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": next_hop,
                                               **({"nextHopIpAddress": "10.0.1.4"} if next_hop == "VirtualAppliance" else {})}}
    return net.route_tables.begin_create_or_update(rg, "fw-rt", {"location": "eastus", "properties": {"routes": [route]}}).result()


def _associate(net, rg, table_id):
    body = {"properties": {"addressPrefix": "10.0.1.0/26", "routeTable": {"id": table_id}}}
    return net.subnets.begin_create_or_update(rg, "hub", "AzureFirewallSubnet", body).result()


def test_route_table_sending_0_0_0_0_to_an_appliance_cannot_go_on_azure_firewall_subnet(net, rg):
    _hub(net, rg)
    table = _route_table(net, rg, "VirtualAppliance")
    error = _refused(lambda: _associate(net, rg, table.id))
    assert error.error.code == "AzureFirewallSubnetRouteTableMustHaveDefaultRouteToInternet"


def test_route_table_sending_0_0_0_0_to_internet_can_go_on_azure_firewall_subnet(net, rg):
    _hub(net, rg)
    table = _route_table(net, rg, "Internet")
    assert _associate(net, rg, table.id).route_table.id == table.id


def test_default_route_of_a_table_on_azure_firewall_subnet_cannot_leave_internet(net, rg):
    _hub(net, rg)
    table = _route_table(net, rg, "Internet")
    _associate(net, rg, table.id)
    error = _refused(lambda: net.routes.begin_create_or_update(rg, "fw-rt", "default", {"properties": {
        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.1.4"}}).result())
    assert error.error.code == "AzureFirewallSubnetRouteTableMustHaveDefaultRouteToInternet"


def _gateway_body(subnet="GatewaySubnet", pip_name="gw-pip", sku="VpnGw1AZ") -> dict:
    return {"location": "eastus", "properties": {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku},
        "ipConfigurations": [{"name": "default", "properties": {
            "subnet": {"id": f"{NET}/virtualNetworks/hub/subnets/{subnet}"},
            "publicIPAddress": {"id": f"{NET}/publicIPAddresses/{pip_name}"}}}]}}


def test_vpn_gateway_outside_gateway_subnet_is_refused(net, rg):
    _hub(net, rg)
    _public_ip(net, rg, "gw-pip", zones=["1", "2", "3"])
    error = _refused(lambda: net.virtual_network_gateways.begin_create_or_update(rg, "vpn", _gateway_body("workload")).result())
    assert error.error.code == "InvalidGatewaySubnet"


def test_vpn_gateway_marks_gateway_subnet_in_use(net, rg):
    _hub(net, rg)
    _public_ip(net, rg, "gw-pip", zones=["1", "2", "3"])
    gateway = net.virtual_network_gateways.begin_create_or_update(rg, "vpn", _gateway_body()).result()
    users = [c.id for c in net.subnets.get(rg, "hub", "GatewaySubnet").ip_configurations]
    assert users == [gateway.ip_configurations[0].id]


def test_vpn_gateway_with_a_basic_public_ip_is_refused(net, rg):
    _hub(net, rg)
    _public_ip(net, rg, "gw-pip", sku="Basic")
    error = _refused(lambda: net.virtual_network_gateways.begin_create_or_update(rg, "vpn", _gateway_body()).result())
    assert error.error.code == "PublicIpWithBasicSkuNotAllowedOnVPNGateways"


def test_vpn_gateway_takes_many_more_polls_than_a_vnet_under_the_azure_like_profile(tmp_path):
    with start_emulator(tmp_path / "slow.sqlite", TENANT, [SUB], latency_profile="azure-like") as slow:
        def call(method, path, body=None):
            return raw_request(slow.connection, method, f"{path}?{API}" if "?" not in path else path, body=body)

        def polls_until_done(created) -> int:
            url = urlsplit(created.headers["azure-asyncoperation"])
            before = slow.counters()["polls"]
            while call("GET", f"{url.path}?{url.query}").body["status"] == "InProgress":
                pass
            return slow.counters()["polls"] - before

        call("PUT", RG_ID, {"location": "eastus"})
        vnet_polls = polls_until_done(call("PUT", f"{NET}/virtualNetworks/hub", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.0.2.0/27"}}]}}))
        call("PUT", f"{NET}/publicIPAddresses/gw-pip", {"location": "eastus", "sku": {"name": "Standard"}, "zones": ["1", "2", "3"]})
        gateway_polls = polls_until_done(call("PUT", f"{NET}/virtualNetworkGateways/vpn", _gateway_body()))
        assert gateway_polls >= 5 * vnet_polls


def test_a_new_vpn_gateway_with_a_non_zone_redundant_sku_is_refused(net, rg):
    _hub(net, rg)
    _public_ip(net, rg, "gw-pip", zones=["1", "2", "3"])
    error = _refused(lambda: net.virtual_network_gateways.begin_create_or_update(rg, "vpn", _gateway_body(sku="VpnGw1")).result())
    assert error.error.code == "InvalidGatewaySize" and "VpnGw1AZ" in error.error.message


def test_an_az_vpn_gateway_needs_a_zone_redundant_public_ip(net, rg):
    _hub(net, rg)
    _public_ip(net, rg, "gw-pip")
    error = _refused(lambda: net.virtual_network_gateways.begin_create_or_update(rg, "vpn", _gateway_body()).result())
    assert error.error.code == "VmssVpnGatewayPublicIpsMustHaveZonesConfigured"


def test_a_basic_public_ip_of_the_global_tier_is_refused(net, rg):
    body = {"location": "eastus", "sku": {"name": "Basic", "tier": "Global"}, "properties": {"publicIPAllocationMethod": "Dynamic"}}
    error = _refused(lambda: net.public_ip_addresses.begin_create_or_update(rg, "pip", body).result())
    assert error.error.code == "GlobalPublicIPAddressNotSupportedForBasicPublicIpAddress"
