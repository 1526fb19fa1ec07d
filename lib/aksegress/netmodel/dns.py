"""Name resolution as Azure does it from a VNet or NIC (docs/network-behaviour.md#3-private-dns).

Server chain: NIC DNS servers, else the VNet's, else Azure DNS (168.63.129.16). Azure DNS answers from the
private zones linked to the resolving VNet (longest suffix wins, and it is authoritative), else publicly.
A firewall with DNS proxy on resolves from its own VNet (the hub). Public answers are synthetic (see
addresses.synthetic_public_ip) because the real address is unknown offline.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from aksegress.netmodel.addresses import AZURE_DNS, synthetic_public_ip
from aksegress.netmodel.snapshot import Firewall, NetworkInterface, Snapshot, VNet, Zone

_READY_LINK_STATES = {"completed", "done", "succeeded"}


@dataclass
class Resolution:
    """The answer to one query and the chain of servers and zones that produced it."""

    name: str
    status: str  # NOERROR | NXDOMAIN | SERVFAIL
    addresses: list[str] = field(default_factory=list)
    synthetic: bool = False
    failure: str = ""  # "" | DNS_NXDOMAIN | DNS_LINK_PENDING | DNS_SERVER_UNREACHABLE
    resolved_in_vnet: str = ""
    zone_id: str = ""
    link_id: str = ""
    chain: list[str] = field(default_factory=list)
    confidence: str = "D"
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "NOERROR" and bool(self.addresses)

    def explain(self) -> str:
        answer = ", ".join(self.addresses) + (" (synthetic public address)" if self.synthetic else "") if self.ok else self.status
        return f"{self.name} -> {answer}: " + "; ".join(self.chain)

    def to_dict(self) -> dict:
        return asdict(self)

    def behind(self, steps: tuple[str, ...]) -> "Resolution":
        """The same answer reached through ``steps`` first (a plain copy of the fields, cheaper than ``dataclasses.replace``:
        one is made per VNet and name)."""
        copy = object.__new__(Resolution)
        copy.__dict__.update(self.__dict__)
        copy.chain = [*steps, *self.chain]
        return copy


def policy_dns(snap: Snapshot, policy_id: str) -> dict:
    """DNS settings in force for a firewall policy: its own, else inherited from its base policy (FW-DNS)."""
    seen = set()
    while policy_id and policy_id not in seen:
        seen.add(policy_id)
        policy = snap.policies.get(policy_id) or {}
        if policy.get("dnsSettings"):
            return policy["dnsSettings"]
        policy_id = (policy.get("basePolicy") or {}).get("id", "").lower()
    return {}


def resolve(snap: Snapshot, name: str, *, vnet: VNet | str | None = None, nic: NetworkInterface | None = None) -> Resolution:
    """Resolve `name` as a VM in `vnet` (or behind `nic`, whose DNS servers come first) would."""
    if nic is not None and vnet is None:
        vnet = snap.vnets[snap.subnets[nic.ips[0][1]].vnet_id]
    vnet_obj = vnet if isinstance(vnet, VNet) else snap.find_vnet(vnet)
    servers = tuple((nic.dns_servers if nic and nic.dns_servers else None) or vnet_obj.dns_servers or [AZURE_DNS])
    origin = "NIC" if nic and nic.dns_servers else ("VNet" if vnet_obj.dns_servers else "default")
    key = ("dns", servers, vnet_obj.id, name.lower())
    hit = snap.cache.get(key)
    if hit is None:
        hit = snap.cache[key] = _via_servers(snap, name.lower().rstrip("."), servers, vnet_obj, origin, depth=0)
    return hit


def resolve_from_firewall(snap: Snapshot, firewall: Firewall, name: str) -> Resolution:
    """What the firewall itself gets for `name` (app rules, FQDN network rules): its policy DNS, from its VNet."""
    key = ("dns-fw", firewall.id, name.lower())
    hit = snap.cache.get(key)
    if hit is None:
        settings = policy_dns(snap, firewall.policy_id)
        upstream = tuple(settings.get("servers") or [AZURE_DNS])
        hub = snap.vnets[firewall.vnet_id]
        hit = _via_servers(snap, name.lower().rstrip("."), upstream, hub, f"firewall {firewall.name}", depth=1)
        hit.chain.insert(0, f"firewall {firewall.name} resolves with its own DNS settings from {hub.name}")
        snap.cache[key] = hit
    return hit


def _via_servers(snap: Snapshot, name: str, servers: tuple[str, ...], vnet: VNet, origin: str, depth: int) -> Resolution:
    first = servers[0]
    if first == AZURE_DNS:
        result = _azure_dns(snap, name, vnet)
        result.chain.insert(0, f"{vnet.name} uses Azure DNS ({origin} setting)")
        return result
    firewall = snap.firewall_at(first)
    if firewall is not None:
        return _via_firewall(snap, name, firewall, vnet, depth)
    nic = snap.nic_at(first)
    if nic is not None and depth < 3:
        server_vnet = snap.vnets[snap.subnets[nic.ips[0][1]].vnet_id]
        result = _via_servers(snap, name, (AZURE_DNS,), server_vnet, "custom server forwarder", depth + 1)
        result.chain.insert(0, f"{vnet.name} uses custom DNS {first} ({nic.name}); assumed to forward to Azure DNS from {server_vnet.name}")
        result.confidence = "C"
        return result
    return Resolution(name, "SERVFAIL", failure="DNS_SERVER_UNREACHABLE", resolved_in_vnet=vnet.id, confidence="?",
                      chain=[f"{vnet.name} uses DNS server {first}, which is not an address in the snapshot"],
                      fix=f"point {vnet.name} dhcpOptions.dnsServers at a server the snapshot knows, or include that server")


def _via_firewall(snap: Snapshot, name: str, firewall: Firewall, vnet: VNet, depth: int) -> Resolution:
    key = ("dns-to-fw", vnet.id, firewall.id)
    reach = snap.cache.get(key)
    if reach is None:
        reach = snap.cache[key] = _firewall_reachable(snap, firewall, vnet)
    steps, unreachable, fix = reach
    if unreachable:
        return Resolution(name, "SERVFAIL", failure="DNS_SERVER_UNREACHABLE", resolved_in_vnet=vnet.id, chain=list(steps), fix=fix)
    result = resolve_from_firewall(snap, firewall, name) if depth == 0 else _azure_dns(snap, name, snap.vnets[firewall.vnet_id])
    return result.behind(steps)


def _firewall_reachable(snap: Snapshot, firewall: Firewall, vnet: VNet) -> tuple[tuple[str, ...], bool, str]:
    """Whether a VNet's queries reach the firewall's DNS proxy, the same for every name: (chain steps, unreachable, fix)."""
    from aksegress.netmodel.routes import peering_connected

    step = f"{vnet.name} uses DNS server {firewall.private_ip} (firewall {firewall.name})"
    if not policy_dns(snap, firewall.policy_id).get("enableProxy"):
        return ((step, "DNS proxy is off on its policy, so nothing listens on port 53"), True,
                f"set dnsSettings.enableProxy=true on firewall policy {_policy_name(snap, firewall)}")
    if vnet.id != firewall.vnet_id and not peering_connected(snap, vnet.id, firewall.vnet_id):
        hub = snap.vnets[firewall.vnet_id].name
        return (step, f"{vnet.name} is not peered (Connected) with {hub}"), True, f"connect the peering between {vnet.name} and {hub}"
    return (step, "DNS proxy on"), False, ""


def _policy_name(snap: Snapshot, firewall: Firewall) -> str:
    return (snap.policies.get(firewall.policy_id) or {}).get("name") or firewall.policy_id or "(no policy)"


def linked_zones(snap: Snapshot, vnet_id: str) -> dict[str, tuple[Zone, object]]:
    """Zone name to (zone, link) for every private zone linked to the VNet (resolution or registration)."""
    key = ("linked-zones", vnet_id)
    table = snap.cache.get(key)
    if table is None:
        table = {}
        for link in snap.links.values():
            if link.vnet_id == vnet_id and link.zone_id in snap.zones:
                zone = snap.zones[link.zone_id]
                table[zone.name] = (zone, link)
        snap.cache[key] = table
    return table


def _azure_dns(snap: Snapshot, name: str, vnet: VNet) -> Resolution:
    labels = name.split(".")
    linked = linked_zones(snap, vnet.id)
    for i in range(len(labels) - 1):
        hit = linked.get(".".join(labels[i:]))
        if hit is None:
            continue
        zone, link = hit
        relative = ".".join(labels[:i]) or "@"
        if link.state.lower() not in _READY_LINK_STATES:
            return Resolution(name, "SERVFAIL", failure="DNS_LINK_PENDING", resolved_in_vnet=vnet.id, zone_id=zone.id,
                              link_id=link.id, chain=[f"zone {zone.name} is linked to {vnet.name} but link {link.name} is {link.state}"],
                              fix=f"wait for link {link.name} of zone {zone.name} to reach Completed")
        addresses = zone.records.get(relative)
        if addresses:
            return Resolution(name, "NOERROR", list(addresses), resolved_in_vnet=vnet.id, zone_id=zone.id, link_id=link.id,
                              chain=[f"private zone {zone.name} (linked to {vnet.name}) has A {relative} -> {', '.join(addresses)}"])
        if zone.name.startswith("privatelink.") and link.resolution_policy.lower() == "nxdomainredirect":
            result = _public(snap, name, vnet)
            result.chain.insert(0, f"zone {zone.name} has no record {relative}; link policy NxDomainRedirect falls back to public DNS")
            return result
        return Resolution(name, "NXDOMAIN", failure="DNS_NXDOMAIN", resolved_in_vnet=vnet.id, zone_id=zone.id, link_id=link.id,
                          confidence="C", chain=[f"private zone {zone.name} (linked to {vnet.name}) is authoritative and has no record {relative}"],
                          fix=f"add an A record {relative} to zone {zone.name}")
    return _public(snap, name, vnet)


def _covering_zone(snap: Snapshot, name: str) -> Zone | None:
    labels = name.split(".")
    for i in range(len(labels) - 1):
        zones = snap.zones_named(".".join(labels[i:]))
        if zones:
            return zones[0]
    return None


def _public(snap: Snapshot, name: str, vnet: VNet) -> Resolution:
    zone = _covering_zone(snap, name)
    if zone is not None and not (zone.name.startswith("privatelink.") and not zone.name.endswith("azmk8s.io")):
        chain = [f"no private zone linked to {vnet.name} covers {name}",
                 f"public DNS has no record: {name} lives only in private zone {zone.name}"]
        return Resolution(name, "NXDOMAIN", failure="DNS_NXDOMAIN", resolved_in_vnet=vnet.id, zone_id=zone.id, chain=chain,
                          fix=f"link zone {zone.name} to {vnet.name}")
    address = synthetic_public_ip(name)
    return Resolution(name, "NOERROR", [address], synthetic=True, resolved_in_vnet=vnet.id,
                      chain=[f"no private zone linked to {vnet.name} covers {name}; public answer (synthetic)"])
