"""Firewall policy compiled into ordered, indexed rules (parent policy first, then group and collection priority)."""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, field

from aksegress.netmodel.addresses import Prefix, PrefixIndex, int_to_ip, parse_address_set
from aksegress.netmodel.arm_resources import norm_id, props
from aksegress.netmodel.dns import policy_dns, resolve_from_firewall
from aksegress.netmodel.fqdntags import expand_fqdn_tag
from aksegress.netmodel.snapshot import Firewall, Snapshot

ANY = None
_PHASE = {"NatRule": "DNAT", "NetworkRule": "Network", "ApplicationRule": "Application"}


@dataclass
class CompiledRule:
    ordinal: int
    phase: str
    rule_type: str
    policy: str
    group: str
    group_priority: int
    collection: str
    collection_priority: int
    name: str
    action: str
    sources: list[tuple[int, int]] | None
    protocols: frozenset[str]
    ports: list[tuple[int, int]] | None
    destinations: list[Prefix] = field(default_factory=list)
    fqdns: list[str] = field(default_factory=list)
    app_protocols: frozenset[tuple[str, int]] = frozenset()
    problems: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def matches_network(self, src: int, protocol: str, port: int) -> bool:
        return self.source_ok(src) and self.protocol_ok(protocol, port)

    def matches_application(self, src: int, app_protocol: str, port: int) -> bool:
        return self.source_ok(src) and (app_protocol.lower(), port) in self.app_protocols

    def source_ok(self, src: int) -> bool:
        if self.sources is ANY:
            return True
        for lo, hi in self.sources:
            if lo <= src <= hi:
                return True
        return False

    def protocol_ok(self, protocol: str, port: int) -> bool:
        proto = protocol.upper()
        if proto == "ICMP":
            return "ICMP" in self.protocols or ("ANY" in self.protocols and self.ports is ANY)
        if not ({"ANY", proto} & self.protocols):
            return False
        return self.ports is ANY or any(lo <= port <= hi for lo, hi in self.ports)

    @property
    def where(self) -> str:
        return f"{self.policy}/{self.group}/{self.collection}/{self.name}"


@dataclass
class CompiledPolicy:
    name: str
    threat_intel_mode: str
    rules: list[CompiledRule]
    network_index: PrefixIndex
    app_exact: dict[str, list[CompiledRule]]
    app_wildcard: dict[str, list[CompiledRule]]
    app_any: list[CompiledRule]
    nat_rules: list[CompiledRule]

    @property
    def has_application_rules(self) -> bool:
        return bool(self.app_exact or self.app_wildcard or self.app_any)

    candidate_cache: dict = field(default_factory=dict)

    def network_candidates(self, dst: int, protocol: str, port: int) -> list[CompiledRule]:
        """Network rules whose destination contains dst and whose protocols and ports take (protocol, port), in
        evaluation order (cached per address, protocol and port): only their sources are left to check."""
        key = (dst, protocol, port)
        found = self.candidate_cache.get(key)
        if found is None:
            hits = {r.ordinal: r for r in self.network_index.all_matches(dst) if r.protocol_ok(protocol, port)}
            found = self.candidate_cache[key] = [hits[k] for k in sorted(hits)]
        return found

    def application_candidates(self, fqdn: str) -> list[CompiledRule]:
        """Application rules whose destination FQDNs cover fqdn, in evaluation order (cached per name)."""
        found = self.candidate_cache.get(fqdn)
        if found is None:
            found = self.candidate_cache[fqdn] = self._application_candidates(fqdn)
        return found

    def _application_candidates(self, fqdn: str) -> list[CompiledRule]:
        name = fqdn.lower().rstrip(".")
        hits = {r.ordinal: r for r in self.app_exact.get(name, [])}
        labels = name.split(".")
        for i in range(1, len(labels)):
            for rule in self.app_wildcard.get(".".join(labels[i:]), []):
                hits[rule.ordinal] = rule
        for rule in self.app_any:
            hits[rule.ordinal] = rule
        return [hits[k] for k in sorted(hits)]


