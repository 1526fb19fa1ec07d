"""Which cells of the intent matrix a set of changed resources can affect, so a plan's impact retraces only those.

Conservative by construction: whatever this cannot bound (a firewall, a gateway, the hub's VNet, a rule with IP
groups or tags) widens the scope, up to every cell (None).
"""

from __future__ import annotations

from functools import lru_cache

from aksegress.netmodel.addresses import Prefix, ip_to_int, is_ip
from aksegress.netmodel.arm_resources import norm_id, props, ref_id, type_from_id
from aksegress.netmodel.snapshot import Snapshot

__all__ = ["affected_pairs"]

_VNET_CHILD = "/virtualnetworks/"


def affected_pairs(before: Snapshot, after: Snapshot, changed: list[str], sources: dict, destinations: dict) -> set[tuple[str, str]] | None:
    """The (source spoke, cluster spoke) pairs whose trace may differ between ``before`` and ``after``; None: all of them."""
    vnets: set[str] = set()
    clusters: set[str] = set()
    rules: list[dict] = []
    for rid in (norm_id(c) for c in changed):
        kind = type_from_id(rid).lower()
        if kind in ("microsoft.network/azurefirewalls", "microsoft.network/virtualnetworkgateways", "microsoft.network/firewallpolicies"):
            return None
        if kind == "microsoft.network/firewallpolicies/rulecollectiongroups":
            rules += _changed_rules(before.raw.get(rid), after.raw.get(rid))
        elif kind.startswith("microsoft.network/virtualnetworks"):
            vnets.add(_vnet(rid))
            for snap in (before, after):
                remote = ref_id(props(snap.raw.get(rid) or {}).get("remoteVirtualNetwork"))
                if remote:
                    vnets.add(remote)
        elif kind.startswith("microsoft.network/routetables") or kind.startswith("microsoft.network/networksecuritygroups"):
            owner = rid.split("/routes/")[0].split("/securityrules/")[0]
            vnets |= {s.vnet_id for snap in (before, after) for s in snap.subnets.values() if owner in (s.route_table_id, s.nsg_id)}
            vnets |= {_vnet(sub) for snap in (before, after) for n in snap.nics.values() if n.nsg_id == owner for _, sub in n.ips}
        elif kind in ("microsoft.network/networkinterfaces", "microsoft.compute/virtualmachines", "microsoft.network/privateendpoints"):
            vnets |= _vnets_of(before, rid) | _vnets_of(after, rid)
        elif kind == "microsoft.network/privatednszones/virtualnetworklinks":
            vnets |= {ref_id(props(snap.raw.get(rid) or {}).get("virtualNetwork")) for snap in (before, after)} - {""}
        elif kind.startswith("microsoft.network/privatednszones"):
            zone = rid.split("/privatednszones/")[1].split("/")[0]
            clusters |= {k for k, t in destinations.items() if t is not None and (t.fqdn or "").lower().endswith(zone)}
        elif kind == "microsoft.containerservice/managedclusters":
            clusters |= {k for k, t in destinations.items() if t is not None and norm_id(t.resource_id) == rid}
        else:
            return None
    if any(_hosts_firewall(snap, v) for v in vnets for snap in (before, after)):
        return None
    by_source = {k for k, src in sources.items() if src is None or src.subnet.vnet_id in vnets}
    by_destination = {k for k, dst in destinations.items() if dst is None or k in clusters or _destination_vnet(dst) in vnets}
    out = {(a, b) for a in sources for b in destinations if a in by_source or b in by_destination}
    for rule in rules:
        matched_sources = [k for k, src in sources.items() if src is not None and _source_may_match(rule, src)]
        matched_destinations = [k for k, dst in destinations.items() if dst is not None and _destination_may_match(rule, dst)]
        out |= {(a, b) for a in matched_sources for b in matched_destinations}
    return out


def _vnet(rid: str) -> str:
    marker = rid.find(_VNET_CHILD)
    return rid[: rid.find("/", marker + len(_VNET_CHILD))] if rid.find("/", marker + len(_VNET_CHILD)) > 0 else rid


