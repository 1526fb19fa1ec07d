"""Values checked against each other: address plan, hub subnets, clusters, references, access."""


def test_subnet_outside_its_vnet(data, problems):
    data["spokes"]["spoke1"]["subnets"]["vm"] = "10.9.4.0/24"
    assert "outside spoke1's VNet address space" in problems(data)["spokes.spoke1.subnets.vm"]


def test_subnets_overlapping_each_other(data, problems):
    data["spokes"]["spoke1"]["subnets"]["vm"] = "10.1.2.0/24"
    assert "overlaps subnet aks (10.1.0.0/22)" in problems(data)["spokes.spoke1.subnets.vm"]


def test_address_spaces_overlapping_within_one_vnet(data, problems):
    data["hub"]["vnet"]["address_space"] = ["10.0.0.0/16", "10.0.128.0/17"]
    assert "overlaps 10.0.0.0/16" in problems(data)["hub.vnet.address_space"]


def test_spoke_vnet_overlapping_the_hub(data, problems):
    data["spokes"]["spoke3"]["vnet"]["address_space"] = ["10.0.0.0/8"]
    data["spokes"]["spoke3"]["subnets"] = {"aks": "10.30.0.0/22", "vm": "10.30.4.0/24"}
    assert "overlaps hub's address space 10.0.0.0/16" in problems(data)["spokes.spoke3.vnet.address_space"]


def test_two_spokes_with_the_same_address_space(data, problems):
    data["spokes"]["spoke3"]["vnet"]["address_space"] = ["10.2.0.0/16"]
    data["spokes"]["spoke3"]["subnets"] = {"aks": "10.2.0.0/22", "vm": "10.2.4.0/24"}
    assert "overlaps spoke2's address space" in problems(data)["spokes.spoke3.vnet.address_space"]


def test_firewall_subnet_missing(data, problems):
    del data["hub"]["subnets"]["AzureFirewallSubnet"]
    assert "named exactly AzureFirewallSubnet" in problems(data)["hub.subnets.AzureFirewallSubnet"]


def test_firewall_subnet_with_wrong_case_is_pointed_out(data, problems):
    data["hub"]["subnets"]["azurefirewallsubnet"] = data["hub"]["subnets"].pop("AzureFirewallSubnet")
    assert "case-sensitive" in problems(data)["hub.subnets.AzureFirewallSubnet"]


def test_firewall_subnet_smaller_than_26(data, problems):
    data["hub"]["subnets"]["AzureFirewallSubnet"] = "10.0.1.0/27"
    assert "/26 or larger" in problems(data)["hub.subnets.AzureFirewallSubnet"]


def test_gateway_subnet_missing_when_a_vpn_gateway_is_asked_for(data, problems):
    del data["hub"]["subnets"]["GatewaySubnet"]
    assert "GatewaySubnet" in problems(data)["hub.subnets.GatewaySubnet"]


def test_gateway_subnet_smaller_than_27(data, problems):
    data["hub"]["subnets"]["GatewaySubnet"] = "10.0.2.0/28"
    assert "/27 or larger" in problems(data)["hub.subnets.GatewaySubnet"]


def test_gateway_subnet_not_needed_without_a_vpn_gateway(data):
    from aksegress.params import validate_params

    del data["hub"]["subnets"]["GatewaySubnet"]
    del data["hub"]["vpn_gateway"]
    assert validate_params(data).hub.vpn_gateway is None


def test_service_cidr_overlapping_a_vnet(data, problems):
    data["spokes"]["spoke2"]["cluster"]["service_cidr"] = "10.1.0.0/16"
    data["spokes"]["spoke2"]["cluster"]["dns_service_ip"] = "10.1.0.10"
    assert "spoke1's address space 10.1.0.0/16" in problems(data)["spokes.spoke2.cluster.service_cidr"]


def test_service_cidr_overlapping_a_subnet_outside_any_vnet(data, problems):
    data["spokes"]["spoke1"]["subnets"]["vm"] = "10.41.200.0/24"
    found = problems(data)
    assert "spoke1's subnet vm" in found["spokes.spoke1.cluster.service_cidr"]


def test_service_cidr_in_a_range_aks_reserves(data, problems):
    data["spokes"]["spoke1"]["cluster"]["service_cidr"] = "172.30.0.0/16"
    data["spokes"]["spoke1"]["cluster"]["dns_service_ip"] = "172.30.0.10"
    assert "AKS reserves" in problems(data)["spokes.spoke1.cluster.service_cidr"]


def test_dns_service_ip_outside_the_service_cidr(data, problems):
    data["spokes"]["spoke1"]["cluster"]["dns_service_ip"] = "10.42.0.10"
    assert "outside service_cidr 10.41.0.0/16" in problems(data)["spokes.spoke1.cluster.dns_service_ip"]


