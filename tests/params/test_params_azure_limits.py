"""Params Azure would refuse at create time are refused by validate, naming the field and the fix."""

import pytest

from aksegress.desired.common import tags_for
from aksegress.params import validate_params


def test_aks_subnet_too_small_for_azure_cni_names_the_subnet_and_the_count(data, problems):
    data["spokes"]["spoke1"]["subnets"]["aks"] = "10.1.0.0/26"
    message = problems(data)["spokes.spoke1.subnets.aks"]
    assert "59 usable addresses" in message and "needs 63" in message and "use a /25 or larger" in message


def test_max_pods_raises_the_addresses_a_cluster_needs(data, problems):
    data["spokes"]["spoke1"]["cluster"]["max_pods"] = 250
    data["spokes"]["spoke1"]["cluster"]["node_count"] = 4
    assert "needs 1256" in problems(data)["spokes.spoke1.subnets.aks"]


def test_max_pods_is_sent_to_aks_when_given(data):
    from aksegress.desired.private_aks import cluster_body

    data["spokes"]["spoke1"]["cluster"]["max_pods"] = 50
    params = validate_params(data)
    assert cluster_body(params, params.spokes["spoke1"])["properties"]["agentPoolProfiles"][0]["maxPods"] == 50


def test_system_pool_with_fewer_than_30_pods_is_refused(data, problems):
    data["spokes"]["spoke1"]["cluster"]["max_pods"] = 20
    assert "below the 30 pods AKS requires" in problems(data)["spokes.spoke1.cluster.max_pods"]


def test_peering_name_over_80_characters_names_the_vnet(data, problems):
    data["hub"]["vnet"]["name"] = "vnet-hub-connectivity"
    data["spokes"]["spoke1"]["vnet"]["name"] = "v" * 64
    message = problems(data)["spokes.spoke1.vnet.name"]
    assert "the peering 'vnet-hub-connectivity-to-vvv" in message and "must be 1-80 characters long" in message


def test_firewall_name_whose_public_ip_name_is_too_long(data, problems):
    data["hub"]["firewall"]["name"] = "f" * 80
    assert "its public IP would be named 'pip-fff" in problems(data)["hub.firewall.name"]


def test_cluster_name_over_54_characters_breaks_the_dns_prefix(data, problems):
    data["spokes"]["spoke1"]["cluster"]["name"] = "c" * 60
    assert "dnsPrefix" in problems(data)["spokes.spoke1.cluster.name"]


def test_cluster_name_with_underscore_breaks_the_dns_prefix(data, problems):
    data["spokes"]["spoke1"]["cluster"]["name"] = "private_aks"
    message = problems(data)["spokes.spoke1.cluster.name"]
    assert "dnsPrefix" in message and "'private-aks'" in message


