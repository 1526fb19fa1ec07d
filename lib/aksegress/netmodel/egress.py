"""Egress readiness of a cluster's node subnets: every required AKS destination traced through routes and firewall."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from aksegress.netmodel.fqdntags import required_private_cluster_rows
from aksegress.netmodel.locate import Target, source_for_subnet
from aksegress.netmodel.routes import next_hop
from aksegress.netmodel.snapshot import Cluster, Snapshot, Subnet
from aksegress.netmodel.trace import trace
from aksegress.netmodel.verdicts import DELIVERED

PASS, FAIL, BYPASS = "PASS", "FAIL", "BYPASSES_FIREWALL"


@dataclass
class EgressReadiness:
    """Whether a cluster subnet can reach every required destination through the firewall."""

    subject: str
    subnets: list[str]
    ready: bool
    bypassing_subnets: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def explain(self) -> str:
        if self.ready:
            return f"{self.subject}: every required egress destination passes through the firewall."
        parts = [f"{self.subject}: not ready."]
        if self.bypassing_subnets:
            parts.append(f"Egress from {', '.join(self.bypassing_subnets)} goes straight to the Internet (0.0.0.0/0 -> Internet), "
                         "bypassing the firewall; AKS rejects outboundType=userDefinedRouting with such a route.")
        if self.missing:
            parts.append(f"Blocked or unrouted: {', '.join(self.missing)}.")
        return " ".join(parts)

    def to_dict(self) -> dict:
        return {"subject": self.subject, "subnets": self.subnets, "ready": self.ready, "bypassing_subnets": self.bypassing_subnets,
                "missing": self.missing, "explanation": self.explain(), "rows": self.table.to_dict(orient="records")}


def _probes(row: dict, region: str) -> list[str]:
    names = row.get("probes") or row["destinations"]
    return [n.replace("<region>", region or "eastus") for n in names]


def egress_readiness(snap: Snapshot, subject: Cluster | Subnet | str, include_conditional: bool = True) -> EgressReadiness:
    """Trace each `private: yes` row of the AKS egress table (and NTP, conditional) from each node subnet."""
    if isinstance(subject, str):
        subject = snap.find_cluster(subject[8:]) if subject.lower().startswith("cluster:") else _subject(snap, subject)
    if isinstance(subject, Cluster):
        subnets, label, region = [snap.subnets[s] for s in dict.fromkeys(subject.node_subnet_ids) if s in snap.subnets], \
            f"cluster {subject.name}", subject.location
    else:
        subnets, label, region = [subject], f"subnet {snap.vnets[subject.vnet_id].name}/{subject.name}", snap.vnets[subject.vnet_id].location
    rows, bypass, missing = [], [], []
    for subnet in subnets:
        where = f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}"
        default = next_hop(snap, subnet, "20.0.0.1")
        if default.next_hop_type == "Internet":
            bypass.append(where)
        source = source_for_subnet(snap, subnet)
        for row in required_private_cluster_rows(include_conditional):
            for probe in _probes(row, region):
                result = trace(snap, source, Target(probe, fqdn=probe.lower()), row["port"], "UDP" if row["protocol"] == "UDP" else "TCP")
                via_fw = result.via_firewall
                status = (BYPASS if not via_fw else PASS) if result.disposition == DELIVERED else FAIL
                required = row["private"] == "yes"
                if status != PASS and required:
                    missing.append(f"{probe}:{row['port']} ({result.disposition if status == FAIL else BYPASS})")
                rows.append({"subnet": where, "id": row["id"], "destination": ", ".join(row["destinations"]), "probe": probe,
                             "protocol": row["protocol"], "port": row["port"], "required": "yes" if required else "conditional",
                             "status": status, "disposition": result.disposition, "via_firewall": via_fw,
                             "rule": result.rule,
                             "reason": result.reason, "fix": result.fix.sentence() if result.fix else None})
    table = pd.DataFrame(rows)
    return EgressReadiness(label, [f"{snap.vnets[s.vnet_id].name}/{s.name}" for s in subnets], not bypass and not missing,
                           bypass, list(dict.fromkeys(missing)), table)


def _subject(snap: Snapshot, ref: str):
    from aksegress.errors import AksegressError

    try:
        return snap.find_subnet(ref)
    except AksegressError:
        return snap.find_cluster(ref)
