"""Facts Azure decides and later steps build on: a cluster's identity, private FQDN, DNS zone, API server IP.

Desired state is a pure function of the params and these facts; a fact that does not exist yet (the
cluster has not been created) raises ``MissingFact``, naming the step that creates it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aksegress import arm_ids
from aksegress.errors import AksegressError
from aksegress.kinds import A_RECORD, MANAGED_CLUSTER


class MissingFact(AksegressError):
    title = "Not created yet"


@dataclass(frozen=True)
class ClusterFacts:
    """What a private cluster's create produced, read back from Azure."""

    id: str
    principal_id: str
    private_fqdn: str
    node_resource_group: str
    zone_id: str
    api_server_ip: str


def cluster_id(spoke) -> str:
    return arm_ids.resource_id(spoke.subscription_id, spoke.resource_group, "Microsoft.ContainerService", "managedClusters", spoke.cluster.name)


class Facts:
    """Reads facts through the runbook's clients, once per instance."""

    def __init__(self, runbook):
        self.runbook = runbook
        self._clusters: dict[str, ClusterFacts] = {}

    def cluster(self, spoke_key: str) -> ClusterFacts:
        if spoke_key not in self._clusters:
            self._clusters[spoke_key] = self._read_cluster(spoke_key)
        return self._clusters[spoke_key]

    def _read_cluster(self, spoke_key: str) -> ClusterFacts:
        spoke = self.runbook.params.spokes[spoke_key]
        cid = cluster_id(spoke)
        clients = self.runbook.clients(spoke.subscription_id)
        body = MANAGED_CLUSTER.get(clients, cid)
        props = (body or {}).get("properties") or {}
        if not body or props.get("provisioningState") != "Succeeded":
            state = props.get("provisioningState", "absent")
            raise MissingFact(f"cluster {spoke.cluster.name} in {spoke_key} is {state}", hint="run step 05-private-aks first")
        fqdn = props.get("privateFQDN") or ""
        node_group = props.get("nodeResourceGroup") or ""
        zone_name = fqdn.split(".", 1)[1] if "." in fqdn else ""
        zone_id = arm_ids.resource_id(spoke.subscription_id, node_group, "Microsoft.Network", "privateDnsZones", zone_name)
        record = A_RECORD.get(clients, f"{zone_id}/A/{fqdn.split('.', 1)[0]}") if zone_name else None
        addresses = [(r.get("ipv4Address")) for r in ((record or {}).get("properties") or {}).get("aRecords") or []]
        if not addresses:
            raise MissingFact(f"cluster {spoke.cluster.name} has no A record for {fqdn} in zone {zone_name}",
                              hint="the private cluster's DNS is incomplete: re-run step 05-private-aks")
        return ClusterFacts(cid, (body.get("identity") or {}).get("principalId", ""), fqdn, node_group, zone_id, addresses[0])

    def ssh_public_key(self) -> str:
        """The environment's SSH key for test VMs: made once under outputs/<env>/ssh/, private half never shown."""
        from aksegress.runbook import project_root

        folder = project_root() / "outputs" / self.runbook.params.environment / "ssh"
        public = folder / "id_rsa.pub"
        if not public.exists():
            _write_key_pair(folder)
        return public.read_text().strip()


def _write_key_pair(folder) -> None:
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    fd = os.open(folder / "id_rsa", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    (folder / "id_rsa.pub").write_text(public.decode() + " aksegress-test-vm\n")
