"""Offline connectivity model of an Azure hub-and-spoke estate, built from ARM JSON (no SDK calls, no HTTP).

Questions: `resolve` (DNS), `effective_routes_table` / `next_hop` (routing), `decide` (Azure Firewall),
`trace` (one flow end to end, with a fix), `egress_readiness` (AKS required egress), `reachability_matrix`,
and `findings` (estate-wide problems).
"""

from aksegress.netmodel.dns import Resolution, resolve, resolve_from_firewall
from aksegress.netmodel.egress import EgressReadiness, egress_readiness
from aksegress.netmodel.findings import Finding, findings, findings_table
from aksegress.netmodel.firewall_decision import FirewallDecision, Flow, decide
from aksegress.netmodel.matrix import reachability_matrix
from aksegress.netmodel.routes import NextHop, Route, effective_routes, effective_routes_table, next_hop
from aksegress.netmodel.snapshot import Snapshot
from aksegress.netmodel.trace import trace
from aksegress.netmodel.verdicts import DISPOSITIONS, Fix, Hop, Issue, TraceResult

__all__ = ["DISPOSITIONS", "EgressReadiness", "Finding", "FirewallDecision", "Fix", "Flow", "Hop", "Issue", "NextHop",
           "Resolution", "Route", "Snapshot", "TraceResult", "decide", "effective_routes", "effective_routes_table",
           "egress_readiness", "findings", "findings_table", "next_hop", "reachability_matrix", "resolve",
           "resolve_from_firewall", "trace"]
