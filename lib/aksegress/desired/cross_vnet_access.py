"""Step 08: test VMs, and for each access entry a DNS link to the cluster's private zone and a firewall
rule letting the source spoke reach the API server on TCP 443.

Which VNet gets the link: a spoke that keeps Azure DNS resolves from its own VNet, so the zone is linked
there (the article's way); a spoke whose DNS is the firewall proxy resolves from the hub, so the zone is
linked to the hub. An application rule also makes the firewall resolve the API server's name itself,
from the hub, so that mode links the zone to the hub as well.

A network rule names the API server's address, or, joining an existing hub whose owners write the rule groups, the
cluster's subnet (``asks_for_cluster_subnet``), so their change request is whole before any cluster exists.

Links are told apart by the VNet's id, never its name: a hub and a spoke VNet may share a name in different
subscriptions, as Azure allows.
"""

from __future__ import annotations

from aksegress import arm_ids
from aksegress.desired.common import NETWORK, subnet_id, tags_for, vnet_id
from aksegress.desired.firewall import firewall_id, policy_id
from aksegress.errors import MissingFact
from aksegress.layout import ssh_dir
from aksegress.local_keys import ssh_public_key
from aksegress.params.models import RULE_GROUPS
from aksegress.plan import Desired

ACCESS_GROUP = "spoke-access"
RUN_COMMAND_GROUP = "vm-run-command"
ACCESS_OFFSET, RUN_COMMAND_OFFSET = 100, 200
"""Their priorities after the egress group's (``hub.rule_group_priority``)."""


def access_group_id(params) -> str:
    return f"{policy_id(params)}/ruleCollectionGroups/{params.rule_group_name(ACCESS_GROUP)}"


def nic_id(spoke) -> str:
    return arm_ids.resource_id(spoke.subscription_id, spoke.resource_group, NETWORK, "networkInterfaces", f"nic-{spoke.test_vm.name}")


def vm_id(spoke) -> str:
    return arm_ids.resource_id(spoke.subscription_id, spoke.resource_group, "Microsoft.Compute", "virtualMachines", spoke.test_vm.name)


def test_vms(params, ssh_public_key: str) -> list[Desired]:
    out = []
    for _, spoke in params.spokes.items():
        vm = spoke.test_vm
        if not vm:
            continue
        group = arm_ids.resource_group_id(spoke.subscription_id, spoke.resource_group)
        out.append(Desired(nic_id(spoke), {"location": params.location, "tags": tags_for(params), "properties": {
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": subnet_id(spoke, vm.subnet)}, "privateIPAllocationMethod": "Dynamic"}}]}},
            depends_on=(group, subnet_id(spoke, vm.subnet))))
        out.append(Desired(vm_id(spoke), {"location": params.location, "tags": tags_for(params), "properties": {
            "hardwareProfile": {"vmSize": vm.size},
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"},
                "osDisk": {"createOption": "FromImage", "deleteOption": "Delete", "managedDisk": {"storageAccountType": "Standard_LRS"}},
            },
            "networkProfile": {"networkInterfaces": [{"id": nic_id(spoke), "properties": {"primary": True, "deleteOption": "Delete"}}]},
        }}, depends_on=(nic_id(spoke),), create_only={"properties": {"osProfile": {
            "computerName": vm.name, "adminUsername": "azureuser",
            "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": ssh_public_key}]}},
        }}}))
    return out


def zone_link_vnets(params, source_key: str) -> list[tuple[str, object]]:
    """The VNets that must be linked to the cluster's zone for ``source_key`` to reach it by name."""
    source = params.spokes[source_key]
    vnets = []
    if source.dns == "azure":
        vnets.append((source_key, source))
    if source.dns == "firewall" or params.api_access_rule == "application":
        vnets.append(("hub", params.hub))
    return vnets


def zone_link_name(params, owner: str) -> str:
    """``link-<vnet>``, or ``link-<owner>-<vnet>`` when another VNet of the params has the same name."""
    site = params.hub if owner == "hub" else params.spokes[owner]
    shared = sum(1 for v in params.all_vnets() if v.vnet.name.lower() == site.vnet.name.lower()) > 1
    return f"link-{owner}-{site.vnet.name}"[:80].rstrip(".-") if shared else f"link-{site.vnet.name}"


def zone_link_id(zone_id: str, params, owner: str) -> str:
    return f"{zone_id}/virtualNetworkLinks/{zone_link_name(params, owner)}"


def zone_links(params, facts) -> list[Desired]:
    out, seen = [], set()
    for rule in params.access:
        zone = facts.cluster(rule.cluster).zone_id
        for owner, site in zone_link_vnets(params, rule.from_):
            link = zone_link_id(zone, params, owner)
            if (zone.lower(), vnet_id(site).lower()) not in seen:
                seen.add((zone.lower(), vnet_id(site).lower()))
                out.append(Desired(link, {"location": "global", "tags": tags_for(params), "properties": {
                    "virtualNetwork": {"id": vnet_id(site)}, "registrationEnabled": False}}))
    return out


