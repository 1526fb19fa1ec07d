"""Facts Azure decides and later steps build on: a cluster's identity, private FQDN, DNS zone, API server IP; and,
for an existing hub, its firewall's private IP, its address space and its DNS proxy setting.

Desired state is a pure function of the params and these facts; a fact that does not exist yet (the
cluster has not been created) raises ``MissingFact``, naming the step that creates it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aksegress import arm_ids
from aksegress.desired.common import HubFacts, hub_of, vnet_id
from aksegress.desired.firewall import firewall_id, policy_id
from aksegress.desired.private_aks import cluster_id
from aksegress.errors import MissingFact
from aksegress.kinds import A_RECORD, FIREWALL, FIREWALL_POLICY, MANAGED_CLUSTER, VIRTUAL_NETWORK

__all__ = ["SETTLED_STATES", "ClusterFacts", "Facts", "HubFacts", "MissingFact", "hub_facts_of"]

SETTLED_STATES = frozenset({"Succeeded", "Updating", "Upgrading", "Scaling", "Starting", "Stopping", "Migrating", "Failed", "Canceled"})
"""Cluster states whose identity, private FQDN and node resource group exist and stay (docs/private-aks-egress.md,
"Cluster states"): an upgrade or scale in progress, or one that failed, leaves them; only Creating and Deleting do not."""


@dataclass(frozen=True)
class ClusterFacts:
    """What a private cluster's create produced, read back from Azure."""

    id: str
    principal_id: str
    private_fqdn: str
    node_resource_group: str
    zone_id: str
    api_server_ip: str


def hub_facts_of(params, firewall: dict | None, vnet: dict | None, policy: dict | None) -> HubFacts:
    """An existing hub's facts from its ARM bodies; ``MissingFact`` naming the params field when one is absent."""
    hub = params.hub
    for body, field, what in ((vnet, "hub.vnet.name", f"VNet {hub.vnet.name}"), (firewall, "hub.firewall.name", f"firewall {hub.firewall.name}"),
                              (policy, "hub.firewall.policy", f"firewall policy {hub.firewall.policy}")):
        if body is None:
            raise MissingFact(f"the existing hub has no {what} in resource group {hub.resource_group} of subscription "
                              f"{hub.subscription_id} ({field})",
                              hint=f"fix {field} (or hub.resource_group / hub.subscription_id) to name the hub's own resources")
    configs = (firewall.get("properties") or {}).get("ipConfigurations") or []
    address = ((configs[0].get("properties") or {}).get("privateIPAddress")) if configs else None
    if not address:
        raise MissingFact(f"the existing hub's firewall {hub.firewall.name} has no private IP yet (hub.firewall.name)",
                          hint="wait until the hub's owners have finished building the firewall, then re-run")
    spaces = tuple(((vnet.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or ())
    proxy = ((policy.get("properties") or {}).get("dnsSettings") or {}).get("enableProxy") is True
    return HubFacts(address, spaces, proxy)


class Facts:
    """Reads facts of the environment ``params`` describes through ``clients(subscription_id)``, once per instance."""

    def __init__(self, params, clients: Callable[[str], object]):
        self.params = params
        self.clients = clients
        self._clusters: dict[str, ClusterFacts] = {}
        self._bodies: dict[str, dict] = {}
        self._hub: HubFacts | None = None

    def hub(self) -> HubFacts:
        """The hub's facts: the params' for a hub this environment builds (nothing is read), Azure's for an existing one."""
        if self._hub is None:
            hub = self.params.hub
            if not hub.existing:
                self._hub = hub_of(self.params)
            else:
                clients = self.clients(hub.subscription_id)
                self._hub = hub_facts_of(self.params, FIREWALL.get(clients, firewall_id(self.params)),
                                         VIRTUAL_NETWORK.get(clients, vnet_id(hub)), FIREWALL_POLICY.get(clients, policy_id(self.params)))
        return self._hub

    def cluster(self, spoke_key: str) -> ClusterFacts:
        if spoke_key not in self._clusters:
            self._clusters[spoke_key] = self._read_cluster(spoke_key)
        return self._clusters[spoke_key]

    def cluster_body(self, spoke_key: str) -> dict:
        """The cluster's ARM body as read for its facts (what a probe of the cluster depends on)."""
        self.cluster(spoke_key)
        return self._bodies[spoke_key]

    def _read_cluster(self, spoke_key: str) -> ClusterFacts:
        spoke = self.params.spokes[spoke_key]
        cid = cluster_id(spoke)
        clients = self.clients(spoke.subscription_id)
        body = MANAGED_CLUSTER.get(clients, cid)
        props = (body or {}).get("properties") or {}
        if not body or props.get("provisioningState") not in SETTLED_STATES:
            state = props.get("provisioningState", "absent")
            raise MissingFact(f"cluster {spoke.cluster.name} in {spoke_key} is {state}", step="05-private-aks")
        fqdn = props.get("privateFQDN") or ""
        node_group = props.get("nodeResourceGroup") or ""
        zone_name = fqdn.split(".", 1)[1] if "." in fqdn else ""
        zone_id = arm_ids.resource_id(spoke.subscription_id, node_group, "Microsoft.Network", "privateDnsZones", zone_name)
        record = A_RECORD.get(clients, f"{zone_id}/A/{fqdn.split('.', 1)[0]}") if zone_name else None
        addresses = [(r.get("ipv4Address")) for r in ((record or {}).get("properties") or {}).get("aRecords") or []]
        if not addresses:
            raise MissingFact(f"cluster {spoke.cluster.name} has no A record for {fqdn} in zone {zone_name}",
                              hint="the private cluster's DNS is incomplete: re-run step 05-private-aks")
        self._bodies[spoke_key] = body
        return ClusterFacts(cid, (body.get("identity") or {}).get("principalId", ""), fqdn, node_group, zone_id, addresses[0])