def test_dns_service_ip_on_the_first_address(data, problems):
    data["spokes"]["spoke1"]["cluster"]["dns_service_ip"] = "10.41.0.1"
    assert "kubernetes API service" in problems(data)["spokes.spoke1.cluster.dns_service_ip"]


def test_dns_service_ip_on_the_network_address(data, problems):
    data["spokes"]["spoke1"]["cluster"]["dns_service_ip"] = "10.41.0.0"
    assert "network or broadcast" in problems(data)["spokes.spoke1.cluster.dns_service_ip"]


def test_cluster_subnet_that_is_not_a_subnet_of_its_spoke(data, problems):
    data["spokes"]["spoke1"]["cluster"]["subnet"] = "nodes"
    assert "use one of: aks, vm" in problems(data)["spokes.spoke1.cluster.subnet"]


def test_vm_subnet_that_is_not_a_subnet_of_its_spoke(data, problems):
    data["spokes"]["spoke3"]["test_vm"]["subnet"] = "AzureFirewallSubnet"
    assert "not a subnet of spoke3" in problems(data)["spokes.spoke3.test_vm.subnet"]


def test_cluster_and_vm_may_share_a_subnet(data):
    from aksegress.params import validate_params

    data["spokes"]["spoke1"]["test_vm"]["subnet"] = "aks"
    assert validate_params(data).spokes["spoke1"].test_vm.subnet == "aks"


def test_same_vnet_name_in_the_same_resource_group(data, problems):
    data["spokes"]["spoke3"]["resource_group"] = "rg-spoke1"
    data["spokes"]["spoke3"]["vnet"]["name"] = "VNET-spoke1"
    assert "already spoke1's VNet" in problems(data)["spokes.spoke3.vnet.name"]


def test_firewall_dns_needs_the_dns_proxy(data, problems):
    data["hub"]["firewall"]["dns_proxy"] = False
    data["spokes"]["spoke2"]["dns"] = "firewall"
    assert "dns_proxy: true" in problems(data)["spokes.spoke2.dns"]


def test_firewall_dns_on_a_spoke_with_a_cluster_is_refused_naming_the_bootstrap_failure(data, problems):
    data["spokes"]["spoke2"]["dns"] = "firewall"
    message = problems(data)["spokes.spoke2.dns"]
    assert "K8SAPIServerDNSLookupFailVMExtensionError" in message and "use dns: azure" in message


def test_firewall_dns_on_a_spoke_without_a_cluster_is_accepted(data):
    from aksegress.params import validate_params

    data["spokes"]["spoke2"]["dns"] = "firewall"
    data["spokes"]["spoke2"].pop("cluster")
    assert validate_params(data).spokes["spoke2"].dns == "firewall"


def test_access_from_an_unknown_spoke(data, problems):
    data["access"][0]["from"] = "spoke9"
    assert "known spokes: spoke1, spoke2, spoke3" in problems(data)["access[0].from"]


def test_access_to_an_unknown_spoke(data, problems):
    data["access"][0]["cluster"] = "spoke9"
    assert "not a spoke" in problems(data)["access[0].cluster"]


def test_access_to_a_spoke_without_a_cluster(data, problems):
    del data["spokes"]["spoke1"]["cluster"]
    assert "has no cluster" in problems(data)["access[0].cluster"]


def test_access_from_a_spoke_to_itself(data, problems):
    data["access"][0]["from"] = "spoke1"
    assert "different spokes" in problems(data)["access[0].from"]


def test_access_from_a_spoke_without_a_test_vm(data, problems):
    del data["spokes"]["spoke2"]["test_vm"]
    assert "add spokes.spoke2.test_vm" in problems(data)["access[0].from"]


def test_access_entry_given_twice(data, problems):
    data["access"].append(dict(data["access"][0]))
    assert problems(data)["access[1]"] == "repeats access[0]"


def test_access_check_survives_an_invalid_cluster_without_false_alarms(data, problems):
    data["spokes"]["spoke1"]["cluster"]["network_plugin"] = "kubenet"
    assert list(problems(data)) == ["spokes.spoke1.cluster.network_plugin"]


def test_confirm_teardown_must_equal_environment(data, problems):
    data["confirm_teardown"] = "prod"
    assert "'local'" in problems(data)["confirm_teardown"]


def test_subnet_nsg_on_a_hub_whose_subnets_take_none_is_refused_naming_the_field(data, problems):
    data["hub"]["subnet_nsg"] = True
    assert "Azure refuses one on AzureFirewallManagementSubnet, AzureFirewallSubnet, GatewaySubnet" in problems(data)["hub.subnet_nsg"]
