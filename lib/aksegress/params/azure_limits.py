"""Checks that make a green rehearsal mean Azure takes the same params: node subnets big enough for Azure CNI,
names still valid once the runbook composes them, versions and VM sizes AKS offers, names that would clash
(docs/private-aks-egress.md#10-limits-azure-checks-before-it-builds)."""

from __future__ import annotations

from aksegress import aks_catalog as aks
from aksegress import naming
from aksegress.addressing import azure_usable_count
from aksegress.aks_catalog import Catalog, minor_of, offline_catalog
from aksegress.params.models import FIREWALL_SUBNET, GATEWAY_SUBNET, Cluster, Hub, Site, Spoke

Problem = tuple[str, str]
_RESERVED_SUBNETS = (FIREWALL_SUBNET, GATEWAY_SUBNET)


def addresses_needed(cluster: Cluster, others_in_subnet: int = 0) -> int:
    """Addresses the node subnet must have free: (nodes + one upgrade surge node) x (max pods + 1), plus the
    private API endpoint and whatever else the runbook puts in that subnet."""
    max_pods = cluster.max_pods or aks.AZURE_CNI_DEFAULT_MAX_PODS
    return (cluster.node_count + 1) * (max_pods + 1) + 1 + others_in_subnet


def _capacity(key: str, spoke: Spoke) -> list[Problem]:
    cluster, path = spoke.cluster, f"spokes.{key}"
    assert cluster is not None
    problems = []
    prefix = spoke.subnets.get(cluster.subnet)
    max_pods = cluster.max_pods or aks.AZURE_CNI_DEFAULT_MAX_PODS
    if prefix is not None:
        vm_here = 1 if spoke.test_vm and spoke.test_vm.subnet == cluster.subnet else 0
        need, usable = addresses_needed(cluster, vm_here), azure_usable_count(prefix)
        if need > usable:
            bits = next((b for b in range(prefix.prefixlen, 7, -1) if 2 ** (32 - b) - 5 >= need), 8)
            problems.append((f"{path}.subnets.{cluster.subnet}", (
                f"{prefix} has {usable} usable addresses but cluster {cluster.name} needs {need} with Azure CNI: "
                f"({cluster.node_count} node(s) + 1 upgrade surge) x ({max_pods} max pods + 1) + 1 private API endpoint"
                + (" + 1 test VM" if vm_here else "") + f"; use a /{bits} or larger, or lower node_count or max_pods")))
    if cluster.node_count * max_pods < aks.SYSTEM_POOL_MIN_PODS:
        problems.append((f"{path}.cluster.max_pods", f"{cluster.node_count} node(s) x {max_pods} pods is below the "
                         f"{aks.SYSTEM_POOL_MIN_PODS} pods AKS requires of a system pool; raise max_pods or node_count"))
    return problems


def catalog_problems(spokes: dict[str, Spoke], catalog: Catalog, complete: bool) -> list[Problem]:
    """Versions and sizes against ``catalog``; when it is not ``complete`` (the dated list, on Azure), what it does
    not know is left to step 00's check against the live lists."""
    dated = f"{catalog.source_short} (as of {catalog.as_of})"
    problems = []
    for key, spoke in spokes.items():
        cluster, path = spoke.cluster, f"spokes.{key}.cluster"
        if cluster and cluster.kubernetes_version:
            version, known = cluster.kubernetes_version, catalog.kubernetes_minors
            minor = minor_of(version)
            older = bool(known) and tuple(int(x) for x in minor.split(".")) < tuple(int(x) for x in known[0].split("."))
            if minor not in known and (older or complete):
                why = "is out of standard support" if older else "is not offered"
                problems.append((f"{path}.kubernetes_version", f"{version!r}: Kubernetes {minor} {why} by AKS per {dated}; "
                                 f"use one of {', '.join(known)} or leave it out for AKS's default"))
            elif minor in known and version != minor and catalog.patches and version not in catalog.patches:
                problems.append((f"{path}.kubernetes_version", f"{version!r} is not a patch AKS offers per {dated}; use "
                                 f"{minor} (AKS picks the latest patch) or one of {', '.join(sorted(v for v in catalog.patches if minor_of(v) == minor))}"))
        if cluster:
            size = catalog.vm_size(cluster.vm_size)
            if size is None and complete:
                problems.append((f"{path}.vm_size", f"{cluster.vm_size!r} is not a VM size in {dated}; use e.g. Standard_D2s_v5 "
                                 "or Standard_D4s_v5" + ("" if catalog.live else " (target azure checks the live list instead)")))
            elif size is not None and (size.vcpus < aks.SYSTEM_POOL_MIN_VCPUS or size.memory_gb < aks.SYSTEM_POOL_MIN_MEMORY_GB):
                problems.append((f"{path}.vm_size", f"{size.name} has {size.vcpus} vCPU(s) and {size.memory_gb:g} GB; an AKS "
                                 f"system pool needs at least {aks.SYSTEM_POOL_MIN_VCPUS} vCPUs and {aks.SYSTEM_POOL_MIN_MEMORY_GB} GB, "
                                 "e.g. Standard_D2s_v5"))
        if spoke.test_vm and complete and catalog.vm_size(spoke.test_vm.size) is None:
            problems.append((f"spokes.{key}.test_vm.size", f"{spoke.test_vm.size!r} is not a VM size in {dated}; use e.g. Standard_B2s"))
    return problems


