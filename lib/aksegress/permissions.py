"""What the runbook needs Azure RBAC to allow, step by step and scope by scope, derived from what each step writes.

A step needs `{type}/write` and `{type}/read` on each resource its desired state holds, the linked `join`/`peer`
action on every resource a body references (`aksegress.rbac_actions`), and the few actions it sends beside its
writes (cluster credentials, run-command). In an existing hub, what the params leave to the hub's owners (a change
request) needs no write there, nor its linked actions, only the read the plan sends to see whether the owners made
it. Every step reads the environment's resource groups and the node resource groups of its clusters the way the connectivity model does, and
the role allows every type the model reads in every such group, though a run lists a type only where the group holds
one (`MODEL_READS`): what a group holds is not only what the runbook writes (a user's own NSG, the NSG AKS makes in a
node resource group on Azure), and a refused list would leave the model blind to it. Scopes are resource groups:
roles are assigned at them or above.
"""

from __future__ import annotations

from dataclasses import dataclass

from aksegress import arm_ids
from aksegress.desired.common import HubFacts, hub_of
from aksegress.desired.cross_vnet_access import access_rules, run_command_rules, test_vms, zone_links
from aksegress.desired.private_aks import cluster_id
from aksegress.existing_hub import requested
from aksegress.facts import ClusterFacts
from aksegress.rbac_actions import linked_actions

__all__ = ["MODEL_READS", "Need", "declared_needs", "node_resource_group", "resource_group_of"]

_PLACEHOLDER_PRINCIPAL = "00000000-0000-0000-0000-000000000000"
_NETWORK = "Microsoft.Network"
MODEL_READS = {t: t for t in (f"{_NETWORK}/virtualNetworks", f"{_NETWORK}/routeTables", f"{_NETWORK}/publicIPAddresses",
                             f"{_NETWORK}/azureFirewalls", f"{_NETWORK}/firewallPolicies", f"{_NETWORK}/virtualNetworkGateways",
                             f"{_NETWORK}/networkInterfaces", f"{_NETWORK}/privateEndpoints", f"{_NETWORK}/networkSecurityGroups",
                             f"{_NETWORK}/privateDnsZones", "Microsoft.ContainerService/managedClusters",
                             "Microsoft.Compute/virtualMachines")} | {
    f"{_NETWORK}/firewallPolicies/ruleCollectionGroups": f"{_NETWORK}/firewallPolicies",
    f"{_NETWORK}/privateDnsZones/virtualNetworkLinks": f"{_NETWORK}/privateDnsZones",
    f"{_NETWORK}/privateDnsZones/A": f"{_NETWORK}/privateDnsZones"}
"""Each type the connectivity model lists in a group, with the type the group must hold for that list to be sent."""
_CLUSTER_ACTIONS = ("Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
                    "Microsoft.ContainerService/managedClusters/runCommand/action",
                    "Microsoft.ContainerService/managedClusters/commandResults/read")


@dataclass(frozen=True, order=True)
class Need:
    """One action a step needs at one scope (a resource group id, or a subscription id for subscription-wide reads)."""

    step: str
    action: str
    scope: str


def resource_group_of(resource_id: str) -> str:
    """The resource group id a resource (or an extension resource's scope) lives in; the subscription id if none."""
    rid = arm_ids.parse(resource_id)
    if rid.resource_group:
        return arm_ids.resource_group_id(rid.subscription, rid.resource_group)
    return f"/subscriptions/{rid.subscription}"


def node_resource_group(params, spoke) -> str:
    """AKS's default node resource group, MC_{group}_{cluster}_{location}: the runbook never sets another."""
    return arm_ids.resource_group_id(spoke.subscription_id,
                                     f"MC_{spoke.resource_group}_{spoke.cluster.name}_{params.location}")


class _PlannedFacts:
    """Facts as they will be once step 05 has run: real ids and groups, placeholder principal, name and address."""

    def __init__(self, params):
        self.params = params

    def cluster(self, key: str) -> ClusterFacts:
        spoke = self.params.spokes[key]
        fqdn = f"{spoke.cluster.name}.privatelink.{self.params.location}.azmk8s.io"
        zone = f"{node_resource_group(self.params, spoke)}/providers/Microsoft.Network/privateDnsZones/{fqdn.split('.', 1)[1]}"
        return ClusterFacts(cluster_id(spoke), _PLACEHOLDER_PRINCIPAL, fqdn, zone.split("/")[4], zone, "10.0.0.4")

    def hub(self) -> HubFacts:
        return HubFacts("10.0.0.4", (), True) if self.params.hub.existing else hub_of(self.params)


