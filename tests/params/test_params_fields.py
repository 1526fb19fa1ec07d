"""Each value on its own: formats, allowed values, unknown and missing keys. Each message names the field."""

from pathlib import Path

import pytest

from aksegress.params import load_params


def test_malformed_tenant_guid(data, problems):
    data["tenant_id"] = "1234"
    assert "not a GUID" in problems(data)["tenant_id"]


def test_malformed_subscription_guid(data, problems):
    data["spokes"]["spoke2"]["subscription_id"] = "00000000-0000-0000-0000-00000000000z"
    assert "8-4-4-4-12" in problems(data)["spokes.spoke2.subscription_id"]


def test_unknown_key_lists_the_valid_ones(data, problems):
    data["hub"]["firewall"]["sku"] = "Standard"
    message = problems(data)["hub.firewall.sku"]
    assert "unknown key 'sku'" in message and "tier" in message and "dns_proxy" in message


def test_credential_key_says_credentials_come_from_the_environment(data, problems):
    data["client_secret"] = "hunter2"
    message = problems(data)["client_secret"]
    assert "credentials are never parameters" in message and "azure-identity" in message


def test_nested_password_key_is_refused_as_a_credential(data, problems):
    data["spokes"]["spoke1"]["test_vm"]["admin_password"] = "x"
    assert "credentials" in problems(data)["spokes.spoke1.test_vm.admin_password"]


def test_missing_required_key(data, problems):
    del data["hub"]["resource_group"]
    assert problems(data)["hub.resource_group"] == "required key is missing"


@pytest.mark.parametrize("name", ["Local", "my env", "-dev", "a" * 25, "dev_1"])
def test_environment_must_be_a_short_lowercase_name(data, problems, name):
    data["environment"] = name
    assert "lowercase" in problems(data)["environment"]


def test_target_outside_emulator_and_azure(data, problems):
    data["target"] = "aws"
    assert "'emulator' or 'azure'" in problems(data)["target"]


def test_location_display_name_suggests_the_arm_name(data, problems):
    data["location"] = "East US 2"
    assert "'eastus2'" in problems(data)["location"]


def test_unknown_location_suggests_close_regions(data, problems):
    data["location"] = "eastus3"
    assert "did you mean" in problems(data)["location"]


def test_cidr_with_host_bits_names_the_network_it_probably_meant(data, problems):
    data["spokes"]["spoke1"]["vnet"]["address_space"] = ["10.1.0.1/16"]
    assert "did you mean 10.1.0.0/16" in problems(data)["spokes.spoke1.vnet.address_space[0]"]


def test_cidr_without_prefix_length(data, problems):
    data["hub"]["subnets"]["GatewaySubnet"] = "10.0.2.0"
    assert "a.b.c.d/n" in problems(data)["hub.subnets.GatewaySubnet"]


def test_subnet_smaller_than_azure_allows(data, problems):
    data["spokes"]["spoke1"]["subnets"]["vm"] = "10.1.4.0/30"
    assert "/29" in problems(data)["spokes.spoke1.subnets.vm"]


def test_resource_group_ending_with_period(data, problems):
    data["hub"]["resource_group"] = "rg-hub."
    assert "not end with '.'" in problems(data)["hub.resource_group"]


def test_vnet_name_too_short(data, problems):
    data["hub"]["vnet"]["name"] = "v"
    assert "2-64 characters" in problems(data)["hub.vnet.name"]


def test_vnet_name_ending_with_hyphen(data, problems):
    data["spokes"]["spoke3"]["vnet"]["name"] = "vnet-spoke3-"
    assert "end with a letter, digit or '_'" in problems(data)["spokes.spoke3.vnet.name"]


def test_subnet_name_with_a_space(data, problems):
    data["spokes"]["spoke1"]["subnets"]["my subnet"] = "10.1.5.0/24"
    assert "may contain only" in problems(data)["spokes.spoke1.subnets.my subnet"]


def test_firewall_name_too_long(data, problems):
    data["hub"]["firewall"]["name"] = "f" * 81
    assert "1-80 characters" in problems(data)["hub.firewall.name"]


def test_firewall_policy_name_with_slash(data, problems):
    data["hub"]["firewall"]["policy"] = "pol/hub"
    assert "'/'" in problems(data)["hub.firewall.policy"]


