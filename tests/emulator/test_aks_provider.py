"""AKS managed clusters as the RP builds them, driven through azure-mgmt-containerservice (and the raw wire where az needs it)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from azure.core.exceptions import HttpResponseError

from aksegress.connect import to_arm
from aksegress.netmodel import Snapshot, resolve
from aksegress.vm_probes import probe
from tests.emulator.conftest import SUB
from tests.emulator.topology import AKS_EGRESS_FQDNS, LOCATION, add_firewall, allow, build_estate, create_vm, https_rule, route_table, run_shell

API = "api-version=2026-06-01"


def cluster_body(subnet_id: str, *, private: bool = True, count: int = 2, plugin: str = "azure",
                 service_cidr: str = "10.41.0.0/16", dns_ip: str = "10.41.0.10", outbound: str = "userDefinedRouting") -> dict:
    """What `az aks create` sends for the article's cluster."""
    return {"location": LOCATION, "identity": {"type": "SystemAssigned"}, "sku": {"name": "Base", "tier": "Free"},
            "properties": {"kubernetesVersion": "", "dnsPrefix": "aks1-rg-net-5b1d2c", "enableRBAC": True,
                           "agentPoolProfiles": [{"name": "nodepool1", "count": count, "vmSize": "", "orchestratorVersion": "",
                                                  "osType": "Linux", "mode": "System", "type": "VirtualMachineScaleSets",
                                                  "vnetSubnetID": subnet_id, "enableNodePublicIP": False}],
                           "networkProfile": {"networkPlugin": plugin, "serviceCidr": service_cidr, "dnsServiceIP": dns_ip,
                                              "dockerBridgeCidr": "172.17.0.1/16", "loadBalancerSku": "standard",
                                              "outboundType": outbound},
                           "apiServerAccessProfile": {"enablePrivateCluster": private, "authorizedIPRanges": []}}}


def refusal(clients, rg: str, body: dict) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        clients.containerservice.managed_clusters.begin_create_or_update(rg, "aks1", body).result()
    assert caught.value.status_code == 400
    return caught.value


@pytest.fixture
def aks(clients):
    return clients.containerservice.managed_clusters


@pytest.fixture
def direct_estate(clients):
    """Node subnet with a route table that has no default route: AKS accepts it and nodes egress directly."""
    clients.resource.resource_groups.create_or_update("rg-net", {"location": LOCATION})
    table = clients.network.route_tables.begin_create_or_update("rg-net", "rt-no-default", {"location": LOCATION,
                                                                                              "properties": {"routes": []}}).result()
    return build_estate(clients, aks_route_table=table.id)


@pytest.fixture
def cluster(aks, direct_estate):
    return aks.begin_create_or_update(direct_estate.rg, "aks1", cluster_body(direct_estate.aks_subnet_id)).result()


# -- the RP's up-front checks ------------------------------------------------------------------------------------------

def test_udr_without_a_route_table_on_the_node_subnet_is_refused(clients):
    estate = build_estate(clients, routes=False)
    error = refusal(clients, estate.rg, cluster_body(estate.aks_subnet_id))
    assert error.error.code == "ExistingRouteTableNotAssociatedWithSubnet"
    assert estate.aks_subnet_id in error.error.message


def test_udr_with_a_default_route_to_the_internet_is_refused(clients):
    clients.resource.resource_groups.create_or_update("rg-net", {"location": LOCATION})
    internet = route_table(clients, "rg-net", "rt-internet", next_hop_type="Internet")
    estate = build_estate(clients, aks_route_table=internet)
    error = refusal(clients, estate.rg, cluster_body(estate.aks_subnet_id))
    assert error.error.code == "RouteTableInvalidNextHop"
    assert "0.0.0.0/0 has next hop of Internet" in error.error.message


def test_a_service_cidr_overlapping_a_subnet_of_the_node_vnet_is_refused(clients, direct_estate):
    error = refusal(clients, direct_estate.rg, cluster_body(direct_estate.aks_subnet_id, service_cidr="10.1.0.0/16",
                                                            dns_ip="10.1.0.10"))
    assert error.error.code == "ServiceCidrOverlapExistingSubnetsCidr"


def test_a_dns_service_ip_outside_the_service_cidr_is_refused(clients, direct_estate):
    error = refusal(clients, direct_estate.rg, cluster_body(direct_estate.aks_subnet_id, dns_ip="10.42.0.10"))
    assert error.error.code == "DnsServiceIpOutOfServiceCidr"