def _desired(spec, params) -> list:
    facts = _PlannedFacts(params)
    if spec.number == "08":
        return (test_vms(params, "ssh-rsa placeholder") + zone_links(params, facts) + access_rules(params, facts)
                + run_command_rules(params))
    return spec.desired(params, facts)


_GROUP = "Microsoft.Resources/subscriptions/resourceGroups"


def _type_and_scope(desired) -> tuple[str, str]:
    """The type RBAC names a desired resource's actions by, and the resource group (or the group itself) they apply at."""
    rid = arm_ids.parse(desired.id)
    if rid.arm_type == "Microsoft.Resources/resourceGroups":
        return _GROUP, desired.id
    return rid.arm_type, resource_group_of(rid.scope if rid.scope else desired.id)


def _written(step: str, desired, *, by_owners: bool = False) -> list[Need]:
    """Write, read and linked actions for one desired resource; only the read when the hub's owners write it (the plan
    still reads it, to see whether they applied the change request)."""
    arm_type, scope = _type_and_scope(desired)
    read = [] if arm_type == _GROUP else [Need(step, f"{arm_type}/read", scope)]
    if by_owners:
        return read
    return [Need(step, f"{arm_type}/write", scope), *read] + [Need(step, action, resource_group_of(target))
                                                              for action, target in linked_actions(desired.body)]


def _observed_groups(params) -> list[str]:
    groups = {resource_group_of(arm_ids.resource_group_id(s.subscription_id, s.resource_group)) for _, s in params.sites()}
    groups |= {node_resource_group(params, spoke) for _, spoke in params.spokes_with_cluster()}
    return sorted(groups)


def _operations(step: str, params) -> list[Need]:
    """What a step sends beside its writes: cluster credentials and run-command (07), VM run-command (08)."""
    if step == "07":
        return [Need(step, action, resource_group_of(cluster_id(spoke)))
                for _, spoke in params.spokes_with_cluster() for action in _CLUSTER_ACTIONS]
    if step == "08":
        sources = {rule.from_ for rule in params.access if params.spokes[rule.from_].test_vm}
        return [Need(step, "Microsoft.Compute/virtualMachines/runCommand/action",
                     arm_ids.resource_group_id(params.spokes[key].subscription_id, params.spokes[key].resource_group))
                for key in sorted(sources)]
    return []


def _reads(step: str, params) -> list[Need]:
    """The reads every step's observation and snapshot send: group lists, then each modelled type per group."""
    subs = sorted({f"/subscriptions/{s}" for s in params.subscription_ids()})
    needs = [Need(step, "Microsoft.Resources/subscriptions/resourceGroups/read", sub) for sub in subs]
    for group in _observed_groups(params):
        needs.append(Need(step, "Microsoft.Resources/subscriptions/resourceGroups/resources/read", group))
        needs += [Need(step, f"{arm_type}/read", group) for arm_type in MODEL_READS]
    return needs


def _deleted(params, steps) -> list[Need]:
    """Teardown (99): the delete, and the read, of everything the other steps write, resource groups included; what the
    hub's owners made is left to them."""
    needs = []
    for desired in (d for spec in steps for d in _desired(spec, params) if not requested(params, d)):
        arm_type, scope = _type_and_scope(desired)
        needs += [Need("99", f"{arm_type}/delete", scope)] + ([] if arm_type == _GROUP else [Need("99", f"{arm_type}/read", scope)])
    return needs


def declared_needs(params, steps) -> list[Need]:
    """Every (step, action, scope) the steps need for these params, sorted, without repeats; teardown, when among
    them, needs to delete what the others write."""
    found: set[Need] = set()
    for spec in steps:
        found.update(_reads(spec.number, params))
        found.update(_operations(spec.number, params))
        if spec.number == "99":
            found.update(_deleted(params, [s for s in steps if s.number != "99"]))
        for desired in _desired(spec, params):
            found.update(_written(spec.number, desired, by_owners=requested(params, desired)))
    return sorted(found)