def retired_zone_links(params, facts) -> list[str]:
    """Links the runbook would have named for a cluster's zone (from the hub or any spoke) that no access entry asks
    for any more; a cluster not built has no zone, hence no link. Only those this environment made are deleted."""
    wanted = {d.id.lower() for d in zone_links(params, facts)}
    out = []
    for key, _ in params.spokes_with_cluster():
        try:
            zone = facts.cluster(key).zone_id
        except MissingFact:
            continue
        out += [link for owner, _ in params.sites() if (link := zone_link_id(zone, params, owner)).lower() not in wanted]
    return out


def retired(params, facts) -> list[str]:
    """Step 08's resources for access entries the params no longer hold: the zone links, and the rule group with the last entry."""
    return retired_zone_links(params, facts) + ([] if params.access else [access_group_id(params)])


def asks_for_cluster_subnet(params) -> bool:
    """Whether network access rules name the cluster's subnet instead of its API server's address: so in an existing
    hub whose owners write the rule groups, since AKS places the API server's private endpoint in the cluster subnet
    and gives it an address only at create, and the owners' one change request must not wait for the cluster."""
    return params.api_access_rule != "application" and params.hub.existing and not params.hub.may_write(RULE_GROUPS)


def access_rule(params, facts, rule) -> dict:
    """One rule: the source spoke's ranges to the cluster's API server on TCP 443."""
    sources = [str(p) for p in params.spokes[rule.from_].vnet.address_space]
    name = f"api-{rule.cluster}-from-{rule.from_}"
    if params.api_access_rule == "application":
        return {"ruleType": "ApplicationRule", "name": name, "protocols": [{"protocolType": "Https", "port": 443}],
                "sourceAddresses": sources, "targetFqdns": [facts.cluster(rule.cluster).private_fqdn]}
    if asks_for_cluster_subnet(params):
        spoke = params.spokes[rule.cluster]
        destination = str(spoke.subnets[spoke.cluster.subnet])
    else:
        destination = f"{facts.cluster(rule.cluster).api_server_ip}/32"
    return {"ruleType": "NetworkRule", "name": name, "ipProtocols": ["TCP"], "sourceAddresses": sources,
            "destinationAddresses": [destination], "destinationPorts": ["443"]}


def run_command_group_id(params) -> str:
    return f"{policy_id(params)}/ruleCollectionGroups/{params.rule_group_name(RUN_COMMAND_GROUP)}"


def run_command_rules(params) -> list[Desired]:
    """The test VM subnets to Azure's public addresses on TCP 443, which VM run-command needs to return its output
    (docs/network-behaviour.md, "Run command"); a group of its own, absent without test VMs."""
    sources = [str(spoke.subnets[spoke.test_vm.subnet]) for _, spoke in params.spokes.items() if spoke.test_vm]
    if not sources:
        return []
    rule = {"ruleType": "NetworkRule", "name": "vm-run-command", "ipProtocols": ["TCP"], "sourceAddresses": sources,
            "destinationAddresses": ["AzureCloud"], "destinationPorts": ["443"]}
    return [Desired(run_command_group_id(params), {"properties": {"priority": params.hub.rule_group_priority + RUN_COMMAND_OFFSET, "ruleCollections": [
        {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "vm-run-command", "priority": 100,
         "action": {"type": "Allow"}, "rules": [rule]}]}}, depends_on=(policy_id(params), firewall_id(params)), exclusive=True)]


def access_rules(params, facts) -> list[Desired]:
    if not params.access:
        return []
    rules = [access_rule(params, facts, rule) for rule in params.access]
    return [Desired(access_group_id(params), {"properties": {"priority": params.hub.rule_group_priority + ACCESS_OFFSET, "ruleCollections": [
        {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "api-server-access", "priority": 100,
         "action": {"type": "Allow"}, "rules": rules}]}}, depends_on=(policy_id(params), firewall_id(params)), exclusive=True)]


def hub_requests_ahead(params, facts) -> list[Desired]:
    """Step 08's rule groups as far as they need no fact of a cluster not yet built: the run-command group always, the
    access group when its rules name cluster subnets; a change request asks for these with the first ones."""
    try:
        ahead = access_rules(params, facts)
    except MissingFact:
        ahead = []
    return ahead + run_command_rules(params)


def cross_vnet_access(params, facts) -> list[Desired]:
    """Step 08's resources; the test VMs get the environment's SSH key, made on this machine the first time."""
    return (test_vms(params, ssh_public_key(ssh_dir(params.environment))) + zone_links(params, facts) + access_rules(params, facts)
            + run_command_rules(params))