def test_kubenet_with_a_system_assigned_identity_cannot_bring_a_route_table(clients, direct_estate):
    error = refusal(clients, direct_estate.rg, cluster_body(direct_estate.aks_subnet_id, plugin="kubenet"))
    assert error.error.code == "CustomRouteTableWithUnsupportedMSIType"


# -- what a create builds ---------------------------------------------------------------------------------------------

def test_the_cluster_is_readable_with_its_principal_as_soon_as_the_put_returns(aks, direct_estate):
    aks.begin_create_or_update(direct_estate.rg, "aks1", cluster_body(direct_estate.aks_subnet_id), polling=False)
    seen = aks.get(direct_estate.rg, "aks1")
    assert seen.identity.type == "SystemAssigned"
    assert re.fullmatch(r"[0-9a-f-]{36}", seen.identity.principal_id)


def test_a_private_cluster_builds_its_node_group_zone_record_link_and_endpoint(clients, cluster):
    group = clients.resource.resource_groups.get(cluster.node_resource_group)
    assert (cluster.node_resource_group, group.managed_by) == ("MC_rg-net_aks1_eastus2", cluster.id)
    record_name, zone_name = cluster.private_fqdn.split(".", 1)
    assert re.fullmatch(r"aks1-rg-net-5b1d2c-[0-9a-f]{8}", record_name)
    assert re.fullmatch(r"[0-9a-f-]{36}\.privatelink\.eastus2\.azmk8s\.io", zone_name)
    links = list(clients.privatedns.virtual_network_links.list(group.name, zone_name))
    cluster_vnet = cluster.agent_pool_profiles[0].vnet_subnet_id.rsplit("/subnets/", 1)[0]
    assert [(link.virtual_network.id, link.virtual_network_link_state) for link in links] == [(cluster_vnet, "Completed")]
    endpoint = clients.network.private_endpoints.get(group.name, "kube-apiserver")
    address = clients.network.network_interfaces.get(group.name, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1]).ip_configurations[0].private_ip_address
    record = clients.privatedns.record_sets.get(group.name, zone_name, "A", record_name)
    assert [a.ipv4_address for a in record.a_records] == [address] == ["10.1.0.4"]


def test_the_private_fqdn_resolves_to_the_endpoint_from_the_cluster_vnet_only(clients, cluster):
    group, zone_name = cluster.node_resource_group, cluster.private_fqdn.split(".", 1)[1]
    dns = clients.privatedns
    snap = Snapshot.from_resources([to_arm(r) for r in (
        *(clients.network.virtual_networks.get("rg-net", name) for name in ("hub", "spoke1", "spoke2")),
        dns.private_zones.get(group, zone_name), *dns.record_sets.list_by_type(group, zone_name, "A"),
        *dns.virtual_network_links.list(group, zone_name))])
    assert resolve(snap, cluster.private_fqdn, vnet="spoke1").addresses == ["10.1.0.4"]
    assert resolve(snap, cluster.private_fqdn, vnet="spoke2").failure == "DNS_NXDOMAIN"


def test_the_cluster_shows_what_az_aks_show_reads(cluster):
    assert (cluster.provisioning_state, cluster.power_state.code, cluster.kubernetes_version) == ("Succeeded", "Running", "1.33.5")
    assert cluster.network_profile.outbound_type == "userDefinedRouting"
    assert cluster.api_server_access_profile.private_dns_zone == "system"
    assert cluster.api_server_access_profile.enable_private_cluster_public_fqdn is True
    assert cluster.fqdn.endswith(".hcp.eastus2.azmk8s.io")
    pool = cluster.agent_pool_profiles[0]
    assert (pool.max_pods, pool.provisioning_state, pool.orchestrator_version) == (30, "Succeeded", "1.33.5")
    assert cluster.identity_profile["kubeletidentity"].client_id


def test_nodes_that_cannot_reach_the_internet_fail_the_create_with_exit_status_50(aks, clients):
    estate = build_estate(clients)  # 0/0 -> 10.0.1.4, where no appliance answers
    with pytest.raises(HttpResponseError) as caught:
        aks.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result()
    assert caught.value.error.code == "VMExtensionProvisioningError"
    assert "vmssCSE exit status=50" in caught.value.error.message
    assert "mcr.microsoft.com:443" in caught.value.error.message
    assert aks.get(estate.rg, "aks1").provisioning_state == "Failed"


def test_a_failed_cluster_is_retried_by_putting_it_again(aks, clients):
    estate = build_estate(clients)
    with pytest.raises(HttpResponseError):
        aks.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result()
    clients.network.routes.begin_delete(estate.rg, "rt-spoke1", "default").result()
    assert aks.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result().provisioning_state == "Succeeded"