def _policy_chain(snap: Snapshot, policy_id: str) -> list[dict]:
    chain, seen = [], set()
    while policy_id and policy_id in snap.policies and policy_id not in seen:
        seen.add(policy_id)
        chain.insert(0, snap.policies[policy_id])
        policy_id = norm_id((snap.policies[policy_id].get("basePolicy") or {}).get("id"))
    return chain


def _ip_group(snap: Snapshot, group_id: str) -> list[str] | None:
    res = snap.raw.get(norm_id(group_id))
    return None if res is None else list(props(res).get("ipAddresses") or [])


def _address_ranges(snap: Snapshot, texts: list[str], groups: list[str], problems: list[str]) -> list[tuple[int, int]] | None:
    values = list(texts)
    for gid in groups:
        members = _ip_group(snap, gid)
        if members is None:
            problems.append(f"IP group {gid} is not in the snapshot")
        values.extend(members or [])
    if any(v.strip() == "*" for v in values):
        return ANY
    out = []
    for value in values:
        rng = parse_address_set(value)
        if rng is None:
            problems.append(f"source {value!r} is not an address")
        else:
            out.append(rng)
    return out


def _range_to_prefixes(lo: int, hi: int) -> list[Prefix]:
    size = hi - lo + 1
    if size & (size - 1) == 0 and lo % size == 0:
        return [Prefix(lo, 33 - size.bit_length())]
    nets = ipaddress.summarize_address_range(ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi))
    return [Prefix(int(n.network_address), n.prefixlen) for n in nets]


def _destinations(snap: Snapshot, firewall: Firewall, rule: dict, proxy: bool, problems: list[str]) -> list[Prefix]:
    out: list[Prefix] = []
    values = list(rule.get("destinationAddresses") or [])
    for gid in rule.get("destinationIpGroups") or []:
        members = _ip_group(snap, gid)
        if members is None:
            problems.append(f"IP group {gid} is not in the snapshot")
        values.extend(members or [])
    for value in values:
        if value.strip() == "*":
            out.append(Prefix(0, 0))
            continue
        rng = parse_address_set(value)
        if rng is not None:
            out.extend(_range_to_prefixes(*rng))
            continue
        expanded = snap.service_tags.expand(value)
        if expanded is None:
            problems.append(f"service tag {value!r} is not in the service-tag table ({snap.service_tags.source})")
        else:
            out.extend(expanded)
    for fqdn in rule.get("destinationFqdns") or []:
        if not proxy:
            problems.append(f"FQDN {fqdn!r} in a network rule needs DNS proxy on the policy; the rule cannot match it")
            continue
        if "*" in fqdn:
            problems.append(f"FQDN {fqdn!r}: network rules do not accept wildcards")
            continue
        resolution = resolve_from_firewall(snap, firewall, fqdn)
        out.extend(Prefix.parse(ip + "/32") for ip in resolution.addresses)
    return out


def _ports(values: list) -> list[tuple[int, int]] | None:
    out = []
    for value in values or ["*"]:
        text = str(value).strip()
        if text == "*":
            return ANY
        lo, _, hi = text.partition("-")
        out.append((int(lo), int(hi or lo)))
    return out


def _reusable_rule(snap: Snapshot, firewall: Firewall, rule: dict, base: dict, proxy: bool, context: tuple) -> CompiledRule:
    """The compiled rule, taken from ``snap.shared`` when this very rule object was compiled before in the same
    ``context`` (firewall, DNS proxy setting, collection); a rule that reads other resources (IP groups, FQDNs resolved
    by the firewall) is always compiled afresh."""
    if rule.get("sourceIpGroups") or rule.get("destinationIpGroups") or rule.get("destinationFqdns"):
        return _compile_rule(snap, firewall, rule, base, proxy)
    table = snap.shared.setdefault("compiled-rules", {})
    hit = table.get(id(rule))
    if hit is not None and hit[0] is rule and hit[1] == context:
        compiled = copy.copy(hit[2])
        compiled.ordinal = base["ordinal"]
        return compiled
    compiled = _compile_rule(snap, firewall, rule, base, proxy)
    table[id(rule)] = (rule, context, compiled)
    return compiled


