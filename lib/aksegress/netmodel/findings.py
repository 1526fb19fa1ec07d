"""Findings that are not one flow: shadowed or over-broad firewall rules, ordering ambiguity, DNS-proxy
prerequisites, zone links nobody can use, peering flags, and egress that bypasses the firewall."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from aksegress.netmodel.dns import policy_dns
from aksegress.netmodel.firewall_decision import compiled_policy
from aksegress.netmodel.matrix import Cell
from aksegress.netmodel.policy import CompiledRule
from aksegress.netmodel.routes import next_hop
from aksegress.netmodel.snapshot import Firewall, Snapshot
from aksegress.netmodel.verdicts import CONFIDENCE_TEXT

_INTERNET_PROBE = "20.0.0.1"


@dataclass
class Finding:
    kind: str
    severity: str  # Error | Warning
    resource: str
    message: str
    confidence: str = "D"
    fix: str = ""

    @property
    def confidence_note(self) -> str:
        return CONFIDENCE_TEXT.get(self.confidence, "")

    def to_dict(self) -> dict:
        return {**asdict(self), "confidence_note": self.confidence_note}


def _covers_ranges(outer, inner) -> bool:
    if outer is None:
        return True
    if inner is None:
        return False
    return all(any(lo <= a and b <= hi for lo, hi in outer) for a, b in inner)


def _covers_protocols(a: CompiledRule, b: CompiledRule) -> bool:
    return "ANY" in a.protocols or b.protocols <= a.protocols


def _fqdn_covered(pattern: str, fqdn: str) -> bool:
    if pattern == "*" or pattern == fqdn:
        return True
    return pattern.startswith("*.") and fqdn.endswith(pattern[1:]) and fqdn != pattern[2:]


def _shadows(a: CompiledRule, b: CompiledRule) -> bool:
    if not _covers_ranges(a.sources, b.sources):
        return False
    if a.phase == "Network" and b.phase == "Network":
        return (_covers_protocols(a, b) and _covers_ranges(a.ports, b.ports) and bool(b.destinations)
                and all(any(p.contains(q) for p in a.destinations) for q in b.destinations))
    if a.phase == "Application" and b.phase == "Application":
        return bool(b.fqdns) and b.app_protocols <= a.app_protocols and all(any(_fqdn_covered(p, f) for p in a.fqdns) for f in b.fqdns)
    if a.phase == "Network" and b.phase == "Application":
        everywhere = any(p.length == 0 for p in a.destinations)
        ports = [(port, port) for _, port in b.app_protocols]
        return everywhere and bool(ports) and ({"ANY", "TCP"} & a.protocols) and _covers_ranges(a.ports, ports)
    return False


def _rule_findings(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    for fw in snap.firewalls.values():
        policy = compiled_policy(snap, fw)
        everywhere = [c for c in policy.rules if c.phase == "Network" and any(p.length == 0 for p in c.destinations)]
        by_fqdn: dict[str, list[CompiledRule]] = {}
        wildcards: list[tuple[str, CompiledRule]] = []
        for c in policy.rules:
            for pattern in c.fqdns if c.phase == "Application" else ():
                if pattern == "*" or pattern.startswith("*."):
                    wildcards.append((pattern, c))
                else:
                    by_fqdn.setdefault(pattern, []).append(c)
        for i, rule in enumerate(policy.rules):
            for problem in rule.problems:
                kind = "fqdn-network-rule-without-dns-proxy" if "DNS proxy" in problem else "unmatchable-rule-part"
                out.append(Finding(kind, "Error" if kind.startswith("fqdn") else "Warning", rule.where, problem,
                                   fix=f"set dnsSettings.enableProxy=true on policy {rule.policy}" if kind.startswith("fqdn") else ""))
            if rule.phase == "Network":
                pool = policy.network_index.all_matches(rule.destinations[0].network) if rule.destinations else []
                candidates = [c for c in pool if c.ordinal < i]
            else:
                first = rule.fqdns[0] if rule.fqdns else None
                covering = [] if first is None else by_fqdn.get(first, []) + [c for p, c in wildcards if _fqdn_covered(p, first)]
                candidates = everywhere + [c for c in covering if c.phase == rule.phase and c.ordinal < i]
            phase_order = {"DNAT": 0, "Network": 1, "Application": 2}
            for earlier in sorted({c.ordinal: c for c in candidates}.values(), key=lambda c: (phase_order[c.phase], c.ordinal)):
                if _shadows(earlier, rule):
                    different = " with a different action" if earlier.action != rule.action else ""
                    out.append(Finding("shadowed-rule", "Warning" if not different else "Error", rule.where,
                                       f"{rule.rule_type} {rule.name} can never match: {earlier.rule_type} {earlier.where} "
                                       f"(evaluated first) already matches all its traffic{different}.",
                                       fix=f"remove {rule.name} or narrow {earlier.name}"))
                    break
            if rule.phase == "Network" and rule.action == "Allow" and rule.ports is None:
                tags = [d for d in rule.raw.get("destinationAddresses") or [] if snap.service_tags.is_tag(d) or d.strip() == "*"]
                if tags:
                    out.append(Finding("broad-rule", "Warning", rule.where,
                                       f"network rule {rule.name} allows every port and protocol to {', '.join(tags)}; "
                                       "a private cluster needs only HTTPS 443 to a few FQDNs (application rules).",
                                       fix=f"replace {rule.name} with application rules for the AKS FQDN tag on Https:443"))
    return out


def _policy_findings(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    by_policy: dict[str, dict[int, list[str]]] = {}
    for rcg in snap.rule_collection_groups.values():
        by_policy.setdefault(rcg["policy_id"], {}).setdefault(int(rcg.get("priority") or 0), []).append(rcg["name"])
    for policy_id, priorities in by_policy.items():
        for priority, names in priorities.items():
            if len(names) > 1:
                out.append(Finding("equal-priority-rule-collection-groups", "Warning", policy_id,
                                   f"rule collection groups {', '.join(sorted(names))} share priority {priority}; Azure documents no "
                                   "tie-break (this model orders them by name).", "C", "give each group a distinct priority"))
    fqdn_rules = any(r.raw.get("destinationFqdns") for fw in snap.firewalls.values() for r in compiled_policy(snap, fw).rules)
    for fw in snap.firewalls.values():
        if not fqdn_rules or not policy_dns(snap, fw.policy_id).get("enableProxy"):
            continue
        for vnet in snap.vnets.values():
            if vnet.id != fw.vnet_id and fw.private_ip not in vnet.dns_servers and any(
                    p.remote_vnet_id == fw.vnet_id for p in (snap.peerings[i] for i in vnet.peering_ids)):
                out.append(Finding("client-dns-not-firewall", "Warning", vnet.id,
                                   f"{vnet.name} does not use the firewall ({fw.private_ip}) as DNS, so names in FQDN network rules "
                                   "may resolve differently for its clients than for the firewall.",
                                   fix=f"set dhcpOptions.dnsServers=['{fw.private_ip}'] on {vnet.name}"))
    return out


def _dns_findings(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    for link in snap.links.values():
        vnet = snap.vnets.get(link.vnet_id)
        zone = snap.zones.get(link.zone_id)
        if vnet is None or zone is None or not vnet.dns_servers:
            continue
        fw = snap.firewall_at(vnet.dns_servers[0])
        hub_linked = fw is not None and any(snap.links[i].vnet_id == fw.vnet_id for i in zone.link_ids)
        where = f"the firewall ({fw.private_ip}); the firewall resolves from {snap.vnets[fw.vnet_id].name}" if fw else \
            f"custom DNS {vnet.dns_servers[0]}"
        tail = "" if hub_linked else f", which has no link to {zone.name} -> NXDOMAIN or a public answer"
        out.append(Finding("unused-zone-link", "Warning" if hub_linked else "Error", link.id,
                           f"zone {zone.name} is linked to {vnet.name}, but {vnet.name}'s DNS server is {where}{tail}.",
                           fix="" if hub_linked or fw is None else f"link zone {zone.name} to {snap.vnets[fw.vnet_id].name}"))
    return out


def _forwarded_traffic_findings(snap: Snapshot, cells: Iterable[Cell]) -> list[Finding]:
    """A VNet's link to a firewall's hub that refuses forwarded traffic, reported only where a flow needs it: a cluster's
    egress through that firewall (its replies from the Internet arrive forwarded), or a flow the firewall allows without
    SNAT (intended, or of unknown intent) whose packets enter the far VNet, and whose replies enter the source VNet,
    with an address from outside the hub."""
    needs: dict[str, list[str]] = {}

    def need(vnet_id: str, firewall: Firewall, flow: str) -> None:
        peering = snap.peering(vnet_id, firewall.vnet_id) if vnet_id and vnet_id != firewall.vnet_id else None
        if peering is not None and not peering.allow_forwarded:
            needs.setdefault(peering.id, []).append(flow)

    for cluster in sorted(snap.clusters.values(), key=lambda c: (c.name, c.id)):
        for subnet in (snap.subnets[s] for s in dict.fromkeys(cluster.node_subnet_ids) if s in snap.subnets):
            hop = next_hop(snap, subnet, _INTERNET_PROBE)
            firewall = snap.firewall_at(hop.next_hop_ip) if hop.next_hop_type == "VirtualAppliance" else None
            if firewall is not None:
                need(subnet.vnet_id, firewall, f"the egress of cluster {cluster.name} (replies from the Internet)")
    for cell in cells:
        result, decision = cell.result, cell.result.firewall
        if cell.intended is False or decision is None or not decision.allowed or decision.snat:
            continue
        firewall = next((snap.firewalls.get(h.resource_id) for h in result.hops if h.type == "VirtualAppliance"), None)
        if firewall is None:
            continue
        flow = f"{cell.source.label} -> {cell.destination.label} {result.protocol}/{result.port}"
        need(snap.vnet_of_ip(decision.upstream_ip or result.destination_ip), firewall, flow)
        if result.delivered:
            need(cell.source.subnet.vnet_id, firewall, f"the replies of {flow}")
    out = []
    for peering_id, flows in needs.items():
        peering = snap.peerings[peering_id]
        named = ", ".join(flows[:3]) + (f" and {len(flows) - 3} more" if len(flows) > 3 else "")
        out.append(Finding("forwarded-traffic-disabled", "Error", peering.id,
                           f"peering {peering.name} has allowForwardedTraffic=false, so {snap.vnets[peering.vnet_id].name} does not "
                           f"accept traffic the hub firewall forwards (documented requirement), which {named} needs. Azure has been "
                           "reported not to enforce this in all cases.", "C", f"set allowForwardedTraffic=true on {peering.name}"))
    return out


def _network_findings(snap: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    gateway_hubs = {g.vnet_id for g in snap.gateways.values()}
    for peering in snap.peerings.values():
        back = snap.peering(peering.remote_vnet_id, peering.vnet_id)
        if peering.remote_vnet_id in gateway_hubs and peering.vnet_id not in gateway_hubs and back is not None and \
                not (peering.use_remote_gateways and back.allow_gateway_transit):
            spoke, hub = snap.vnets[peering.vnet_id].name, snap.vnets[peering.remote_vnet_id].name
            change = " and ".join(([] if back.allow_gateway_transit else [f"allowGatewayTransit=true on {back.name}"])
                                  + ([] if peering.use_remote_gateways else [f"useRemoteGateways=true on {peering.name}"]))
            out.append(Finding("gateway-transit-missing", "Warning", peering.id,
                               f"hub {hub} has a virtual network gateway, but {spoke} does not use it (gateway transit is off), so "
                               f"routes to on-premises do not reach {spoke}.", fix=f"set {change}"))
    for cluster in snap.clusters.values():
        for subnet_id in cluster.node_subnet_ids:
            subnet = snap.subnets.get(subnet_id)
            if subnet and next_hop(snap, subnet, _INTERNET_PROBE).next_hop_type == "Internet":
                out.append(Finding("egress-bypasses-firewall", "Error", subnet.id,
                                   f"node subnet {subnet.name} of cluster {cluster.name} sends 0.0.0.0/0 to the Internet, bypassing the firewall.",
                                   fix="associate a route table with 0.0.0.0/0 -> VirtualAppliance <firewall IP>"))
    return out


def findings(snap: Snapshot, cells: Iterable[Cell] = ()) -> list[Finding]:
    """Every estate-wide finding, errors first; ``cells`` (traced flows joined with intent) are the flows besides the
    clusters' egress that a peering finding may be needed for."""
    found = (_rule_findings(snap) + _policy_findings(snap) + _dns_findings(snap) + _network_findings(snap)
             + _forwarded_traffic_findings(snap, cells))
    return sorted(found, key=lambda f: (f.severity != "Error", f.kind))


def findings_table(snap: Snapshot) -> pd.DataFrame:
    return pd.DataFrame([f.to_dict() for f in findings(snap)],
                        columns=["kind", "severity", "resource", "message", "confidence", "fix", "confidence_note"])
