"""A landing zone's Deny-Subnet-Without-Nsg assignment in the emulator, and where Azure allows an NSG: through the SDK."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.conftest import SUB

VNET = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}


@pytest.fixture
def network(clients, rg):
    clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", VNET).result()
    return clients.network


@pytest.fixture
def nsg_id(network, rg):
    return network.network_security_groups.begin_create_or_update(rg, "nsg1", {"location": "eastus"}).result().id


def _subnet(network, rg, name, prefix, nsg=None):
    body = {"properties": {"addressPrefix": prefix, **({"networkSecurityGroup": {"id": nsg}} if nsg else {})}}
    return network.subnets.begin_create_or_update(rg, "vnet1", name, body).result()


def test_under_the_policy_a_subnet_without_nsg_is_refused_with_request_disallowed_by_policy(emulator, network, rg):
    emulator.assign_policy("Deny-Subnet-Without-Nsg", f"/subscriptions/{SUB}")
    with pytest.raises(HttpResponseError) as refused:
        _subnet(network, rg, "app", "10.0.1.0/24")
    error = refused.value
    assert (error.status_code, error.error.code, error.error.target) == (403, "RequestDisallowedByPolicy", "app")
    assert error.error.message.startswith("Resource 'app' was disallowed by policy. Policy identifiers: '[{\"policyAssignment\":")
    assert [i.type for i in error.error.additional_info] == ["PolicyViolation"]


def test_under_the_policy_a_subnet_with_an_nsg_and_the_gateway_subnet_without_one_are_accepted(emulator, network, rg, nsg_id):
    emulator.assign_policy("Deny-Subnet-Without-Nsg", f"/subscriptions/{SUB}")
    assert _subnet(network, rg, "app", "10.0.1.0/24", nsg_id).network_security_group.id.lower() == nsg_id.lower()
    assert _subnet(network, rg, "GatewaySubnet", "10.0.2.0/27").network_security_group is None


def test_a_vnet_put_carrying_a_subnet_without_nsg_is_refused_under_the_policy(emulator, clients, rg):
    emulator.assign_policy("Deny-Subnet-Without-Nsg", f"/subscriptions/{SUB}/resourceGroups/{rg}")
    body = {**VNET, "properties": {**VNET["properties"], "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}]}}
    with pytest.raises(HttpResponseError) as refused:
        clients.network.virtual_networks.begin_create_or_update(rg, "vnet2", body).result()
    assert refused.value.error.code == "RequestDisallowedByPolicy"


def test_azure_refuses_an_nsg_on_the_gateway_subnet(network, rg, nsg_id):
    with pytest.raises(HttpResponseError) as refused:
        _subnet(network, rg, "GatewaySubnet", "10.0.2.0/27", nsg_id)
    assert refused.value.error.code == "NetworkSecurityGroupCannotBeAttachedToGatewaySubnet"
    assert "can not be associated to the GatewaySubnet" in refused.value.error.message


def test_an_nsg_shows_its_default_rules_and_the_subnets_using_it_and_cannot_be_deleted_while_used(network, rg, nsg_id):
    _subnet(network, rg, "app", "10.0.1.0/24", nsg_id)
    nsg = network.network_security_groups.get(rg, "nsg1")
    assert {r.name for r in nsg.default_security_rules} >= {"AllowVnetInBound", "DenyAllInBound", "AllowInternetOutBound"}
    assert [s.id.rsplit("/", 1)[1] for s in nsg.subnets] == ["app"]
    with pytest.raises(HttpResponseError) as refused:
        network.network_security_groups.begin_delete(rg, "nsg1").result()
    assert refused.value.error.code == "InUseNetworkSecurityGroupCannotBeDeleted"