def test_deleting_the_cluster_removes_its_node_group_and_frees_the_subnet(clients, aks, cluster):
    aks.begin_delete("rg-net", "aks1").result()
    assert not clients.resource.resource_groups.check_existence(cluster.node_resource_group)
    assert clients.network.subnets.get("rg-net", "spoke1", "aks").ip_configurations is None


# -- credentials and command invoke -------------------------------------------------------------------------------------

def test_the_user_kubeconfig_is_identical_on_every_call_and_points_at_the_private_fqdn(aks, cluster):
    first = aks.list_cluster_user_credentials("rg-net", "aks1").kubeconfigs[0]
    second = aks.list_cluster_user_credentials("rg-net", "aks1").kubeconfigs[0]
    assert first.name == "clusterUser" and first.value == second.value
    text = first.value.decode()
    assert f"    server: https://{cluster.private_fqdn}:443\n" in text
    assert "- name: clusterUser_rg-net_aks1\n  user:\n    token: " in text


def test_command_invoke_lists_one_ready_node_per_agent_pool_count(aks, cluster):
    result = aks.begin_run_command("rg-net", "aks1", {"command": "kubectl get nodes", "context": ""}).result()
    lines = result.logs.splitlines()
    assert (result.provisioning_state, result.exit_code) == ("Succeeded", 0)
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[1:3] + line.split()[4:] for line in lines[1:]] == [["Ready", "<none>", "v1.33.5"]] * 2
    assert all(re.fullmatch(r"aks-nodepool1-\d{8}-vmss00000[01]", line.split()[0]) for line in lines[1:])


def test_command_invoke_lists_the_kube_system_pods_aks_runs(aks, cluster):
    logs = aks.begin_run_command("rg-net", "aks1", {"command": "kubectl get pods -n kube-system"}).result().logs
    names = [line.split()[0] for line in logs.splitlines()[1:]]
    assert sum(n.startswith("coredns-") and not n.startswith("coredns-autoscaler") for n in names) == 2
    assert sum(n.startswith("kube-proxy-") for n in names) == 2


def test_a_failing_kubectl_is_a_succeeded_run_with_a_non_zero_exit_code(aks, cluster):
    result = aks.begin_run_command("rg-net", "aks1", {"command": "kubectl get widgets"}).result()
    assert (result.provisioning_state, result.exit_code) == ("Succeeded", 1)
    assert result.logs == 'error: the server doesn\'t have a resource type "widgets"\n'


def test_run_command_answers_as_az_aks_command_invoke_needs_on_the_wire(raw, cluster):
    path = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.ContainerService/managedClusters/aks1"
    started = raw("POST", f"{path}/runCommand?{API}", body={"command": "kubectl get namespaces", "context": ""})
    assert (started.status, started.body) == (202, None)
    run_id = re.search(r"commandResults/(\w*)\?", started.headers["location"]).group(1)
    location = urlsplit(started.headers["location"])
    polled = raw("GET", f"{location.path}?{location.query}")
    assert polled.status == 200 and polled.body["id"] == run_id
    assert polled.body["properties"]["logs"].splitlines()[1].split()[:2] == ["default", "Active"]


def test_the_credential_token_is_derived_not_random_and_differs_per_cluster(aks, direct_estate, cluster):
    aks.begin_create_or_update(direct_estate.rg, "aks2", cluster_body(direct_estate.aks_subnet_id, service_cidr="10.42.0.0/16",
                                                                     dns_ip="10.42.0.10")).result()
    tokens = [aks.list_cluster_user_credentials("rg-net", n).kubeconfigs[0].value.decode().rsplit("token: ", 1)[1]
              for n in ("aks1", "aks2")]
    assert tokens[0] != tokens[1] and all(re.fullmatch(r"[0-9a-f]{64}\n", t) for t in tokens)


# -- with the hub firewall (needs the firewall provider) -------------------------------------------------------------------

def _has_firewall_provider() -> bool:
    from aksegress.emulator.providers import load_handlers

    return "microsoft.network/azurefirewalls" in load_handlers()


needs_firewall = pytest.mark.skipif(not _has_firewall_provider(), reason="the firewall provider has not landed yet")
AKS_RULE = https_rule("aks-egress", ["10.1.0.0/16"], AKS_EGRESS_FQDNS)


@needs_firewall
def test_a_firewall_that_allows_nothing_fails_the_create_with_exit_status_50(aks, clients):
    estate = build_estate(clients)
    add_firewall(clients, estate)
    with pytest.raises(HttpResponseError) as caught:
        aks.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result()
    assert caught.value.error.code == "VMExtensionProvisioningError"
    assert "vmssCSE exit status=50" in caught.value.error.message
    assert "mcr.microsoft.com:443 blocked: DENIED_BY_FIREWALL" in caught.value.error.message


