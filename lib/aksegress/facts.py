"""Facts Azure decides and later steps build on: a cluster's identity, private FQDN, DNS zone, API server IP.

Desired state is a pure function of the params and these facts; a fact that does not exist yet (the
cluster has not been created) raises ``MissingFact``, naming the step that creates it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aksegress import arm_ids
from aksegress.desired.private_aks import cluster_id
from aksegress.errors import MissingFact
from aksegress.kinds import A_RECORD, MANAGED_CLUSTER

__all__ = ["SETTLED_STATES", "ClusterFacts", "Facts", "MissingFact"]

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


class Facts:
    """Reads facts of the environment ``params`` describes through ``clients(subscription_id)``, once per instance."""

    def __init__(self, params, clients: Callable[[str], object]):
        self.params = params
        self.clients = clients
        self._clusters: dict[str, ClusterFacts] = {}
        self._bodies: dict[str, dict] = {}

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
