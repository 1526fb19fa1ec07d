"""The environment as it is now, read through the SDK with one list call per resource group and type."""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError

from aksegress.arm_json import to_arm
from aksegress.netmodel import Snapshot
from aksegress.reads import Reads

_NETWORK_LISTS = {
    "microsoft.network/virtualnetworks": "virtual_networks",
    "microsoft.network/routetables": "route_tables",
    "microsoft.network/publicipaddresses": "public_ip_addresses",
    "microsoft.network/azurefirewalls": "azure_firewalls",
    "microsoft.network/firewallpolicies": "firewall_policies",
    "microsoft.network/virtualnetworkgateways": "virtual_network_gateways",
    "microsoft.network/networkinterfaces": "network_interfaces",
    "microsoft.network/privateendpoints": "private_endpoints",
    "microsoft.network/networksecuritygroups": "network_security_groups",
}


def _listed(call) -> list[dict]:
    try:
        return call()
    except HttpResponseError:
        return []


def resources_in_group(clients, resource_group: str, reads: Reads | None = None) -> list[dict]:
    """Every resource the connectivity model understands in one resource group, as ARM JSON: one generic
    list says which types are there, then one list per present type gives their full bodies (each list
    taken from ``reads`` when the step has already sent it)."""
    reads = reads or Reads()
    net, sub = clients.network, clients.subscription_id
    group = f"/subscriptions/{sub}/resourceGroups/{resource_group}"

    def listed(scope: str, arm_type: str, call) -> list[dict]:
        return _listed(lambda: reads.listed(sub, scope, arm_type, lambda: [to_arm(item) for item in call()]))

    present = {(r.get("type") or "").lower()
               for r in listed(group, "resources", lambda: clients.resource.resources.list_by_resource_group(resource_group))}
    found: list[dict] = []
    for arm_type, name in _NETWORK_LISTS.items():
        if arm_type in present:
            found += listed(group, arm_type, lambda: getattr(net, name).list(resource_group))
    for policy in [r for r in found if r.get("type", "").lower() == "microsoft.network/firewallpolicies"]:
        found += listed(policy["id"], "microsoft.network/firewallpolicies/rulecollectiongroups",
                        lambda: net.firewall_policy_rule_collection_groups.list(resource_group, policy["name"]))
    zones = listed(group, "microsoft.network/privatednszones",
                   lambda: clients.privatedns.private_zones.list_by_resource_group(resource_group)) \
        if "microsoft.network/privatednszones" in present else []
    for zone in zones:
        found += listed(zone["id"], "microsoft.network/privatednszones/virtualnetworklinks",
                        lambda: clients.privatedns.virtual_network_links.list(resource_group, zone["name"]))
        found += listed(zone["id"], "microsoft.network/privatednszones/a",
                        lambda: clients.privatedns.record_sets.list_by_type(resource_group, zone["name"], "A"))
    found += zones
    if "microsoft.containerservice/managedclusters" in present:
        found += listed(group, "microsoft.containerservice/managedclusters",
                        lambda: clients.containerservice.managed_clusters.list_by_resource_group(resource_group))
    if "microsoft.compute/virtualmachines" in present:
        found += listed(group, "microsoft.compute/virtualmachines", lambda: clients.compute.virtual_machines.list(resource_group))
    return found


def environment_resources(runbook, reads: Reads | None = None) -> list[dict]:
    """The environment's resource groups, then the node resource groups of its clusters."""
    groups = {(site.subscription_id.lower(), site.resource_group.lower()): (site.subscription_id, site.resource_group)
              for _, site in runbook.params.sites()}
    found: list[dict] = []
    for sub, group in groups.values():
        found += resources_in_group(runbook.clients(sub), group, reads)
    for cluster in [r for r in found if r.get("type", "").lower() == "microsoft.containerservice/managedclusters"]:
        node_group = (cluster.get("properties") or {}).get("nodeResourceGroup")
        sub = cluster["id"].split("/")[2]
        if node_group and (sub.lower(), node_group.lower()) not in groups:
            groups[(sub.lower(), node_group.lower())] = (sub, node_group)
            found += resources_in_group(runbook.clients(sub), node_group, reads)
    return found


def environment_snapshot(runbook, reads: Reads | None = None) -> Snapshot:
    """A connectivity-model snapshot of the live environment."""
    return Snapshot.from_resources(environment_resources(runbook, reads))
