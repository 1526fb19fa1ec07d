"""Turn the user's words for a source or destination (VM, subnet, VNet, cluster, IP, FQDN) into addresses."""

from __future__ import annotations

from dataclasses import dataclass

from aksegress.errors import AksegressError
from aksegress.netmodel.addresses import int_to_ip, is_ip
from aksegress.netmodel.snapshot import Cluster, NetworkInterface, Snapshot, Subnet, VirtualMachine

_INFRA_SUBNETS = {"azurefirewallsubnet", "azurefirewallmanagementsubnet", "gatewaysubnet", "azurebastionsubnet"}


@dataclass
class Source:
    label: str
    ip: str
    subnet: Subnet
    nic: NetworkInterface | None = None
    resource_id: str = ""


@dataclass
class Destination:
    label: str
    fqdn: str = ""
    ip: str = ""
    cluster: Cluster | None = None
    resource_id: str = ""


def first_host(subnet: Subnet) -> str:
    """The first address Azure hands out in a subnet (.4: .0-.3 are reserved)."""
    return int_to_ip(subnet.prefixes[0].network + 4)


def source_for_subnet(snap: Snapshot, subnet: Subnet) -> Source:
    for nic in snap.nics.values():
        for ip, subnet_id in nic.ips:
            if subnet_id == subnet.id and nic.vm_id:
                return Source(f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}", ip, subnet, nic, nic.vm_id)
    return Source(f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}", first_host(subnet), subnet, None, subnet.id)


def source_for_vm(snap: Snapshot, vm: VirtualMachine) -> Source:
    ip, nic = snap.vm_primary_ip(vm)
    return Source(vm.name, ip, snap.subnets[nic.ips[0][1]], nic, vm.id)


def locate_source(snap: Snapshot, ref: str) -> Source:
    """A VM name or id, a subnet id or `vnet/subnet`, or a VNet name (its first workload subnet, VMs preferred)."""
    for finder, build in ((snap.find_vm, lambda vm: source_for_vm(snap, vm)),
                          (snap.find_subnet, lambda sub: source_for_subnet(snap, sub))):
        try:
            return build(finder(ref))
        except AksegressError:
            pass
    try:
        vnet = snap.find_vnet(ref)
    except AksegressError:
        vnet = _vnet_by_word(snap, ref)
    if vnet is None:
        raise AksegressError(f"source {ref!r} is not a VM, subnet or VNet in the snapshot",
                             hint=f"name one of: {_listing(list(snap.vms.values()) + list(snap.vnets.values()))}, or `vnet/subnet`") from None
    subnets = [snap.subnets[s] for s in vnet.subnet_ids if snap.subnets[s].name.lower() not in _INFRA_SUBNETS]
    if not subnets:
        raise AksegressError(f"VNet {vnet.name} has no workload subnet", hint="name a subnet or VM instead")
    with_vm = [s for s in subnets if source_for_subnet(snap, s).nic is not None]
    return source_for_subnet(snap, (with_vm or subnets)[0])


def locate_destination(snap: Snapshot, ref: str) -> Destination:
    """`cluster:NAME` (its API server), a VM name, an IPv4 address or an FQDN."""
    text = ref.strip()
    if text.lower().startswith("cluster:"):
        return destination_for_cluster(find_cluster(snap, text.split(":", 1)[1]))
    if is_ip(text):
        return Destination(text, ip=text)
    try:
        vm = snap.find_vm(text)
        ip, _ = snap.vm_primary_ip(vm)
        return Destination(vm.name, ip=ip, resource_id=vm.id)
    except AksegressError:
        pass
    try:
        return destination_for_cluster(snap.find_cluster(text))
    except AksegressError:
        pass
    if "." in text:
        return Destination(text, fqdn=text.lower())
    raise AksegressError(f"destination {ref!r} is not a cluster, VM, IP or FQDN",
                         hint=f"use cluster:NAME ({_listing(snap.clusters.values())}), a VM ({_listing(snap.vms.values())}), an IP or an FQDN")


def _listing(items) -> str:
    names = sorted({i.name for i in items})
    return ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "") if names else "(none in the snapshot)"


def _vnet_by_word(snap: Snapshot, word: str):
    """The one VNet whose name holds ``word`` as a dash-separated part (`spoke1` names `vnet-spoke1`), else None."""
    hits = [v for v in snap.vnets.values() if word.lower() in v.name.lower().replace("_", "-").split("-")]
    return hits[0] if len(hits) == 1 else None


def find_cluster(snap: Snapshot, ref: str) -> Cluster:
    """A cluster by name or id, or by its spoke's name as params' `access` entries use it (the VNet holding its nodes)."""
    try:
        return snap.find_cluster(ref)
    except AksegressError:
        vnet = None
        try:
            vnet = snap.find_vnet(ref)
        except AksegressError:
            vnet = _vnet_by_word(snap, ref)
        hits = [c for c in snap.clusters.values() if vnet is not None and any(snap.subnets.get(s) and snap.subnets[s].vnet_id == vnet.id
                                                                              for s in c.node_subnet_ids)]
        if len(hits) == 1:
            return hits[0]
        raise AksegressError(f"no AKS cluster named {ref!r} in the snapshot, nor one in a spoke of that name",
                             hint=f"use one of: {_listing(snap.clusters.values())}") from None


def destination_for_cluster(cluster: Cluster) -> Destination:
    fqdn = cluster.private_fqdn if cluster.private else cluster.fqdn
    if not fqdn:
        raise AksegressError(f"cluster {cluster.name} has no {'private ' if cluster.private else ''}FQDN in the snapshot",
                             hint="include the managedClusters resource as ARM returns it (with privateFQDN)")
    return Destination(f"cluster:{cluster.name}", fqdn=fqdn, cluster=cluster, resource_id=cluster.id)
