"""The environment as it is now, read through the SDK with one list call per resource group and type."""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError

from aksegress.connect import to_arm
from aksegress.netmodel import Snapshot

_NETWORK_LISTS = ("virtual_networks", "route_tables", "public_ip_addresses", "azure_firewalls", "firewall_policies",
                  "virtual_network_gateways", "network_interfaces", "private_endpoints", "network_security_groups")


def _listed(call) -> list[dict]:
    try:
        return [to_arm(item) for item in call()]
    except HttpResponseError:
        return []


def resources_in_group(clients, resource_group: str) -> list[dict]:
    """Every resource the connectivity model understands in one resource group, as ARM JSON."""
    net = clients.network
    found: list[dict] = []
    for name in _NETWORK_LISTS:
        found += _listed(lambda: getattr(net, name).list(resource_group))
    for policy in [r for r in found if r.get("type", "").lower() == "microsoft.network/firewallpolicies"]:
        found += _listed(lambda: net.firewall_policy_rule_collection_groups.list(resource_group, policy["name"]))
    zones = _listed(lambda: clients.privatedns.private_zones.list_by_resource_group(resource_group))
    for zone in zones:
        found += _listed(lambda: clients.privatedns.virtual_network_links.list(resource_group, zone["name"]))
        found += _listed(lambda: clients.privatedns.record_sets.list_by_type(resource_group, zone["name"], "A"))
    found += zones
    found += _listed(lambda: clients.containerservice.managed_clusters.list_by_resource_group(resource_group))
    found += _listed(lambda: clients.compute.virtual_machines.list(resource_group))
    return found


def environment_resources(runbook) -> list[dict]:
    """The environment's resource groups, then the node resource groups of its clusters."""
    groups = {(site.subscription_id.lower(), site.resource_group.lower()): (site.subscription_id, site.resource_group)
              for _, site in runbook.params.sites()}
    found: list[dict] = []
    for sub, group in groups.values():
        found += resources_in_group(runbook.clients(sub), group)
    for cluster in [r for r in found if r.get("type", "").lower() == "microsoft.containerservice/managedclusters"]:
        node_group = (cluster.get("properties") or {}).get("nodeResourceGroup")
        sub = cluster["id"].split("/")[2]
        if node_group and (sub.lower(), node_group.lower()) not in groups:
            groups[(sub.lower(), node_group.lower())] = (sub, node_group)
            found += resources_in_group(runbook.clients(sub), node_group)
    return found


def environment_snapshot(runbook) -> Snapshot:
    """A connectivity-model snapshot of the live environment."""
    return Snapshot.from_resources(environment_resources(runbook))
