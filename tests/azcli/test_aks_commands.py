"""The article's `az aks create`, `show` and `get-credentials`, run as written against the emulated estate.

az checks nothing about the network itself: every refusal below comes from the emulator, as it would from Azure.
"""

from __future__ import annotations

import pytest
import yaml

from aksegress.desired.common import subnet_id, vnet_id

NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"


def article_create(az, spoke, name: str, subnet: str):
    """The article's step 5 command, flag for flag (`--yes` added so az never prompts)."""
    return az.run("aks", "create", "-g", spoke.resource_group, "-n", name, "-l", "eastus2", "--node-count", "1",
                  "--generate-ssh-keys", "--network-plugin", "Azure", "--outbound-type", "userDefinedRouting",
                  "--service-cidr", "10.41.0.0/16", "--dns-service-ip", "10.41.0.10",
                  "--docker-bridge-address", "172.17.0.1/16", "--vnet-subnet-id", subnet,
                  "--enable-private-cluster", "--enable-managed-identity", "--yes",
                  "--subscription", spoke.subscription_id)


@pytest.fixture(scope="module")
def spoke1(network_estate):
    return network_estate.spokes["spoke1"]


@pytest.fixture(scope="module")
def created(az, spoke1, egress_estate):
    """The result of creating the article's cluster in spoke1, whose subnet routes 0/0 to the firewall."""
    return article_create(az, spoke1, spoke1.cluster.name, subnet_id(spoke1, spoke1.cluster.subnet))


@pytest.fixture(scope="module")
def cluster(created):
    return created.json()


def test_aks_create_with_the_article_flags_builds_a_private_cluster_egressing_through_the_firewall(cluster):
    assert cluster["provisioningState"] == "Succeeded"
    assert cluster["networkProfile"]["outboundType"] == "userDefinedRouting"
    assert cluster["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert cluster["identity"]["type"] == "SystemAssigned"


def test_aks_create_warns_that_the_docker_bridge_option_is_deprecated_and_drops_it(created, cluster):
    assert "Option '--docker-bridge-address' has been deprecated" in created.stderr
    assert "dockerBridgeCidr" not in cluster["networkProfile"]


def test_aks_create_grants_the_cluster_identity_network_contributor_on_its_subnet(cluster, spoke1, clients_for):
    subnet = subnet_id(spoke1, spoke1.cluster.subnet)
    assignments = clients_for(spoke1.subscription_id).authorization.role_assignments.list_for_scope(subnet, filter="atScope()")
    grants = {(a.principal_id, a.role_definition_id.rsplit("/", 1)[-1]) for a in assignments}
    assert (cluster["identity"]["principalId"], NETWORK_CONTRIBUTOR) in grants


def test_aks_show_reports_the_private_api_server_name_and_the_cluster_identity(az, cluster, spoke1):
    shown = az.json("aks", "show", "-g", spoke1.resource_group, "-n", spoke1.cluster.name,
                    "--subscription", spoke1.subscription_id)
    assert shown["privateFqdn"].endswith(".privatelink.eastus2.azmk8s.io")
    assert shown["identity"]["principalId"] == cluster["identity"]["principalId"]


def test_aks_get_credentials_writes_a_kubeconfig_for_the_private_api_server(az, cluster, spoke1, tmp_path):
    kubeconfig = tmp_path / "kube" / "config"
    result = az.run("aks", "get-credentials", "--resource-group", spoke1.resource_group, "--name", spoke1.cluster.name,
                    "--file", str(kubeconfig), "--subscription", spoke1.subscription_id)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(kubeconfig.read_text())
    assert config["current-context"] == spoke1.cluster.name
    assert [c["cluster"]["server"] for c in config["clusters"]] == [f"https://{cluster['privateFqdn']}:443"]


def test_private_dns_link_vnet_list_shows_the_cluster_zone_linked_to_the_cluster_vnet(az, cluster, spoke1):
    zone = cluster["privateFqdn"].split(".", 1)[1]
    links = az.json("network", "private-dns", "link", "vnet", "list", "-g", cluster["nodeResourceGroup"], "-z", zone,
                    "--subscription", spoke1.subscription_id)
    assert [link["virtualNetwork"]["id"].lower() for link in links] == [vnet_id(spoke1).lower()]


def bare_subnet(clients, spoke, vnet: str, prefix: str, route_table_id: str | None = None) -> str:
    """A VNet of its own in the spoke's group, with one subnet `aks` (routed by `route_table_id` if given)."""
    subnet = {"addressPrefix": prefix, **({"routeTable": {"id": route_table_id}} if route_table_id else {})}
    created = clients.network.virtual_networks.begin_create_or_update(spoke.resource_group, vnet, {
        "location": "eastus2", "properties": {"addressSpace": {"addressPrefixes": [prefix]},
                                              "subnets": [{"name": "aks", "properties": subnet}]}}).result()
    return f"{created.id}/subnets/aks"


def test_aks_create_on_a_subnet_without_a_route_table_fails_with_azures_error(az, spoke1, clients_for):
    subnet = bare_subnet(clients_for(spoke1.subscription_id), spoke1, "vnet-no-routes", "10.9.0.0/22")
    result = article_create(az, spoke1, "aks-no-routes", subnet)
    assert result.returncode == 1
    assert "ERROR: (ExistingRouteTableNotAssociatedWithSubnet) An existing route table has not been associated" in result.stderr


def test_aks_create_fails_at_node_bootstrap_when_the_default_route_leads_to_no_firewall(az, spoke1, clients_for):
    clients = clients_for(spoke1.subscription_id)
    nowhere = clients.network.route_tables.begin_create_or_update(spoke1.resource_group, "rt-to-nowhere", {
        "location": "eastus2", "properties": {"routes": [{"name": "default", "properties": {
            "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.8.0.4"}}]}}).result()
    subnet = bare_subnet(clients, spoke1, "vnet-to-nowhere", "10.8.0.0/22", nowhere.id)
    result = article_create(az, spoke1, "aks-to-nowhere", subnet)
    assert result.returncode == 1
    assert "ERROR: (VMExtensionProvisioningError) Unable to establish outbound connection from agents" in result.stderr
