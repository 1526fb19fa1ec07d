"""Egress readiness of a cluster's node subnets: every required AKS destination traced through routes and firewall."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from aksegress.netmodel.addresses import Prefix, is_private
from aksegress.netmodel.fixes import hub_firewall_for
from aksegress.netmodel.fqdntags import required_private_cluster_rows
from aksegress.netmodel.locate import Destination, source_for_subnet
from aksegress.netmodel.routes import next_hop
from aksegress.netmodel.snapshot import Cluster, RouteTable, Snapshot, Subnet
from aksegress.netmodel.trace import trace
from aksegress.netmodel.verdicts import DELIVERED

PASS, FAIL, BYPASS = "PASS", "FAIL", "BYPASSES_FIREWALL"


@dataclass(frozen=True)
class Bypass:
    """A way out of a cluster subnet that does not pass the firewall: which subnet, how, and the change that closes it."""

    subnet: str
    kind: str  # no-route-table | default-route-not-to-firewall | specific-route-around-firewall
    detail: str
    fix: str

    def to_dict(self) -> dict:
        return {"subnet": self.subnet, "kind": self.kind, "detail": self.detail, "fix": self.fix}


def _table_to_firewall(snap: Snapshot, subnet: Subnet, fw_ip: str) -> RouteTable | None:
    """A route table sending 0.0.0.0/0 to the firewall, preferring one a sibling subnet already uses."""
    siblings = [snap.subnets[s].route_table_id for s in snap.vnets[subnet.vnet_id].subnet_ids if s in snap.subnets]
    good = [t for t in snap.route_tables.values()
            if any(r.address_prefix == "0.0.0.0/0" and r.next_hop_type == "VirtualAppliance" and r.next_hop_ip == fw_ip for r in t.routes)]
    return next((t for t in good if t.id in siblings), None)


def bypasses(snap: Snapshot, subnet: Subnet) -> list[Bypass]:
    """Every route of the subnet that takes Internet-bound traffic around the hub firewall (docs/private-aks-egress.md)."""
    where = f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}"
    firewall = hub_firewall_for(snap, subnet)
    fw_ip = firewall.private_ip if firewall else "<firewall private IP>"
    table = snap.route_tables.get(subnet.route_table_id)
    default = next_hop(snap, subnet, "20.0.0.1")
    out: list[Bypass] = []
    if table is None:
        known = _table_to_firewall(snap, subnet, fw_ip)
        change = f"associate route table {known.name} with subnet {where}" if known else \
            f"associate a route table holding 0.0.0.0/0 -> VirtualAppliance {fw_ip} with subnet {where}"
        out.append(Bypass(where, "no-route-table", f"subnet {where} has no route table, so 0.0.0.0/0 takes the system route "
                          f"to the Internet (next hop {default.next_hop_type}), around the firewall.", change))
    elif (zero := next((r for r in table.routes if r.address_prefix == "0.0.0.0/0"), None)) is None or \
            zero.next_hop_type != "VirtualAppliance" or (firewall and zero.next_hop_ip != fw_ip):
        hop = f"{zero.next_hop_type} {zero.next_hop_ip}".strip() if zero else f"{default.next_hop_type} (no 0.0.0.0/0 route in the table)"
        out.append(Bypass(where, "default-route-not-to-firewall", f"route table {table.name} on {where} sends 0.0.0.0/0 to {hop}, "
                          "not to the firewall.", f"set route 0.0.0.0/0 -> VirtualAppliance {fw_ip} in route table {table.name}"))
    for route in table.routes if table else []:
        if route.address_prefix in ("", "0.0.0.0/0") or ":" in route.address_prefix:
            continue
        prefix = Prefix.parse(route.address_prefix)
        around = route.next_hop_type == "Internet" or (route.next_hop_type == "VirtualAppliance" and route.next_hop_ip != fw_ip)
        if around and not is_private(prefix.network):
            out.append(Bypass(where, "specific-route-around-firewall",
                              f"route {route.name} in {table.name} sends {route.address_prefix} to {route.next_hop_type}"
                              f"{' ' + route.next_hop_ip if route.next_hop_ip else ''}, more specific than 0.0.0.0/0 and around the firewall.",
                              f"remove route {route.name} from route table {table.name} (or point it at VirtualAppliance {fw_ip})"))
    return out


@dataclass
class EgressReadiness:
    """Whether a cluster subnet can reach every required destination through the firewall."""

    subject: str
    subnets: list[str]
    ready: bool
    bypassing_subnets: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list, repr=False)
    bypasses: list[Bypass] = field(default_factory=list)

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per probe traced (built when first read: the health check of many subnets reads only the verdicts)."""
        return pd.DataFrame(self.rows)

    def explain(self) -> str:
        if self.ready:
            return f"{self.subject}: every required egress destination passes through the firewall."
        parts = [f"{self.subject}: not ready."]
        if self.bypassing_subnets:
            parts.append(f"Egress from {', '.join(self.bypassing_subnets)} goes straight to the Internet (0.0.0.0/0 -> Internet), "
                         "bypassing the firewall; AKS rejects outboundType=userDefinedRouting with such a route.")
        parts += [f"Bypass: {b.detail} Fix: {b.fix}." for b in self.bypasses]
        if self.missing:
            parts.append(f"Blocked or unrouted: {', '.join(self.missing)}.")
        return " ".join(parts)

    def to_dict(self) -> dict:
        return {"subject": self.subject, "subnets": self.subnets, "ready": self.ready, "bypassing_subnets": self.bypassing_subnets,
                "missing": self.missing, "bypasses": [b.to_dict() for b in self.bypasses], "explanation": self.explain(),
                "rows": self.table.to_dict(orient="records")}


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
    rows, bypass, missing, around = [], [], [], []
    for subnet in subnets:
        where = f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}"
        default = next_hop(snap, subnet, "20.0.0.1")
        if default.next_hop_type == "Internet":
            bypass.append(where)
        around += bypasses(snap, subnet)
        source = source_for_subnet(snap, subnet)
        for row in required_private_cluster_rows(include_conditional):
            for probe in _probes(row, region):
                result = trace(snap, source, Destination(probe, fqdn=probe.lower()), row["port"], "UDP" if row["protocol"] == "UDP" else "TCP")
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
    return EgressReadiness(label, [f"{snap.vnets[s.vnet_id].name}/{s.name}" for s in subnets], not bypass and not missing and not around,
                           bypass, list(dict.fromkeys(missing)), rows, around)


def _subject(snap: Snapshot, ref: str):
    from aksegress.errors import AksegressError

    try:
        return snap.find_subnet(ref)
    except AksegressError:
        return snap.find_cluster(ref)
