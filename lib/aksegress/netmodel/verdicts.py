"""Result shapes shared by trace, egress and doctor: dispositions, hops in Network Watcher style, fixes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DELIVERED = "DELIVERED"
DNS_NXDOMAIN = "DNS_NXDOMAIN"
DNS_LINK_PENDING = "DNS_LINK_PENDING"
DNS_SERVER_UNREACHABLE = "DNS_SERVER_UNREACHABLE"
NULL_ROUTED = "NULL_ROUTED"
WRONG_NEXT_HOP = "WRONG_NEXT_HOP"
NO_ROUTE = "NO_ROUTE"
PEERING_NOT_CONNECTED = "PEERING_NOT_CONNECTED"
PEERING_ACCESS_DISABLED = "PEERING_ACCESS_DISABLED"
FORWARDED_TRAFFIC_NOT_ALLOWED = "FORWARDED_TRAFFIC_NOT_ALLOWED"
DENIED_BY_FIREWALL = "DENIED_BY_FIREWALL"
DENIED_BY_NSG = "DENIED_BY_NSG"
ASYMMETRIC_RETURN = "ASYMMETRIC_RETURN"
INSUFFICIENT_INFO = "INSUFFICIENT_INFO"

DISPOSITIONS = (DELIVERED, DNS_NXDOMAIN, DNS_LINK_PENDING, DNS_SERVER_UNREACHABLE, NULL_ROUTED, WRONG_NEXT_HOP, NO_ROUTE,
                PEERING_NOT_CONNECTED, PEERING_ACCESS_DISABLED, FORWARDED_TRAFFIC_NOT_ALLOWED, DENIED_BY_FIREWALL,
                DENIED_BY_NSG, ASYMMETRIC_RETURN, INSUFFICIENT_INFO)

CONFIDENCE_TEXT = {
    "D": "",
    "O": "",
    "C": "This verdict rests on a rule known only from community or field reports [C]; treat it as likely, not certain.",
    "?": "This verdict rests on a rule the reference marks unresolved [?]; confirm it with a live probe.",
}
_ORDER = {"D": 0, "O": 0, "C": 1, "?": 2}
_DEFINITE = frozenset(("D", "", "O"))


def weakest(*marks: str) -> str:
    """The weakest confidence mark among ``marks`` ("D" when all are documented or observed); asked several times per trace."""
    worst, rank, definite = "D", -1, True
    for mark in marks:
        if mark not in _DEFINITE:
            definite = False
        if mark and _ORDER.get(mark, 0) > rank:
            worst, rank = mark, _ORDER.get(mark, 0)
    return "D" if definite else worst


@dataclass
class Issue:
    """A problem found at a hop: origin Inbound/Outbound/Local, severity Error/Warning, a type and key/value context."""

    origin: str
    severity: str
    type: str
    context: dict[str, str] = field(default_factory=dict)


@dataclass
class Hop:
    """One hop, like Network Watcher connection troubleshoot: type, address, resource id, what matched, issues."""

    type: str
    address: str
    resource_id: str
    matched: str = ""
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Fix:
    """The smallest change that would make the flow pass: which resource, which property, and what to set."""

    resource: str
    property: str
    change: str
    why: str = ""
    alternatives: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        return self.change + (f" ({self.why})" if self.why else "")


@dataclass
class TraceResult:
    """The verdict for one flow: disposition, the path, the rules that matched, and the fix."""

    source: str
    destination: str
    protocol: str
    port: int
    disposition: str
    reason: str
    source_ip: str = ""
    destination_ip: str = ""
    fqdn: str = ""
    dns: Any = None
    hops: list[Hop] = field(default_factory=list)
    firewall: Any = None
    fix: Fix | None = None
    confidence: str = "D"
    warnings: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return self.disposition == DELIVERED

    @property
    def confidence_note(self) -> str:
        return CONFIDENCE_TEXT.get(self.confidence, "")

    def explain(self) -> str:
        parts = [f"{self.source} -> {self.destination} {self.protocol}/{self.port}: {self.disposition}. {self.reason}"]
        if self.fix:
            parts.append(f"Fix: {self.fix.sentence()}")
        if self.confidence_note:
            parts.append(self.confidence_note)
        return " ".join(parts)

    @property
    def rule(self) -> str | None:
        """`collection/rule` of the firewall rule that decided, if a rule did."""
        fw = self.firewall
        return f"{fw.rule_collection}/{fw.rule}" if fw is not None and fw.rule else None

    @property
    def via_firewall(self) -> bool:
        return any(h.type == "VirtualAppliance" for h in self.hops)

    def to_dict(self) -> dict:
        dns, fw = self.dns, self.firewall
        self.dns = self.firewall = None
        try:
            out = asdict(self)
        finally:
            self.dns, self.firewall = dns, fw
        out["dns"] = dns.to_dict() if dns is not None else None
        out["firewall"] = fw.to_dict() if fw is not None else None
        out["delivered"] = self.delivered
        out["confidence_note"] = self.confidence_note
        out["explanation"] = self.explain()
        return out
