"""How each Azure resource type is read, written and deleted through the Azure SDK.

A ``Kind`` maps an ARM type to one SDK operations group. Bodies go in and come out as ARM wire JSON
(dicts), so desired state, plans, the connectivity model and the emulator all speak the same shape.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from aksegress import arm_ids
from aksegress.arm_json import to_arm


@dataclass(frozen=True)
class Kind:
    """One ARM resource type and the SDK operations group that manages it."""

    arm_type: str
    label: str
    client: str
    operations: str
    tagged: bool = True
    lro: bool = True
    body_arg: str | None = None

    def ops(self, clients) -> Any:
        return getattr(getattr(clients, self.client), self.operations)

    def _args(self, rid: arm_ids.ResourceId) -> tuple:
        return (rid.resource_group, *rid.names)

    def get(self, clients, resource_id: str) -> dict | None:
        rid = arm_ids.parse(resource_id)
        try:
            return to_arm(self.ops(clients).get(*self._args(rid)))
        except ResourceNotFoundError:
            return None

    def list_siblings(self, clients, resource_id: str) -> list[dict]:
        """Every resource of this kind under the same parent (resource group, or parent resource)."""
        rid = arm_ids.parse(resource_id)
        try:
            return [to_arm(item) for item in self.ops(clients).list(*self._args(rid)[:-1])]
        except ResourceNotFoundError:
            return []

    def put(self, clients, resource_id: str, body: dict, *, if_match: str | None = None) -> Callable[[], dict]:
        """Start a create-or-update, conditional on ``if_match`` (ARM answers 412 if the resource changed since);
        returns a function that waits for it and gives the ARM body."""
        rid = arm_ids.parse(resource_id)
        ops = self.ops(clients)
        headers = {"If-Match": if_match} if if_match else {}
        if self.lro:
            poller = ops.begin_create_or_update(*self._args(rid), body, headers=headers)
            return lambda: to_arm(poller.result())
        result = ops.create_or_update(*self._args(rid), body, headers=headers)
        return lambda: to_arm(result)

    def delete(self, clients, resource_id: str) -> Callable[[], None]:
        rid = arm_ids.parse(resource_id)
        poller = self.ops(clients).begin_delete(*self._args(rid))
        return lambda: poller.result()

    def api_version(self, clients, resource_id: str) -> str:
        """The api-version the SDK's own create-or-update request for this resource carries (a change request names it)."""
        module = importlib.import_module(type(self.ops(clients)).__module__)
        build = getattr(module, f"build_{self.operations}_create_or_update_request")
        rid = arm_ids.parse(resource_id)
        url = build(*self._args(rid), rid.subscription).url
        return url.split("api-version=", 1)[1].split("&", 1)[0]

    def merge_tags(self, clients, resource_id: str, tags: dict[str, str]) -> Callable[[], dict]:
        """Start ARM's tags operation (Merge) on the resource: these tags set, its other tags and everything else left as
        they are; returns a function that waits for it and gives the resource's tags."""
        poller = clients.resource.tags.begin_update_at_scope(resource_id.lstrip("/"), {"operation": "Merge", "properties": {"tags": tags}})
        return lambda: dict(poller.result().properties.tags or {})


class ResourceGroupKind(Kind):
    """Resource groups live directly under a subscription; create is synchronous."""

    def _args(self, rid: arm_ids.ResourceId) -> tuple:
        return (rid.resource_group,)

    def list_siblings(self, clients, resource_id: str) -> list[dict]:
        return [to_arm(rg) for rg in self.ops(clients).list()]


class ListByGroupKind(Kind):
    """Top-level types whose SDK calls the resource-group list ``list_by_resource_group``."""

    def list_siblings(self, clients, resource_id: str) -> list[dict]:
        rid = arm_ids.parse(resource_id)
        try:
            return [to_arm(item) for item in self.ops(clients).list_by_resource_group(rid.resource_group)]
        except ResourceNotFoundError:
            return []


class RecordSetKind(Kind):
    """Private DNS record sets: the record type sits between the zone and the record name."""

    record_type = "A"

    def _args(self, rid: arm_ids.ResourceId) -> tuple:
        zone, name = rid.names
        return (rid.resource_group, zone, self.record_type, name)

    def list_siblings(self, clients, resource_id: str) -> list[dict]:
        rid = arm_ids.parse(resource_id)
        try:
            return [to_arm(r) for r in self.ops(clients).list_by_type(rid.resource_group, rid.names[0], self.record_type)]
        except ResourceNotFoundError:
            return []


