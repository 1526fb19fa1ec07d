"""The second pass: values checked against each other (containment, overlaps, references), on whichever
sections passed the first pass, so one load reports problems from both."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

from aksegress.addressing import contained_in_any, overlapping_pairs, overlaps
from aksegress.params.models import AKS_RESERVED_RANGES, FIREWALL_SUBNET, GATEWAY_SUBNET, NO_NSG_SUBNETS, READ_FROM_AZURE, AccessRule, Hub, Site, Spoke

Problem = tuple[str, str]


def _site_problems(owner: str, path: str, site: Site) -> list[Problem]:
    problems = []
    spaces = site.vnet.address_space
    for _, a, _, b in overlapping_pairs((str(n), n) for n in spaces):
        problems.append((f"{path}.vnet.address_space", f"{b} overlaps {a} in the same VNet"))
    for name, prefix in site.subnets.items():
        if not contained_in_any(prefix, spaces):
            problems.append((f"{path}.subnets.{name}", f"{prefix} lies outside {owner}'s VNet address space "
                             f"({', '.join(map(str, spaces))}); pick a block inside it"))
    for a, net_a, b, net_b in overlapping_pairs(site.subnets.items()):
        problems.append((f"{path}.subnets.{b}", f"{net_b} overlaps subnet {a} ({net_a}); subnets of a VNet "
                         "must not overlap"))
    if site.subnet_nsg and not site.nsg_subnets():
        problems.append((f"{path}.subnet_nsg", f"true, but none of {owner}'s subnets ({', '.join(site.subnets)}) may have a network "
                         f"security group: Azure refuses one on {', '.join(sorted(NO_NSG_SUBNETS))}, and a landing zone's "
                         "Deny-Subnet-Without-Nsg policy leaves them out; remove subnet_nsg here"))
    return problems



def _sized_subnet(subnets: dict[str, IPv4Network], name: str, largest_prefix: int, why: str) -> list[Problem]:
    path = f"hub.subnets.{name}"
    if name not in subnets:
        near = [k for k in subnets if k.lower() == name.lower()]
        hint = f" (found {near[0]!r}: the name is case-sensitive)" if near else ""
        return [(path, f"missing: {why} needs a subnet named exactly {name}, /{largest_prefix} or larger{hint}")]
    if subnets[name].prefixlen > largest_prefix:
        return [(path, f"{subnets[name]} is too small: {why} needs /{largest_prefix} or larger, e.g. "
                 f"{subnets[name].supernet(new_prefix=largest_prefix)}")]
    return []


def _given(hub: Hub, dotted: str) -> bool:
    """Whether the params file itself sets hub field ``dotted`` (a default does not count)."""
    holder, *rest = dotted.split(".")
    if not rest:
        return holder in hub.model_fields_set
    return holder in hub.model_fields_set and rest[0] in getattr(hub, holder).model_fields_set


def _existing_hub_problems(hub: Hub) -> list[Problem]:
    return [(f"hub.{field}", "an existing hub's owners decide this and the runbook reads it from Azure (hub.existing: true); "
             "remove it from the params") for field in READ_FROM_AZURE if _given(hub, field)]


def _hub_problems(hub: Hub) -> list[Problem]:
    if hub.existing:
        return _existing_hub_problems(hub)
    problems = [(f"hub.{field}", "only an existing hub takes it; set hub.existing: true to join a hub someone else owns, "
                 "or remove it") for field in ("writes",) if hub.writes]
    if not hub.vnet.address_space:
        problems.append(("hub.vnet.address_space", "required key is missing: a hub the environment builds needs its address "
                         "space (or set hub.existing: true to join a hub that exists)"))
    if not hub.subnets:
        problems.append(("hub.subnets", "required key is missing: a hub the environment builds needs AzureFirewallSubnet "
                         "(or set hub.existing: true to join a hub that exists)"))
        return problems
    problems += _sized_subnet(hub.subnets, FIREWALL_SUBNET, 26, "Azure Firewall")
    if hub.vpn_gateway:
        problems += _sized_subnet(hub.subnets, GATEWAY_SUBNET, 27, "a VPN gateway")
    return problems


def _cluster_problems(key: str, spoke: Spoke, sites: list[tuple[str, Site]]) -> list[Problem]:
    cluster, path = spoke.cluster, f"spokes.{key}.cluster"
    assert cluster is not None
    problems = []
    if cluster.subnet not in spoke.subnets:
        problems.append((f"{path}.subnet", f"{cluster.subnet!r} is not a subnet of {key}; use one of: "
                         f"{', '.join(spoke.subnets)}"))
    svc = cluster.service_cidr
    hits = [f"{owner}'s address space {n}" for owner, s in sites for n in s.vnet.address_space if overlaps(svc, n)]
    hits = hits or [f"{owner}'s subnet {name} ({n})" for owner, s in sites for name, n in s.subnets.items()
                    if overlaps(svc, n)]
    if hits:
        problems.append((f"{path}.service_cidr", f"{svc} overlaps {', '.join(hits)}; the service CIDR must not "
                         "overlap any VNet or subnet the cluster can reach"))
    reserved = [str(r) for r in AKS_RESERVED_RANGES if overlaps(svc, r)]
    if reserved:
        problems.append((f"{path}.service_cidr", f"{svc} overlaps {', '.join(reserved)}, which AKS reserves"))
    ip, example = cluster.dns_service_ip, svc[10] if svc.num_addresses > 11 else svc[2]
    if ip not in svc:
        problems.append((f"{path}.dns_service_ip", f"{ip} is outside service_cidr {svc}; pick an address inside it, "
                         f"e.g. {example}"))
    elif ip in (svc.network_address, svc.broadcast_address):
        problems.append((f"{path}.dns_service_ip", f"{ip} is the network or broadcast address of {svc}; "
                         f"use e.g. {example}"))
    elif ip == svc[1]:
        problems.append((f"{path}.dns_service_ip", f"{ip} is the first address of {svc}, which the kubernetes API "
                         f"service takes; use e.g. {example}"))
    return problems


def _spoke_problems(key: str, spoke: Spoke, hub: Hub | None, sites: list[tuple[str, Site]]) -> list[Problem]:
    path = f"spokes.{key}"
    problems = []
    if spoke.dns == "firewall" and hub is not None and not hub.existing and not hub.firewall.dns_proxy:
        problems.append((f"{path}.dns", "'firewall' needs hub.firewall.dns_proxy: true (the spoke's DNS servers "
                         "would point at a firewall that does not answer DNS); set it or use dns: azure"))
    if spoke.dns == "firewall" and spoke.cluster:
        problems.append((f"{path}.dns", "'firewall' on a spoke with a cluster fails the cluster's create (node bootstrap "
                         "exit 52, K8SAPIServerDNSLookupFailVMExtensionError): the nodes would ask the firewall, whose "
                         "hub VNet is not linked to the cluster's private zone until step 08, and AKS needs that link "
                         "before the cluster exists (docs/private-aks-egress.md#5-private-cluster-dns); use dns: azure "
                         "on cluster spokes, dns: firewall only on spokes without a cluster"))
    if spoke.test_vm and spoke.test_vm.subnet not in spoke.subnets:
        problems.append((f"{path}.test_vm.subnet", f"{spoke.test_vm.subnet!r} is not a subnet of {key}; use one of: "
                         f"{', '.join(spoke.subnets)}"))
    if spoke.cluster:
        problems += _cluster_problems(key, spoke, sites)
        for n in spoke.vnet.address_space:
            for r in AKS_RESERVED_RANGES:
                if overlaps(n, r):
                    problems.append((f"{path}.vnet.address_space", f"{n} overlaps {r}, which AKS clusters may "
                                     "not use for their VNet"))
    return problems


def _access_problems(declared: dict[str, set[str]], spokes: dict[str, Spoke], access: list[tuple[int, AccessRule]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    known = ", ".join(declared) or "none"
    for i, rule in access:
        path = f"access[{i}]"
        for role, name in (("from", rule.from_), ("cluster", rule.cluster)):
            if name not in declared:
                problems.append((f"{path}.{role}", f"{name!r} is not a spoke; known spokes: {known}"))
        if rule.from_ == rule.cluster:
            problems.append((f"{path}.from", f"from and cluster both name {rule.cluster!r}; access is between two "
                             "different spokes (inside its own VNet a cluster needs no firewall rule)"))
        cluster_spoke, source = spokes.get(rule.cluster), spokes.get(rule.from_)
        if cluster_spoke is not None and cluster_spoke.cluster is None and "cluster" not in declared[rule.cluster]:
            with_cluster = ", ".join(k for k, s in spokes.items() if s.cluster) or "none"
            problems.append((f"{path}.cluster", f"spoke {rule.cluster!r} has no cluster; spokes with one: {with_cluster}"))
        if source is not None and source.test_vm is None and "test_vm" not in declared[rule.from_]:
            problems.append((f"{path}.from", f"spoke {rule.from_!r} has no test_vm; access is verified from that VM, "
                             f"so add spokes.{rule.from_}.test_vm"))
        pair = (rule.from_, rule.cluster)
        if pair in seen:
            problems.append((path, f"repeats access[{seen[pair]}]"))
        seen.setdefault(pair, i)
    return problems


def relation_problems(environment: Any, confirm: Any, hub: Hub | None, declared: dict[str, set[str]],
                      spokes: dict[str, Spoke], access: list[tuple[int, AccessRule]], api_access_rule: Any = None) -> list[Problem]:
    problems: list[Problem] = []
    if hub is not None and hub.existing and api_access_rule == "network_snat":
        problems.append(("api_access_rule", "'network_snat' sets SNAT on the hub's policy, which an existing hub's owners decide; "
                         "use application, or network when the hub's policy already forces SNAT"))
    if confirm is not None and isinstance(environment, str) and confirm != environment:
        problems.append(("confirm_teardown", f"must equal environment {environment!r} (got {confirm!r}); "
                         "it confirms which environment a teardown may delete"))
    sites: list[tuple[str, Site]] = ([("hub", hub)] if hub else []) + list(spokes.items())
    paths = {owner: "hub" if owner == "hub" else f"spokes.{owner}" for owner, _ in sites}
    for owner, site in sites:
        if not (owner == "hub" and hub is not None and hub.existing):
            problems += _site_problems(owner, paths[owner], site)
    if hub:
        problems += _hub_problems(hub)
    spaces = [(owner, n) for owner, s in sites for n in s.vnet.address_space]
    reported = set()
    for a, net_a, b, net_b in overlapping_pairs(spaces):
        if a != b and (a, b) not in reported:
            reported.add((a, b))
            problems.append((f"{paths[b]}.vnet.address_space", f"{net_b} overlaps {a}'s address space {net_a}; "
                             "peered VNets need disjoint address spaces"))
    seen_vnets: dict[tuple[str, str, str], str] = {}
    for owner, s in sites:
        slot = (s.subscription_id, s.resource_group.lower(), s.vnet.name.lower())
        if slot in seen_vnets:
            problems.append((f"{paths[owner]}.vnet.name", f"{s.vnet.name!r} is already {seen_vnets[slot]}'s VNet in "
                             f"the same subscription and resource group; give it another name"))
        seen_vnets.setdefault(slot, owner)
    for key, spoke in spokes.items():
        problems += _spoke_problems(key, spoke, hub, sites)
    return problems + _access_problems(declared, spokes, access)
