"""Desired state is a pure function of the params (and facts Azure decides): what each step asks Azure for."""



import yaml

from aksegress.desired.cross_vnet_access import access_rule, cross_vnet_access, zone_link_vnets, zone_links
from aksegress.desired.cross_vnet_access import test_vms as desired_test_vms
from aksegress.desired.firewall import firewall
from aksegress.desired.firewall_rules import egress_rules
from aksegress.desired.hub_and_spokes import networks
from aksegress.desired.network_role import network_roles
from aksegress.desired.prerequisites import resource_groups
from aksegress.desired.private_aks import clusters
from aksegress.desired.route_tables import route_tables
from aksegress.facts import ClusterFacts
from aksegress.params import validate_params
from tests.runbook.conftest import REPO


def params_with(**changes):
    data = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return validate_params(data, "test")


class FakeFacts:
    """Facts as Azure would report them after step 05, for two clusters."""

    def cluster(self, key):
        return ClusterFacts(f"/subscriptions/x/resourceGroups/rg-{key}/providers/Microsoft.ContainerService/managedClusters/c-{key}",
                            f"principal-{key}", f"c-{key}-abcd1234.guid.privatelink.eastus2.azmk8s.io", f"MC_rg-{key}",
                            f"/subscriptions/x/resourceGroups/MC_rg-{key}/providers/Microsoft.Network/privateDnsZones/guid.privatelink.eastus2.azmk8s.io",
                            "10.1.0.5")


def _by_type(desired, arm_type):
    return [d for d in desired if d.kind.arm_type == arm_type]


def test_resource_groups_are_deduplicated_across_spokes_sharing_one():
    params = params_with(spokes__spoke3__resource_group="rg-spoke1", spokes__spoke3__subscription_id=params_with().spokes["spoke1"].subscription_id)
    names = [d.id for d in resource_groups(params)]
    assert len(names) == len(set(n.lower() for n in names)) == 3


def test_every_created_resource_carries_the_environment_tag():
    params = params_with()
    tagged = [d for d in resource_groups(params) + networks(params) + firewall(params) + route_tables(params) if d.kind.tagged]
    assert tagged and all(d.body["tags"]["aksegress-env"] == "local" for d in tagged)


