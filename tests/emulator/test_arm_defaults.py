"""Properties real ARM always returns, whether or not the client sent them (as the contract recordings show)."""

from __future__ import annotations

from tests.emulator.conftest import SUB
from tests.emulator.test_aks_provider import cluster_body
from tests.emulator.topology import LOCATION, build_estate, create_vm

API = "api-version=2024-05-01"
NET = f"/subscriptions/{SUB}/resourceGroups/rg-test/providers/Microsoft.Network"
VNET_BODY = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                                  "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.1.0/24"}}]}}


def _put(clients, raw, path: str, body: dict) -> dict:
    answer = raw("PUT", f"{path}?{API}", body=body)
    assert answer.status in (200, 201), answer.body
    return raw("GET", f"{path}?{API}").body


def test_a_vnet_has_empty_dns_servers_and_vm_protection_off(clients, raw, rg):
    vnet = _put(clients, raw, f"{NET}/virtualNetworks/hub", VNET_BODY)
    assert vnet["properties"]["dhcpOptions"] == {"dnsServers": []}
    assert vnet["properties"]["enableVmProtection"] is False


def test_subnets_inline_and_as_children_have_empty_delegations_and_the_default_network_policies(clients, raw, rg):
    vnet = _put(clients, raw, f"{NET}/virtualNetworks/hub", VNET_BODY)
    child = _put(clients, raw, f"{NET}/virtualNetworks/hub/subnets/b", {"properties": {"addressPrefix": "10.0.2.0/24"}})
    for subnet in (vnet["properties"]["subnets"][0], child):
        assert subnet["properties"]["delegations"] == []
        assert subnet["properties"]["privateEndpointNetworkPolicies"] == "Disabled"
        assert subnet["properties"]["privateLinkServiceNetworkPolicies"] == "Enabled"


def test_routes_inline_and_as_children_say_they_have_no_bgp_override(clients, raw, rg):
    route = {"name": "r1", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}
    table = _put(clients, raw, f"{NET}/routeTables/rt", {"location": "eastus", "properties": {"routes": [route]}})
    child = _put(clients, raw, f"{NET}/routeTables/rt/routes/r2", {"properties": {"addressPrefix": "10.9.0.0/16", "nextHopType": "None"}})
    assert table["properties"]["routes"][0]["properties"]["hasBgpOverride"] is False
    assert child["properties"]["hasBgpOverride"] is False


def test_a_peering_has_empty_route_service_vips(clients, raw, rg):
    _put(clients, raw, f"{NET}/virtualNetworks/hub", VNET_BODY)
    _put(clients, raw, f"{NET}/virtualNetworks/spoke", {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}})
    peering = _put(clients, raw, f"{NET}/virtualNetworks/hub/virtualNetworkPeerings/to-spoke",
                   {"properties": {"remoteVirtualNetwork": {"id": f"{NET}/virtualNetworks/spoke"}}})
    assert peering["properties"]["routeServiceVips"] == {}


def test_a_public_ip_has_inherited_ddos_protection_and_an_fqdn_from_its_label(clients, raw, rg):
    pip = _put(clients, raw, f"{NET}/publicIPAddresses/pip", {"location": "eastus", "sku": {"name": "Standard"}, "properties": {
        "publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": "egress-test"}}})
    assert pip["properties"]["ddosSettings"] == {"protectionMode": "VirtualNetworkInherited"}
    assert pip["properties"]["dnsSettings"]["fqdn"] == "egress-test.eastus.cloudapp.azure.com"


def test_an_a_record_set_without_records_lists_an_empty_a_records(clients, raw, rg):
    zone = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/example.internal"
    clients.privatedns.private_zones.begin_create_or_update(rg, "example.internal", {"location": "global"}).result()
    record_set = _put(clients, raw, f"{zone}/A/empty", {"properties": {"ttl": 60}})
    assert record_set["properties"]["aRecords"] == []


def test_a_nic_has_arms_defaults_and_an_etag_on_each_ip_configuration(clients, raw):
    estate = build_estate(clients, routes=False)
    _, nic = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    body = raw("GET", f"{nic.id}?{API}").body
    assert body["kind"] == "Regular"
    assert {k: body["properties"][k] for k in ("nicType", "vnetEncryptionSupported", "allowPort25Out", "tapConfigurations", "hostedWorkloads")} == \
        {"nicType": "Standard", "vnetEncryptionSupported": False, "allowPort25Out": True, "tapConfigurations": [], "hostedWorkloads": []}
    assert body["properties"]["dnsSettings"]["internalDomainNameSuffix"].endswith(".internal.cloudapp.net")
    assert [c["etag"] for c in body["properties"]["ipConfigurations"]] == [body["etag"]]


def test_a_rule_collection_group_has_its_policys_location_and_network_rules_list_unused_fields_empty(clients, raw, rg):
    clients.network.firewall_policies.begin_create_or_update(rg, "policy", {"location": "eastus"}).result()
    rule = {"ruleType": "NetworkRule", "name": "ntp", "ipProtocols": ["UDP"], "sourceAddresses": ["10.1.0.0/16"],
            "destinationAddresses": ["*"], "destinationPorts": ["123"]}
    group = _put(clients, raw, f"{NET}/firewallPolicies/policy/ruleCollectionGroups/g", {"properties": {"priority": 200, "ruleCollections": [{
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "egress", "priority": 100, "action": {"type": "Allow"},
        "rules": [rule]}]}})
    assert group["location"] == "eastus"
    [written] = group["properties"]["ruleCollections"][0]["rules"]
    assert {k: written[k] for k in ("ipv6Rule", "sourceIpGroups", "destinationIpGroups", "destinationFqdns")} == \
        {"ipv6Rule": False, "sourceIpGroups": [], "destinationIpGroups": [], "destinationFqdns": []}


def test_a_private_cluster_has_the_profiles_aks_always_fills_in_and_its_management_private_link(clients, raw):
    clients.resource.resource_groups.create_or_update("rg-net", {"location": LOCATION})
    table = clients.network.route_tables.begin_create_or_update("rg-net", "rt", {"location": LOCATION}).result()
    estate = build_estate(clients, aks_route_table=table.id)
    cluster = clients.containerservice.managed_clusters.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result()
    props = raw("GET", f"{cluster.id}?api-version=2024-09-01").body["properties"]
    assert props["servicePrincipalProfile"] == {"clientId": "msi"}
    assert props["oidcIssuerProfile"] == {"enabled": False}
    assert props["storageProfile"]["diskCSIDriver"] == {"enabled": True}
    assert props["agentPoolProfiles"][0]["kubeletDiskType"] == "OS"
    assert [(r["name"], r["groupId"], r["requiredMembers"]) for r in props["privateLinkResources"]] == [("management", "management", ["management"])]
    assert props["resourceUID"]