def _composed_names(hub: Hub | None, spokes: dict[str, Spoke]) -> list[Problem]:
    problems = []
    if hub is not None:
        owners = [("hub.firewall.name", hub.firewall.name)] + ([("hub.vpn_gateway.name", hub.vpn_gateway.name)] if hub.vpn_gateway else [])
        for path, owner in owners:
            pip = naming.public_ip_name(owner)
            broken = naming.name_problems("public_ip", pip)
            if broken:
                problems.append((path, f"its public IP would be named {pip!r}, which " + "; ".join(broken) + "; shorten the name"))
        for key, spoke in spokes.items():
            for local, remote in ((hub, spoke), (spoke, hub)):
                peering = naming.peering_name(local.vnet.name, remote.vnet.name)
                broken = naming.name_problems("peering", peering)
                if broken:
                    problems.append((f"spokes.{key}.vnet.name", f"the peering {peering!r} " + "; ".join(broken)
                                     + "; shorten this VNet's or the hub's VNet name"))
                    break
    for key, spoke in spokes.items():
        if spoke.cluster:
            broken = naming.dns_prefix_problems(spoke.cluster.name)
            if broken:
                problems.append((f"spokes.{key}.cluster.name", f"{spoke.cluster.name!r} is also the cluster's dnsPrefix, which "
                                 + "; ".join(broken) + "; e.g. " + repr(spoke.cluster.name.replace("_", "-")[:54].strip("-"))))
    return problems


def _collisions(hub: Hub | None, spokes: dict[str, Spoke]) -> list[Problem]:
    problems = []
    sites: list[tuple[str, Site]] = ([("hub", hub)] if hub else []) + list(spokes.items())
    for owner, site in sites:
        path, seen = "hub" if owner == "hub" else f"spokes.{owner}", {}
        for name in site.subnets:
            if name.lower() in seen:
                problems.append((f"{path}.subnets.{name}", f"differs from subnet {seen[name.lower()]!r} only by case; Azure "
                                 "names are case-insensitive, so both name one subnet; rename one"))
            seen.setdefault(name.lower(), name)
    if hub is not None and hub.vpn_gateway and hub.vpn_gateway.name.lower() == hub.firewall.name.lower():
        problems.append(("hub.vpn_gateway.name", f"{hub.vpn_gateway.name!r} is also the firewall's name; both would get "
                         f"the public IP {naming.public_ip_name(hub.firewall.name)!r}; give the gateway another name"))
    placed: dict[tuple[str, str, str, str], str] = {}
    for key, spoke in spokes.items():
        for role, item in (("cluster", spoke.cluster), ("test_vm", spoke.test_vm)):
            if item is None:
                continue
            if item.subnet in _RESERVED_SUBNETS:
                problems.append((f"spokes.{key}.{role}.subnet", f"{item.subnet} is reserved for Azure "
                                 f"{'Firewall' if item.subnet == FIREWALL_SUBNET else 'VPN gateways'}; put the {role.replace('_', ' ')} "
                                 "in a subnet of its own"))
            slot = (role, spoke.subscription_id, spoke.resource_group.lower(), item.name.lower())
            if slot in placed:
                problems.append((f"spokes.{key}.{role}.name", f"{item.name!r} is already {placed[slot]}'s {role.replace('_', ' ')} "
                                 "in the same subscription and resource group; give it another name or resource group"))
            placed.setdefault(slot, key)
    return problems


def azure_limit_problems(target: object, hub: Hub | None, spokes: dict[str, Spoke]) -> list[Problem]:
    """Every way these sections break a limit Azure enforces at create time."""
    problems = _composed_names(hub, spokes) + _collisions(hub, spokes)
    for key, spoke in spokes.items():
        if spoke.cluster:
            problems += _capacity(key, spoke)
    return problems + catalog_problems(spokes, offline_catalog(), complete=target != "azure")
