"""The estate's health check: the reachability matrix against intent, egress readiness of every cluster subnet,
and estate findings, in one report whose differences from intent come first.

Pure: cells come in already joined with intent (``matrix.matrix_cells`` or ``aksegress.intent.reachability``);
this module knows nothing of params, notebooks or the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aksegress.netmodel.egress import Bypass, EgressReadiness, egress_readiness
from aksegress.netmodel.findings import Finding, findings
from aksegress.netmodel.matrix import Cell
from aksegress.netmodel.snapshot import Snapshot
from aksegress.netmodel.verdicts import ASYMMETRIC_RETURN


def cell_fix(cell: Cell) -> str | None:
    """The change that moves this cell towards intent: open an intended flow that fails, close an unintended one that
    is delivered; nothing for a cell that is as intended or whose intent is unknown and delivered."""
    result = cell.result
    if cell.intended is None:
        return result.fix.sentence() if result.fix and not result.delivered else None
    if cell.intended == result.delivered:
        return None
    if not result.delivered:
        return result.fix.sentence() if result.fix else None
    if result.rule:
        return f"remove or narrow firewall rule {result.rule}, which lets {cell.source.label} reach {cell.destination.label} against the params' intent"
    if not result.via_firewall:
        return (f"route {cell.source.label}'s traffic to {result.destination_ip or cell.destination.label} through the firewall "
                "(a route table with 0.0.0.0/0 -> VirtualAppliance) so its policy decides it")
    return f"deny {cell.source.ip} -> {result.destination_ip} in the firewall policy"


@dataclass
class SubnetEgress:
    """Egress readiness of one cluster node subnet."""

    cluster: str
    subnet: str
    ready: bool
    bypasses: list[Bypass] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"cluster": self.cluster, "subnet": self.subnet, "ready": self.ready, "bypasses": [b.to_dict() for b in self.bypasses],
                "missing": self.missing}


@dataclass
class HealthReport:
    """One health check: cells (with intent), egress per cluster subnet, findings, and what could not be checked."""

    cells: list[Cell]
    intent_known: bool
    egress: list[SubnetEgress]
    findings: list[Finding]
    skipped: list[str] = field(default_factory=list)

    def cell_differs(self, cell: Cell) -> bool:
        return self.intent_known and cell.intended != cell.result.delivered

    @property
    def ok(self) -> bool:
        """Every cell as intended (when intent is known) and every cluster subnet ready for egress."""
        return not any(self.cell_differs(c) for c in self.cells) and all(e.ready for e in self.egress)

    def egress_problems(self) -> list[dict]:
        """Each bypass, then each subnet whose required destinations are blocked (beyond what a bypass explains), with the fix."""
        out = []
        for egress in self.egress:
            for bypass in egress.bypasses:
                out.append({"kind": "egress-bypass", "subject": bypass.subnet, "verdict": "bypasses the firewall", "disposition": bypass.kind,
                            "reason": bypass.detail, "fix": bypass.fix})
            blocked = [m for m in egress.missing if not (egress.bypasses and m.endswith("(BYPASSES_FIREWALL)"))]
            if blocked:
                out.append({"kind": "egress-blocked", "subject": egress.subnet, "verdict": "egress not ready", "disposition": "BLOCKED",
                            "reason": f"cluster {egress.cluster}: blocked or unrouted: {', '.join(blocked)}", "fix": None})
        return out


def finding_dict(f: Finding) -> dict:
    return {"kind": f.kind, "severity": f.severity, "resource": f.resource, "message": f.message, "fix": f.fix or None, "confidence": f.confidence}


def subnet_egress(snap: Snapshot) -> list[SubnetEgress]:
    """Egress readiness of each node subnet of each cluster in the snapshot, clusters by name (the same order whatever
    order the resources were read in)."""
    out = []
    for cluster in sorted(snap.clusters.values(), key=lambda c: (c.name, c.id)):
        for subnet_id in dict.fromkeys(cluster.node_subnet_ids):
            subnet = snap.subnets.get(subnet_id)
            if subnet is None:
                continue
            verdict: EgressReadiness = egress_readiness(snap, subnet)
            out.append(SubnetEgress(cluster.name, verdict.subnets[0], verdict.ready, verdict.bypasses, verdict.missing))
    return out


def _cell_findings(cells: list[Cell]) -> list[Finding]:
    """Asymmetric return paths seen by the matrix: an error where the flow is intended, else a warning."""
    return [Finding("asymmetric-return", "Error" if c.intended else "Warning", c.destination.resource_id or c.destination.label,
                    f"{c.source.label} -> {c.destination.label}: {c.result.reason}", fix=cell_fix(c) or "")
            for c in cells if c.result.disposition == ASYMMETRIC_RETURN]


def health_report(snap: Snapshot, cells: list[Cell], *, intent_known: bool, skipped: list[str] | None = None) -> HealthReport:
    """The health check of ``snap`` over ``cells``; intent of each cell is the caller's (``intent_known=False``: unknown)."""
    found = sorted(findings(snap, cells) + _cell_findings(cells), key=lambda f: (f.severity != "Error", f.kind))
    return HealthReport(cells, intent_known, subnet_egress(snap), found, list(skipped or []))
