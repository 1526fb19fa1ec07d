"""Azure Firewall policy evaluation (docs/network-behaviour.md#4-azure-firewall): what the firewall does with one flow.

Order: threat intel, DNAT, network, application, default deny; parent policy groups before the child's, then
group priority, then collection priority; the first matching rule decides with its collection's action.
Rules are compiled once per policy and indexed by destination (prefix or FQDN), so a decision looks only at
the rules that could match.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from aksegress.netmodel.addresses import IANA_PRIVATE_RANGES, Prefix, ip_to_int, is_private
from aksegress.netmodel.dns import policy_dns, resolve_from_firewall
from aksegress.netmodel.policy import CompiledPolicy, CompiledRule, compile_policy
from aksegress.netmodel.snapshot import Firewall, Snapshot


@dataclass(frozen=True)
class Flow:
    """One connection attempt as the firewall sees it. `fqdn` is the SNI/Host the client sends, if any."""

    source_ip: str
    destination_ip: str
    protocol: str = "TCP"
    port: int = 443
    fqdn: str = ""

    @property
    def app_protocol(self) -> str:
        if self.protocol.upper() != "TCP" or not self.fqdn:
            return ""
        return {443: "Https", 80: "Http", 1433: "Mssql"}.get(self.port, "")


@dataclass
class FirewallDecision:
    """The verdict in Azure Firewall log vocabulary (policy, rule collection group, rule collection, rule, action)."""

    firewall: str
    flow: Flow
    action: str
    phase: str  # ThreatIntel | DNAT | Network | Application | Default
    policy: str = ""
    rule_collection_group: str = ""
    rule_collection: str = ""
    rule: str = ""
    rule_type: str = ""
    snat: bool = False
    snat_reason: str = ""
    upstream_ip: str = ""
    notes: list[str] = field(default_factory=list)
    confidence: str = "D"

    @property
    def allowed(self) -> bool:
        return self.action == "Allow"

    def explain(self) -> str:
        f = self.flow
        destination = f"{f.destination_ip}:{f.port}" + (f" ({f.fqdn})" if f.fqdn else "")
        head = f"Firewall {self.firewall}: {f.protocol} {f.source_ip} -> {destination}: {self.action}."
        if self.phase == "Default":
            body = " No rule matched, so the default action (deny) applies."
        else:
            body = (f" {self.rule_type} '{self.rule}' in rule collection '{self.rule_collection}' of group "
                    f"'{self.rule_collection_group}' (policy {self.policy}) matched first.")
        snat = f" SNAT: {'yes' if self.snat else 'no'} ({self.snat_reason})." if self.allowed else ""
        notes = "".join(f" {n}" for n in self.notes)
        return head + body + snat + notes

    def to_dict(self) -> dict:
        out = asdict(self)
        out["explanation"] = self.explain()
        return out


def compiled_policy(snap: Snapshot, firewall: Firewall) -> CompiledPolicy:
    key = ("fw-policy", firewall.id)
    policy = snap.cache.get(key)
    if policy is None:
        policy = snap.cache[key] = compile_policy(snap, firewall)
    return policy


def private_ranges(snap: Snapshot, policy_id: str) -> tuple[Prefix, ...]:
    """The policy's SNAT private ranges (cached per policy)."""
    key = ("snat-ranges", policy_id)
    cached = snap.cache.get(key)
    if cached is None:
        policy = snap.policies.get(policy_id) or {}
        texts = (policy.get("snat") or {}).get("privateRanges") or ["IANAPrivateRanges"]
        out: list[Prefix] = []
        for text in texts:
            out.extend(Prefix.parse(p) for p in IANA_PRIVATE_RANGES) if text.lower() == "ianaprivateranges" else out.append(Prefix.parse(text))
        cached = snap.cache[key] = tuple(out)
    return cached


def decide(snap: Snapshot, firewall: Firewall, flow: Flow) -> FirewallDecision:
    """Evaluate the firewall's policy for one flow (not cached: a matrix never asks about the same flow twice, and
    the rules it may match are already looked up by destination)."""
    policy = compiled_policy(snap, firewall)
    notes: list[str] = []
    if policy.threat_intel_mode.lower() == "deny":
        notes.append("Threat intelligence is in Deny mode; no feed is available offline, so no flow is matched by it.")
    src, dst = ip_to_int(flow.source_ip), ip_to_int(flow.destination_ip)
    for rule in policy.nat_rules:
        if any(p.contains_ip(dst) for p in rule.destinations) and rule.matches_network(src, flow.protocol, flow.port):
            decision = FirewallDecision(firewall.name, flow, "Dnat", "DNAT", rule.policy, rule.group, rule.collection,
                                        rule.name, rule.rule_type, notes=notes)
            decision.upstream_ip = f"{rule.raw.get('translatedAddress') or rule.raw.get('translatedFqdn')}:{rule.raw.get('translatedPort')}"
            return decision
    for rule in policy.network_candidates(dst, flow.protocol, flow.port):
        if rule.source_ok(src):
            return _verdict(snap, firewall, flow, rule, notes)
    app = flow.app_protocol
    if app:
        for rule in policy.application_candidates(flow.fqdn):
            if rule.matches_application(src, app, flow.port):
                return _verdict(snap, firewall, flow, rule, notes)
    elif flow.fqdn and flow.protocol.upper() == "TCP":
        notes.append(f"Port {flow.port} is not an application-rule protocol port, so application rules were not consulted.")
    elif not flow.fqdn and policy.has_application_rules:
        notes.append("The client sent no host name (SNI), so no application rule can match.")
    return FirewallDecision(firewall.name, flow, "Deny", "Default", policy=policy.name, notes=notes)


def _verdict(snap: Snapshot, firewall: Firewall, flow: Flow, rule: CompiledRule, notes: list[str]) -> FirewallDecision:
    decision = FirewallDecision(firewall.name, flow, rule.action, rule.phase, rule.policy, rule.group, rule.collection,
                                rule.name, rule.rule_type, notes=list(notes))
    if not decision.allowed:
        return decision
    if rule.phase == "Application":
        resolution = resolve_from_firewall(snap, firewall, flow.fqdn)
        decision.snat, decision.snat_reason = True, f"application rules always SNAT to the firewall's private IP {firewall.private_ip}"
        decision.upstream_ip = resolution.addresses[0] if resolution.ok else ""
        if not resolution.ok:
            decision.notes.append(f"The firewall cannot resolve {flow.fqdn} from its own DNS view: {'; '.join(resolution.chain)}.")
        elif decision.upstream_ip != flow.destination_ip:
            decision.notes.append(f"The firewall resolves {flow.fqdn} to {decision.upstream_ip}, not {flow.destination_ip}, "
                                  "and connects there (application rules ignore the packet's destination IP; [C] for plain HTTPS).")
            decision.confidence = "C"
        return decision
    ranges = private_ranges(snap, firewall.policy_id)
    dst = ip_to_int(flow.destination_ip)
    if is_private(dst, ranges):
        decision.snat_reason = f"destination {flow.destination_ip} is inside the policy's SNAT private ranges"
    else:
        decision.snat = True
        decision.snat_reason = f"destination {flow.destination_ip} is outside the SNAT private ranges"
    decision.upstream_ip = flow.destination_ip
    return decision


def dns_proxy_enabled(snap: Snapshot, firewall: Firewall) -> bool:
    return bool(policy_dns(snap, firewall.policy_id).get("enableProxy"))