def _compile_rule(snap: Snapshot, firewall: Firewall, rule: dict, base: dict, proxy: bool) -> CompiledRule:
    problems: list[str] = []
    rtype = rule.get("ruleType") or "NetworkRule"
    sources = _address_ranges(snap, list(rule.get("sourceAddresses") or []), list(rule.get("sourceIpGroups") or []), problems)
    compiled = CompiledRule(phase=_PHASE.get(rtype, "Network"), rule_type=rtype, name=rule.get("name", ""), sources=sources,
                            protocols=frozenset(p.upper() for p in rule.get("ipProtocols") or ["ANY"]),
                            ports=_ports(rule.get("destinationPorts")), problems=problems, raw=rule, **base)
    if rtype in ("NetworkRule", "NatRule"):
        compiled.destinations = _destinations(snap, firewall, rule, proxy and rtype == "NetworkRule", problems)
    else:
        compiled.app_protocols = frozenset((str(p.get("protocolType", "")).lower(), int(p.get("port") or 0))
                                           for p in rule.get("protocols") or [])
        fqdns = [f.lower() for f in rule.get("targetFqdns") or []]
        for tag in rule.get("fqdnTags") or []:
            expanded = expand_fqdn_tag(tag)
            if expanded is None:
                problems.append(f"FQDN tag {tag!r} has no offline list; it is treated as matching nothing")
            fqdns.extend(expanded or ())
        compiled.fqdns = fqdns
    return compiled


def compile_policy(snap: Snapshot, firewall: Firewall) -> CompiledPolicy:
    chain = _policy_chain(snap, firewall.policy_id)
    proxy = bool(policy_dns(snap, firewall.policy_id).get("enableProxy"))
    groups = []
    for level, policy in enumerate(chain):
        for rcg in snap.rule_collection_groups.values():
            if rcg["policy_id"] == policy["id"]:
                groups.append((level, int(rcg.get("priority") or 0), rcg["name"].lower(), policy, rcg))
    groups.sort(key=lambda g: g[:3])
    rules: list[CompiledRule] = []
    for _, group_priority, _, policy, rcg in groups:
        collections = sorted(rcg.get("ruleCollections") or [], key=lambda c: (int(c.get("priority") or 0), c.get("name", "")))
        for rc in collections:
            action = (rc.get("action") or {}).get("type") or ("Dnat" if "Nat" in rc.get("ruleCollectionType", "") else "Deny")
            base = {"policy": policy["name"], "group": rcg["name"], "group_priority": group_priority,
                    "collection": rc.get("name", ""), "collection_priority": int(rc.get("priority") or 0), "action": action}
            context = (firewall.id, proxy, *base.values())
            for rule in rc.get("rules") or []:
                rules.append(_reusable_rule(snap, firewall, rule, {**base, "ordinal": len(rules)}, proxy, context))
    network_index, app_exact, app_wildcard, app_any, nat = PrefixIndex(), {}, {}, [], []
    for rule in rules:
        if rule.phase == "Network":
            for prefix in rule.destinations:
                network_index.add(prefix, rule)
        elif rule.phase == "DNAT":
            nat.append(rule)
        else:
            for fqdn in rule.fqdns:
                if fqdn == "*":
                    app_any.append(rule)
                elif fqdn.startswith("*."):
                    app_wildcard.setdefault(fqdn[2:], []).append(rule)
                else:
                    app_exact.setdefault(fqdn, []).append(rule)
    policy = chain[-1] if chain else {"name": "(no policy)"}
    return CompiledPolicy(policy.get("name", ""), policy.get("threatIntelMode") or "Alert", rules, network_index,
                          app_exact, app_wildcard, app_any, nat)


def describe_destinations(rule: CompiledRule) -> str:
    return ", ".join(str(p) if p.length < 32 else int_to_ip(p.network) for p in rule.destinations[:5])