@pytest.mark.parametrize("space", ["224.0.0.0/4", "255.255.255.248/29", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.0/24"])
def test_vnet_address_space_in_a_range_azure_refuses(data, problems, space):
    data["hub"]["vnet"]["address_space"] = ["10.0.0.0/16", space]
    assert "which Azure reserves and refuses in any VNet" in problems(data)["hub.vnet.address_space"]


def test_kubernetes_version_aks_does_not_offer(data, problems):
    data["spokes"]["spoke1"]["cluster"]["kubernetes_version"] = "1.99"
    assert "Kubernetes 1.99 is not offered" in problems(data)["spokes.spoke1.cluster.kubernetes_version"]


def test_retired_kubernetes_version_is_refused_on_azure_too(data, problems):
    data["target"] = "azure"
    data["spokes"]["spoke1"]["cluster"]["kubernetes_version"] = "1.20.7"
    assert "out of standard support" in problems(data)["spokes.spoke1.cluster.kubernetes_version"]


def test_newer_kubernetes_version_is_left_to_the_live_list_on_azure(data):
    data["target"] = "azure"
    data["spokes"]["spoke1"]["cluster"]["kubernetes_version"] = "1.99"
    assert validate_params(data).spokes["spoke1"].cluster.kubernetes_version == "1.99"


def test_vm_size_that_does_not_exist(data, problems):
    data["spokes"]["spoke1"]["cluster"]["vm_size"] = "Standard_D2s_v99"
    assert "is not a VM size in the list shipped with aksegress" in problems(data)["spokes.spoke1.cluster.vm_size"]


def test_test_vm_size_that_does_not_exist(data, problems):
    data["spokes"]["spoke1"]["test_vm"]["size"] = "Standard_Q1"
    assert "is not a VM size" in problems(data)["spokes.spoke1.test_vm.size"]


def test_vm_size_too_small_for_a_system_pool(data, problems):
    data["spokes"]["spoke1"]["cluster"]["vm_size"] = "Standard_B1ms"
    assert "system pool needs at least 2 vCPUs and 4 GB" in problems(data)["spokes.spoke1.cluster.vm_size"]


def test_more_tags_than_azure_allows_once_the_runbook_adds_its_own(data, problems):
    data["tags"] = {f"t{i}": "x" for i in range(49)}
    assert "keep at most 48" in problems(data)["tags"]


def test_the_runbook_adds_no_more_tags_than_it_reserves(data):
    from aksegress import naming

    data["tags"] = {f"t{i}": "x" for i in range(48)}
    tags = tags_for(validate_params(data))
    assert len(tags) <= naming.MAX_TAGS and all(k.startswith(naming.RUNBOOK_TAG_PREFIX) for k in tags if not k.startswith("t"))


def test_user_tag_overriding_the_runbooks_own(data, problems):
    data["tags"] = {"aksegress-env": "prod"}
    assert "are the runbook's own (aksegress-env)" in problems(data)["tags"]


def test_tags_differing_only_by_case(data, problems):
    data["tags"] = {"owner": "a", "Owner": "b"}
    assert "differ only by case" in problems(data)["tags"]


def test_firewall_and_vpn_gateway_with_the_same_name(data, problems):
    data["hub"]["vpn_gateway"]["name"] = "fw-hub"
    assert "is also the firewall's name" in problems(data)["hub.vpn_gateway.name"]


def test_subnet_names_differing_only_by_case(data, problems):
    data["spokes"]["spoke1"]["subnets"]["VM"] = "10.1.5.0/24"
    assert "differs from subnet 'vm' only by case" in problems(data)["spokes.spoke1.subnets.VM"]


@pytest.mark.parametrize("reserved", ["AzureFirewallSubnet", "GatewaySubnet"])
def test_cluster_in_a_subnet_azure_reserves(data, problems, reserved):
    data["spokes"]["spoke1"]["subnets"][reserved] = "10.1.8.0/22"
    data["spokes"]["spoke1"]["cluster"]["subnet"] = reserved
    assert f"{reserved} is reserved for Azure" in problems(data)["spokes.spoke1.cluster.subnet"]


def test_two_clusters_of_one_name_in_one_resource_group(data, problems):
    data["spokes"]["spoke3"]["resource_group"] = "rg-spoke1"
    data["spokes"]["spoke3"]["cluster"]["name"] = "privateaksspoke1"
    assert "already spoke1's cluster" in problems(data)["spokes.spoke3.cluster.name"]


def test_same_cluster_name_in_two_spokes_is_valid(data):
    data["spokes"]["spoke2"]["cluster"]["name"] = "privateaksspoke1"
    assert validate_params(data).spokes["spoke2"].cluster.name == "privateaksspoke1"


def test_same_vnet_name_in_hub_and_spoke_of_other_subscriptions_is_valid(data):
    data["spokes"]["spoke2"]["vnet"]["name"] = "vnet-hub"
    assert validate_params(data).spokes["spoke2"].vnet.name == "vnet-hub"


def test_node_count_yes_is_not_one(data, problems):
    data["spokes"]["spoke1"]["cluster"]["node_count"] = True
    assert "valid integer" in problems(data)["spokes.spoke1.cluster.node_count"]


def test_a_flag_given_as_a_number_is_not_a_bool(data, problems):
    data["hub"]["firewall"]["dns_proxy"] = 1
    assert "valid boolean" in problems(data)["hub.firewall.dns_proxy"]


def test_a_huge_value_is_not_echoed_whole(data, problems):
    data["spokes"]["spoke1"]["cluster"]["node_count"] = "9" * 100_000
    message = problems(data)["spokes.spoke1.cluster.node_count"]
    assert len(message) < 300 and "100,002 characters" in message


def _live(versions: list[str], skus: dict[str, tuple[int, int]]):
    from aksegress.live_catalog import catalog_from_arm

    arm_versions = {"values": [{"version": v, "patchVersions": {f"{v}.1": {}}} for v in versions]}
    arm_skus = [{"resourceType": "virtualMachines", "name": name, "capabilities": [{"name": "vCPUs", "value": str(cpu)},
                                                                                   {"name": "MemoryGB", "value": str(mem)}]}
                for name, (cpu, mem) in skus.items()]
    return catalog_from_arm(arm_versions, arm_skus, "eastus2")


def test_on_azure_a_version_the_location_does_not_offer_is_refused_from_the_live_list(data):
    from aksegress.params.azure_limits import catalog_problems

    data["target"] = "azure"
    data["spokes"]["spoke1"]["cluster"]["kubernetes_version"] = "1.99"
    spokes = validate_params(data).spokes
    found = dict(catalog_problems(spokes, _live(["1.32", "1.33"], {"Standard_D2s_v5": (2, 8), "Standard_B2s": (2, 4)}), complete=True))
    assert "is not offered by AKS per the live lists of the location" in found["spokes.spoke1.cluster.kubernetes_version"]


def test_on_azure_a_size_the_location_does_not_offer_is_refused_from_the_live_list(data):
    from aksegress.params.azure_limits import catalog_problems

    data["target"] = "azure"
    data["spokes"]["spoke1"]["cluster"]["vm_size"] = "Standard_D96s_v9"
    spokes = validate_params(data).spokes
    found = dict(catalog_problems(spokes, _live(["1.33"], {"Standard_D2s_v5": (2, 8), "Standard_B2s": (2, 4)}), complete=True))
    assert "'Standard_D96s_v9' is not a VM size in the live lists" in found["spokes.spoke1.cluster.vm_size"]