def _vnets_of(snap: Snapshot, rid: str) -> set[str]:
    """The VNets a NIC, VM or private endpoint sits in."""
    raw = snap.raw.get(rid)
    if raw is None:
        return set()
    nic_ids = [rid] if rid in snap.nics else [ref_id(n) for n in (props(raw).get("networkProfile") or {}).get("networkInterfaces") or []]
    found = {_vnet(sub) for n in nic_ids if n in snap.nics for _, sub in snap.nics[n].ips}
    subnet = ref_id(props(raw).get("subnet"))
    return found | ({_vnet(subnet)} if subnet else set())


def _hosts_firewall(snap: Snapshot, vnet_id: str) -> bool:
    return any(fw.vnet_id == vnet_id for fw in snap.firewalls.values()) or any(g.vnet_id == vnet_id for g in snap.gateways.values())


def _destination_vnet(destination) -> str:
    subnets = destination.cluster.node_subnet_ids if destination.cluster is not None else []
    return _vnet(subnets[0]) if subnets else ""


def _changed_rules(before: dict | None, after: dict | None) -> list[dict]:
    """The rules of a rule collection group that were added, removed or changed (all of a collection whose order or action moved)."""
    def collections(group):
        if group is None:
            return {}
        return {c.get("name"): c for c in props(group).get("ruleCollections") or []}

    if before is not None and after is not None and props(before).get("priority") != props(after).get("priority"):
        return [r for g in (before, after) for c in collections(g).values() for r in c.get("rules") or []]
    old, new = collections(before), collections(after)
    out = []
    for name in set(old) | set(new):
        a, b = old.get(name) or {}, new.get(name) or {}
        head = ("priority", "action", "ruleCollectionType")
        if any(a.get(k) != b.get(k) for k in head):
            out += list(a.get("rules") or []) + list(b.get("rules") or [])
            continue
        rules_a = {r.get("name"): r for r in a.get("rules") or []}
        rules_b = {r.get("name"): r for r in b.get("rules") or []}
        out += [r for n in set(rules_a) | set(rules_b) if rules_a.get(n) != rules_b.get(n) for r in (rules_a.get(n), rules_b.get(n)) if r]
    return out


def _source_may_match(rule: dict, source) -> bool:
    if rule.get("ruleType") == "NatRule" or rule.get("sourceIpGroups"):
        return True
    return _address_may_contain(rule.get("sourceAddresses") or ["*"], source.ip)


def _destination_may_match(rule: dict, destination) -> bool:
    if rule.get("ruleType") == "NatRule" or rule.get("destinationIpGroups") or rule.get("fqdnTags"):
        return True
    if rule.get("ruleType") == "ApplicationRule":
        return any(_fqdn_match(f, destination.fqdn) for f in rule.get("targetFqdns") or ["*"])
    fqdns = rule.get("destinationFqdns") or []
    return any(_fqdn_match(f, destination.fqdn) for f in fqdns) or _address_may_contain(rule.get("destinationAddresses") or ([] if fqdns else ["*"]),
                                                                                     destination.ip)


def _address_may_contain(texts: list[str], ip: str) -> bool:
    if not ip or not is_ip(ip):
        return True
    value = ip_to_int(ip)
    for text in texts:
        prefix = _prefix(text)
        if prefix is None or prefix.contains_ip(value):
            return True
    return False


@lru_cache(maxsize=65536)
def _prefix(text: str) -> Prefix | None:
    """A rule's address as a prefix; None for what this cannot bound (a tag, a range, '*')."""
    try:
        return Prefix.parse(text if "/" in text else f"{text}/32")
    except (ValueError, TypeError):
        return None


def _fqdn_match(pattern: str, fqdn: str) -> bool:
    pattern, fqdn = (pattern or "").lower().rstrip("."), (fqdn or "").lower().rstrip(".")
    if not fqdn or pattern == "*":
        return True
    return fqdn == pattern or (pattern.startswith("*.") and fqdn.endswith(pattern[1:]))
