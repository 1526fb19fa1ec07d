"""Step 04: the egress rules AKS needs, DNS proxy for FQDN network rules, and spoke DNS settings."""

from __future__ import annotations

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.common import subnet_id
from aksegress.desired.firewall_rules import egress_rules
from aksegress.netmodel import egress_readiness, findings_table
from aksegress.steps import StepSpec


def rule_rows(group_body: dict | None, group_name: str) -> list[dict]:
    rows = []
    for collection in ((group_body or {}).get("properties") or {}).get("ruleCollections") or []:
        for rule in collection.get("rules") or []:
            destinations = (rule.get("fqdnTags") or rule.get("targetFqdns") or rule.get("destinationFqdns")
                            or rule.get("destinationAddresses") or [])
            ports = [f"{p['protocolType']}:{p['port']}" for p in rule.get("protocols") or []] or \
                    [f"{'/'.join(rule.get('ipProtocols') or [])}:{','.join(rule.get('destinationPorts') or [])}"]
            rows.append({"group": group_name, "collection": collection.get("name"), "action": (collection.get("action") or {}).get("type"),
                         "rule": rule.get("name"), "type": rule.get("ruleType"), "sources": ", ".join(rule.get("sourceAddresses") or []),
                         "destinations": ", ".join(destinations), "ports": ", ".join(ports)})
    return rows


def rules_table(step) -> pd.DataFrame:
    """Every rule of the rule collection groups this step owns, one row each."""
    observed = step.observe()
    rows = []
    for d in step.desired():
        if "/rulecollectiongroups/" in d.id.lower():
            rows += rule_rows(observed.get(d.id.lower()), d.name)
    return pd.DataFrame(rows)


def cluster_subnets(params) -> list[tuple[str, str]]:
    return [(key, subnet_id(spoke, spoke.cluster.subnet)) for key, spoke in params.spokes_with_cluster()]


def egress_table(step) -> pd.DataFrame:
    """Every required destination for each cluster subnet: allowed by which rule, or blocked and why."""
    frames = []
    for key, subnet in cluster_subnets(step.params):
        frame = egress_readiness(step.snapshot(), subnet).table.copy()
        frame.insert(0, "spoke", key)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def findings(step) -> pd.DataFrame:
    """What the doctor would flag in the policy and DNS settings (warnings do not fail the step)."""
    return findings_table(step.snapshot())


def checks(step) -> list[Verdict]:
    out = []
    for key, subnet in cluster_subnets(step.params):
        verdict = egress_readiness(step.snapshot(), subnet)
        out.append(Verdict(f"{key} cluster subnet reaches every required AKS destination through the firewall", verdict.ready, verdict.explain()))
    return out


STEP = StepSpec(
    "04", "firewall-rules", "Firewall rules for AKS egress, DNS proxy and spoke DNS",
    desired=egress_rules, tables={"rules": rules_table, "egress readiness": egress_table, "findings": findings}, checks=checks,
)
