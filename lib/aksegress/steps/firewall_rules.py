"""Step 04: the egress rules AKS needs, DNS proxy for FQDN network rules, and spoke DNS settings."""

from __future__ import annotations

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.firewall_rules import egress_rules
from aksegress.egress_table import egress_readiness_table, readiness_by_spoke
from aksegress.netmodel import findings_table
from aksegress.rule_table import rules_table
from aksegress.steps.spec import StepSpec


def egress_table(step) -> pd.DataFrame:
    """Every required destination for each cluster subnet: allowed by which rule, or blocked and why."""
    return egress_readiness_table(step.params, step.snapshot(), per_destination=True)


def findings(step) -> pd.DataFrame:
    """What the doctor would flag in the policy and DNS settings (warnings do not fail the step)."""
    return findings_table(step.snapshot())


def checks(step) -> list[Verdict]:
    out = []
    for key, verdict in readiness_by_spoke(step.params, step.snapshot()).items():
        out.append(Verdict(f"{key} cluster subnet reaches every required AKS destination through the firewall", verdict.ready, verdict.explain()))
    return out


STEP = StepSpec(
    "04", "firewall-rules", "Firewall rules for AKS egress, DNS proxy and spoke DNS",
    desired=egress_rules, tables={"rules": rules_table, "egress readiness": egress_table, "findings": findings}, checks=checks,
)