def test_peerings_allow_forwarded_traffic_both_ways_and_never_link_two_spokes():
    params = params_with()
    peerings = _by_type(networks(params), "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
    assert len(peerings) == 2 * len(params.spokes)
    assert all(p.body["properties"]["allowForwardedTraffic"] is True for p in peerings)
    assert all("vnet-hub" in p.id or "vnet-hub" in p.body["properties"]["remoteVirtualNetwork"]["id"] for p in peerings)


def test_spoke_route_table_sends_default_and_other_spokes_to_the_firewall_ip():
    params = params_with()
    table = next(d for d in route_tables(params) if d.id.endswith("rt-vnet-spoke2"))
    routes = {r["properties"]["addressPrefix"]: r["properties"] for r in table.body["properties"]["routes"]}
    assert set(routes) == {"0.0.0.0/0", "10.1.0.0/16", "10.3.0.0/16"}
    assert {r["nextHopIpAddress"] for r in routes.values()} == {"10.0.1.4"}
    assert table.body["properties"]["disableBgpRoutePropagation"] is True


def test_route_table_keeps_gateway_routes_when_the_hub_has_no_gateway():
    params = params_with(hub__vpn_gateway=None)
    tables = [d for d in route_tables(params) if d.kind.arm_type == "Microsoft.Network/routeTables"]
    assert all(d.body["properties"]["disableBgpRoutePropagation"] is False for d in tables)
    assert not any("gatewaysubnet" in d.id.lower() for d in tables)


def test_cluster_and_vm_subnets_get_the_route_table():
    params = params_with()
    associated = [d.id.rsplit("/", 3)[-3] + "/" + d.id.rsplit("/", 1)[1] for d in _by_type(route_tables(params), "Microsoft.Network/virtualNetworks/subnets")]
    assert {"vnet-spoke1/aks", "vnet-spoke1/vm", "vnet-spoke2/aks", "vnet-spoke2/vm", "vnet-spoke3/aks", "vnet-spoke3/vm"} <= set(associated)


def test_vpn_gateway_is_started_without_waiting():
    gateway = _by_type(firewall(params_with()), "Microsoft.Network/virtualNetworkGateways")
    assert len(gateway) == 1 and gateway[0].wait is False


def test_network_snat_mode_forces_snat_on_the_policy():
    policy = _by_type(firewall(params_with(api_access_rule="network_snat")), "Microsoft.Network/firewallPolicies")[0]
    assert policy.body["properties"]["snat"] == {"privateRanges": ["255.255.255.255/32"]}


def test_egress_rules_use_the_fqdn_tag_and_only_cluster_subnets_as_sources():
    group = egress_rules(params_with())[0]
    rules = [r for c in group.body["properties"]["ruleCollections"] for r in c["rules"]]
    tag_rule = next(r for r in rules if r["name"] == "aks-fqdn-tag")
    assert tag_rule["fqdnTags"] == ["AzureKubernetesService"]
    assert set(tag_rule["sourceAddresses"]) == {"10.1.0.0/22", "10.2.0.0/22", "10.3.0.0/22"}
    assert "mcr.microsoft.com" in next(r for r in rules if r["name"] == "aks-required-fqdns")["targetFqdns"]


def test_the_broad_azure_ips_rule_is_absent_unless_asked_for():
    names = lambda p: [r["name"] for c in egress_rules(p)[0].body["properties"]["ruleCollections"] for r in c["rules"]]
    assert "allow-azure-ips" not in names(params_with())
    assert "allow-azure-ips" in names(params_with(hub__firewall__allow_azure_ips=True))


def test_spokes_using_the_dns_proxy_point_their_vnet_dns_at_the_firewall():
    vnets = _by_type(egress_rules(params_with(spokes__spoke2__dns="firewall", spokes__spoke2__cluster=None)), "Microsoft.Network/virtualNetworks")
    assert [v.body["properties"]["dhcpOptions"]["dnsServers"] for v in vnets] == [["10.0.1.4"]]


def test_cluster_is_private_with_udr_egress_and_no_docker_bridge():
    body = clusters(params_with())[0].body
    assert body["properties"]["networkProfile"]["outboundType"] == "userDefinedRouting"
    assert body["properties"]["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert body["identity"] == {"type": "SystemAssigned"}
    assert "dockerBridgeCidr" not in str(body)


def test_role_assignment_ids_are_stable_and_scoped_to_subnet_and_route_table():
    first, second = network_roles(params_with(), FakeFacts()), network_roles(params_with(), FakeFacts())
    assert [d.id for d in first] == [d.id for d in second]
    scopes = {d.id.split("/providers/Microsoft.Authorization/")[0].rsplit("/", 2)[-2] for d in first}
    assert scopes == {"subnets", "routeTables"}


def test_zone_is_linked_to_the_source_spoke_and_to_the_hub_for_an_application_rule():
    assert [k for k, _ in zone_link_vnets(params_with(), "spoke2")] == ["spoke2", "hub"]


def test_zone_is_linked_only_to_the_hub_for_a_proxy_dns_spoke_with_a_network_rule():
    params = params_with(spokes__spoke2__dns="firewall", spokes__spoke2__cluster=None, api_access_rule="network_snat")
    assert [k for k, _ in zone_link_vnets(params, "spoke2")] == ["hub"]


def test_zone_is_linked_only_to_the_source_spoke_in_the_articles_network_rule_mode():
    links = zone_links(params_with(api_access_rule="network"), FakeFacts())
    assert [d.body["properties"]["virtualNetwork"]["id"].rsplit("/", 1)[1] for d in links] == ["vnet-spoke2"]


def test_application_mode_allows_the_private_fqdn_and_network_mode_the_api_ip():
    params = params_with()
    rule = params.access[0]
    assert access_rule(params, FakeFacts(), rule)["targetFqdns"] == ["c-spoke1-abcd1234.guid.privatelink.eastus2.azmk8s.io"]
    net = access_rule(params_with(api_access_rule="network"), FakeFacts(), rule)
    assert net["destinationAddresses"] == ["10.1.0.5/32"] and net["destinationPorts"] == ["443"]


def test_the_test_vms_get_the_ssh_key_kept_under_the_project_roots_outputs(project):
    vms = [d for d in cross_vnet_access(params_with(), FakeFacts()) if d.kind.arm_type == "Microsoft.Compute/virtualMachines"]
    kept = (project / "outputs" / "local" / "ssh" / "id_rsa.pub").read_text().strip()
    keys = {d.create_only["properties"]["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"] for d in vms}
    assert vms and keys == {kept}


def test_test_vms_delete_their_os_disk_and_nic_with_them():
    vm = next(d for d in desired_test_vms(params_with(), "ssh-ed25519 AAAA") if "/virtualMachines/" in d.id)
    props = vm.body["properties"]
    assert props["storageProfile"]["osDisk"]["deleteOption"] == "Delete"
    assert [n["properties"]["deleteOption"] for n in props["networkProfile"]["networkInterfaces"]] == ["Delete"]