class RoleAssignmentKind(Kind):
    """Role assignments hang off any scope; their name is a GUID and create is synchronous."""

    def _args(self, rid: arm_ids.ResourceId) -> tuple:
        return (rid.scope, rid.name)

    def list_siblings(self, clients, resource_id: str) -> list[dict]:
        rid = arm_ids.parse(resource_id)
        try:
            return [to_arm(a) for a in self.ops(clients).list_for_scope(rid.scope, filter="atScope()")]
        except ResourceNotFoundError:
            return []

    def put(self, clients, resource_id: str, body: dict, *, if_match: str | None = None) -> Callable[[], dict]:
        rid = arm_ids.parse(resource_id)
        from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

        props = body["properties"]
        params = RoleAssignmentCreateParameters(role_definition_id=props["roleDefinitionId"], principal_id=props["principalId"],
                                                principal_type=props.get("principalType"))
        result = self.ops(clients).create(rid.scope, rid.name, params)
        return lambda: to_arm(result)

    def delete(self, clients, resource_id: str) -> Callable[[], None]:
        rid = arm_ids.parse(resource_id)
        self.ops(clients).delete(rid.scope, rid.name)
        return lambda: None


RESOURCE_GROUP = ResourceGroupKind("Microsoft.Resources/resourceGroups", "resource group", "resource", "resource_groups", lro=False)
VIRTUAL_NETWORK = Kind("Microsoft.Network/virtualNetworks", "virtual network", "network", "virtual_networks")
SUBNET = Kind("Microsoft.Network/virtualNetworks/subnets", "subnet", "network", "subnets", tagged=False)
PEERING = Kind("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "peering", "network", "virtual_network_peerings", tagged=False)
ROUTE_TABLE = Kind("Microsoft.Network/routeTables", "route table", "network", "route_tables")
PUBLIC_IP = Kind("Microsoft.Network/publicIPAddresses", "public IP", "network", "public_ip_addresses")
FIREWALL_POLICY = Kind("Microsoft.Network/firewallPolicies", "firewall policy", "network", "firewall_policies")
RULE_COLLECTION_GROUP = Kind("Microsoft.Network/firewallPolicies/ruleCollectionGroups", "rule collection group", "network",
                             "firewall_policy_rule_collection_groups", tagged=False)
FIREWALL = Kind("Microsoft.Network/azureFirewalls", "firewall", "network", "azure_firewalls")
VPN_GATEWAY = Kind("Microsoft.Network/virtualNetworkGateways", "VPN gateway", "network", "virtual_network_gateways")
NIC = Kind("Microsoft.Network/networkInterfaces", "network interface", "network", "network_interfaces")
NSG = Kind("Microsoft.Network/networkSecurityGroups", "network security group", "network", "network_security_groups")
PRIVATE_ZONE = ListByGroupKind("Microsoft.Network/privateDnsZones", "private DNS zone", "privatedns", "private_zones")
ZONE_LINK = Kind("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "private DNS zone link", "privatedns", "virtual_network_links")
A_RECORD = RecordSetKind("Microsoft.Network/privateDnsZones/A", "A record", "privatedns", "record_sets", tagged=False, lro=False)
MANAGED_CLUSTER = ListByGroupKind("Microsoft.ContainerService/managedClusters", "AKS cluster", "containerservice", "managed_clusters")
VIRTUAL_MACHINE = Kind("Microsoft.Compute/virtualMachines", "virtual machine", "compute", "virtual_machines")
ROLE_ASSIGNMENT = RoleAssignmentKind("Microsoft.Authorization/roleAssignments", "role assignment", "authorization", "role_assignments",
                                     tagged=False, lro=False)

KINDS: dict[str, Kind] = {k.arm_type.lower(): k for k in [
    RESOURCE_GROUP, VIRTUAL_NETWORK, SUBNET, PEERING, ROUTE_TABLE, PUBLIC_IP, FIREWALL_POLICY, RULE_COLLECTION_GROUP, FIREWALL,
    VPN_GATEWAY, NIC, NSG, PRIVATE_ZONE, ZONE_LINK, A_RECORD, MANAGED_CLUSTER, VIRTUAL_MACHINE, ROLE_ASSIGNMENT,
]}


def kind_of(resource_id: str) -> Kind:
    arm_type = arm_ids.parse(resource_id).arm_type.lower()
    try:
        return KINDS[arm_type]
    except KeyError:
        raise KeyError(f"aksegress does not manage resources of type {arm_type}") from None