def test_vpn_gateway_name_starting_with_underscore(data, problems):
    data["hub"]["vpn_gateway"]["name"] = "_vgw"
    assert "start with a letter or digit" in problems(data)["hub.vpn_gateway.name"]


def test_aks_cluster_name_with_period(data, problems):
    data["spokes"]["spoke1"]["cluster"]["name"] = "aks.spoke1"
    assert "'.'" in problems(data)["spokes.spoke1.cluster.name"]


def test_aks_cluster_name_longer_than_63(data, problems):
    data["spokes"]["spoke1"]["cluster"]["name"] = "a" * 64
    assert "1-63" in problems(data)["spokes.spoke1.cluster.name"]


def test_linux_vm_name_with_underscore(data, problems):
    data["spokes"]["spoke2"]["test_vm"]["name"] = "vm_spoke2"
    assert "'_'" in problems(data)["spokes.spoke2.test_vm.name"]


def test_linux_vm_name_all_digits(data, problems):
    data["spokes"]["spoke2"]["test_vm"]["name"] = "12345"
    assert "all digits" in problems(data)["spokes.spoke2.test_vm.name"]


def test_vm_size_must_look_like_standard_star(data, problems):
    data["spokes"]["spoke1"]["test_vm"]["size"] = "B2s"
    assert "Standard_" in problems(data)["spokes.spoke1.test_vm.size"]


def test_node_vm_size_must_look_like_standard_star(data, problems):
    data["spokes"]["spoke1"]["cluster"]["vm_size"] = "d2sv5"
    assert "Standard_" in problems(data)["spokes.spoke1.cluster.vm_size"]


@pytest.mark.parametrize("count", [0, 1001])
def test_node_count_between_1_and_1000(data, problems, count):
    data["spokes"]["spoke1"]["cluster"]["node_count"] = count
    assert f"got {count}" in problems(data)["spokes.spoke1.cluster.node_count"]


def test_kubenet_is_refused_with_the_reason(data, problems):
    data["spokes"]["spoke1"]["cluster"]["network_plugin"] = "kubenet"
    assert "userDefinedRouting" in problems(data)["spokes.spoke1.cluster.network_plugin"]


def test_basic_firewall_tier_is_refused_with_the_reason(data, problems):
    data["hub"]["firewall"]["tier"] = "Basic"
    assert "AzureFirewallManagementSubnet" in problems(data)["hub.firewall.tier"]


def test_vpn_gateway_sku_outside_vpngw_family(data, problems):
    data["hub"]["vpn_gateway"]["sku"] = "Basic"
    assert "VpnGw1AZ" in problems(data)["hub.vpn_gateway.sku"]


def test_a_non_zone_redundant_vpn_gateway_sku_is_refused_with_the_az_one_to_use(data, problems):
    data["hub"]["vpn_gateway"]["sku"] = "VpnGw2"
    message = problems(data)["hub.vpn_gateway.sku"]
    assert "no longer creates" in message and "use VpnGw2AZ" in message


def test_threat_intel_off_written_bare_in_yaml_is_accepted(tmp_path):
    local = Path(__file__).resolve().parents[2] / "params" / "local.yaml"
    path = tmp_path / "p.yaml"
    path.write_text(local.read_text().replace("threat_intel: Alert", "threat_intel: Off"))
    assert load_params(path).hub.firewall.threat_intel == "Off"


def test_threat_intel_outside_off_alert_deny(data, problems):
    data["hub"]["firewall"]["threat_intel"] = "Block"
    assert "'Deny'" in problems(data)["hub.firewall.threat_intel"]


def test_kubernetes_version_format(data, problems):
    data["spokes"]["spoke1"]["cluster"]["kubernetes_version"] = "v1.30"
    assert "major.minor" in problems(data)["spokes.spoke1.cluster.kubernetes_version"]


def test_spoke_key_hub_is_reserved(data, problems):
    data["spokes"]["hub"] = data["spokes"].pop("spoke3")
    assert "reserved" in problems(data)["spokes.hub"]


def test_subnet_nsg_must_be_true_or_false(data, problems):
    data["spokes"]["spoke1"]["subnet_nsg"] = "yes"
    assert "spokes.spoke1.subnet_nsg" in problems(data)
