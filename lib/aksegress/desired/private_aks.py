"""Step 05: a private AKS cluster per spoke that asks for one, egress forced through the firewall."""

from __future__ import annotations

from aksegress import arm_ids
from aksegress.desired.common import subnet_id, tags_for, vnet_id
from aksegress.desired.firewall_rules import egress_group_id
from aksegress.desired.route_tables import route_table_id
from aksegress.plan import Desired


def cluster_id(spoke) -> str:
    """The ARM id of the private cluster a spoke asks for."""
    return arm_ids.resource_id(spoke.subscription_id, spoke.resource_group, "Microsoft.ContainerService", "managedClusters", spoke.cluster.name)


def cluster_body(params, spoke) -> dict:
    c = spoke.cluster
    props = {
        "dnsPrefix": c.name,
        "agentPoolProfiles": [{
            "name": "nodepool1", "count": c.node_count, "vmSize": c.vm_size, "osType": "Linux", "mode": "System",
            "type": "VirtualMachineScaleSets", "vnetSubnetID": subnet_id(spoke, c.subnet),
        }],
        "networkProfile": {
            "networkPlugin": c.network_plugin, "serviceCidr": str(c.service_cidr), "dnsServiceIP": str(c.dns_service_ip),
            "outboundType": "userDefinedRouting", "loadBalancerSku": "standard",
        },
        "apiServerAccessProfile": {"enablePrivateCluster": True},
    }
    if c.kubernetes_version:
        props["kubernetesVersion"] = c.kubernetes_version
    if c.max_pods:
        props["agentPoolProfiles"][0]["maxPods"] = c.max_pods
    return {"location": params.location, "tags": tags_for(params), "identity": {"type": "SystemAssigned"}, "properties": props}


def clusters(params, facts=None) -> list[Desired]:
    """Each cluster after its subnet's route to the firewall, the firewall's AKS egress rules and its VNet's DNS
    through the firewall: node bootstrap fails without them (docs/private-aks-egress.md)."""
    return [Desired(cluster_id(spoke), cluster_body(params, spoke),
                    depends_on=(route_table_id(spoke), subnet_id(spoke, spoke.cluster.subnet), egress_group_id(params), vnet_id(spoke)))
            for _, spoke in params.spokes_with_cluster()]