@needs_firewall
def test_with_the_aks_egress_rules_in_place_the_create_succeeds(aks, clients):
    estate = build_estate(clients)
    add_firewall(clients, estate, application_rules=[AKS_RULE])
    assert aks.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result().provisioning_state == "Succeeded"


@pytest.fixture
def behind_firewall(aks, clients):
    """The article's estate: private cluster in spoke1 behind the hub firewall, a jump VM in spoke2."""
    estate = build_estate(clients)
    add_firewall(clients, estate, application_rules=[AKS_RULE])
    cluster = aks.begin_create_or_update(estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result()
    create_vm(clients, estate.rg, "jump", estate.vm_subnet_id)
    return estate, cluster


def _link_zone(clients, cluster, vnet_id: str, name: str) -> None:
    zone = cluster.private_fqdn.split(".", 1)[1]
    clients.privatedns.virtual_network_links.begin_create_or_update(
        cluster.node_resource_group, zone, name,
        {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}).result()


@needs_firewall
def test_from_another_spoke_the_private_fqdn_is_nxdomain_before_a_zone_link(clients, behind_firewall):
    estate, cluster = behind_firewall
    message = run_shell(clients, estate.rg, "jump", f"nslookup {cluster.private_fqdn}")
    assert f"** server can't find {cluster.private_fqdn}: NXDOMAIN\n" in message


@needs_firewall
def test_after_the_link_the_firewall_answers_the_tcp_handshake_itself_but_resets_the_tls_session(clients, behind_firewall):
    estate, cluster = behind_firewall
    _link_zone(clients, cluster, estate.spoke2_id, "spoke2")
    message = run_shell(clients, estate.rg, "jump", f"nslookup {cluster.private_fqdn}",
                        f"nc -vz -w 5 {cluster.private_fqdn} 443", f"curl -sSk --max-time 5 https://{cluster.private_fqdn}/version")
    assert f"Name:\t{cluster.private_fqdn}\nAddress: 10.1.0.4\n" in message
    assert f"Connection to {cluster.private_fqdn} (10.1.0.4) 443 port [tcp/https] succeeded!\n" in message
    assert f"curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to {cluster.private_fqdn}:443" in message


@needs_firewall
def test_plain_http_the_firewall_denies_is_answered_with_its_470_page(clients, behind_firewall):
    estate, _ = behind_firewall
    message = run_shell(clients, estate.rg, "jump", "curl -s -w ' %{http_code}' http://10.1.0.4/")
    assert "Action: Deny. Reason: No rule matched. Proceeding with default action. 470" in message


@needs_firewall
def test_the_vm_probes_find_no_https_answer_where_the_firewall_only_completed_the_handshake(clients, behind_firewall):
    estate, cluster = behind_firewall
    _link_zone(clients, cluster, estate.spoke2_id, "spoke2")
    results = {r.probe: r.ok for r in probe(clients, estate.rg, "jump", cluster.private_fqdn, "10.1.0.4")}
    assert results == {"name resolves": True, "HTTPS answers on 443": False, "API server responds": False}


def _grant_jump(clients, estate, cluster) -> None:
    """The zone linked to the jump VM's spoke and the hub, and an application rule for the API server's FQDN."""
    _link_zone(clients, cluster, estate.spoke2_id, "spoke2")
    _link_zone(clients, cluster, estate.hub_id, "hub")
    allow(clients, estate.rg, [AKS_RULE, https_rule("jump-to-api", ["10.2.0.0/16"], [cluster.private_fqdn])])


@needs_firewall
def test_the_vm_probes_pass_once_an_application_rule_lets_the_vm_reach_the_api_server(clients, behind_firewall):
    estate, cluster = behind_firewall
    _grant_jump(clients, estate, cluster)
    assert all(r.ok for r in probe(clients, estate.rg, "jump", cluster.private_fqdn, "10.1.0.4"))


@needs_firewall
def test_with_an_application_rule_for_the_private_fqdn_the_api_server_answers(clients, behind_firewall):
    estate, cluster = behind_firewall
    _grant_jump(clients, estate, cluster)
    message = run_shell(clients, estate.rg, "jump", f"curl -sk --max-time 5 https://{cluster.private_fqdn}/version",
                        f"curl -sk https://{cluster.private_fqdn}/api/v1/nodes")
    assert '"gitVersion": "v1.33.5"' in message
    assert '"reason": "Unauthorized"' in message
