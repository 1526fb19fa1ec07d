"""What Azure refuses at create time the emulator refuses too, with Azure's codes: dnsPrefix rules, a node subnet
too small for Azure CNI, a Kubernetes version AKS does not offer, a VNet address space in a range Azure reserves."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.test_aks_provider import cluster_body, direct_estate, refusal  # noqa: F401 - direct_estate is a fixture


@pytest.mark.parametrize("prefix", ["private_aks", "p" * 55, "-aks"])
def test_a_dns_prefix_azure_refuses_is_refused_as_invalid_parameter(clients, direct_estate, prefix):  # noqa: F811
    body = cluster_body(direct_estate.aks_subnet_id)
    body["properties"]["dnsPrefix"] = prefix
    error = refusal(clients, direct_estate.rg, body)
    assert error.error.code == "InvalidParameter" and "dnsPrefix" in error.error.message


def test_a_node_subnet_too_small_for_azure_cni_is_refused(clients, direct_estate):  # noqa: F811
    error = refusal(clients, direct_estate.rg, cluster_body(direct_estate.aks_subnet_id, count=9))
    assert error.error.code == "InsufficientSubnetSize"
    assert "Pre-allocated IPs 279 exceeds IPs available 251 in Subnet Cidr 10.1.0.0/24" in error.error.message


def test_a_kubernetes_version_aks_does_not_offer_is_refused(clients, direct_estate):  # noqa: F811
    body = cluster_body(direct_estate.aks_subnet_id)
    body["properties"]["kubernetesVersion"] = "1.19.7"
    error = refusal(clients, direct_estate.rg, body)
    assert error.error.code == "AgentPoolK8sVersionNotSupported" and "1.19.7" in error.error.message


@pytest.mark.parametrize("space", ["224.0.0.0/4", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.0/24"])
def test_a_vnet_address_space_in_a_range_azure_reserves_is_refused(clients, rg, space):
    body = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", space]}}}
    with pytest.raises(HttpResponseError) as caught:
        clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", body).result()
    assert caught.value.status_code == 400 and caught.value.error.code == "InvalidAddressSpace" and space in caught.value.error.message
