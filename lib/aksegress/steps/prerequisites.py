"""Step 00: the parameters, the address plan, the identity and subscriptions, the resource groups."""

from __future__ import annotations

import pandas as pd

from aksegress import arm_ids
from aksegress.checks import Verdict
from aksegress.desired.common import ENV_TAG
from aksegress.desired.prerequisites import resource_groups
from aksegress.live_catalog import live_catalog_precheck
from aksegress.steps.spec import StepSpec


def address_plan(step) -> pd.DataFrame:
    params = step.params
    frame = pd.DataFrame([row._asdict() for row in params.address_plan()])
    frame["prefix"] = frame["prefix"].astype(str)
    return frame.rename(columns={"subscription_id": "subscription", "resource_group": "resource group", "usable": "usable addresses"})


def resource_group_table(step) -> pd.DataFrame:
    params, observed = step.params, step.observe()
    rows = []
    for d in resource_groups(params):
        rid = arm_ids.parse(d.id)
        seen = observed.get(d.id.lower())
        rows.append({
            "subscription": rid.subscription,
            "resource group": rid.resource_group,
            "location": (seen or {}).get("location"),
            "environment tag": ((seen or {}).get("tags") or {}).get(ENV_TAG),
            "state": "missing" if seen is None else (seen.get("properties") or {}).get("provisioningState"),
        })
    return pd.DataFrame(rows)


def checks(step) -> list[Verdict]:
    params, observed = step.params, step.observe()
    out = []
    for d in resource_groups(params):
        seen = observed.get(d.id.lower()) or {}
        tag = (seen.get("tags") or {}).get(ENV_TAG)
        name = arm_ids.parse(d.id).resource_group
        out.append(Verdict(f"resource group {name} tagged for {params.environment}", tag == params.environment,
                           f"tag {ENV_TAG}={tag!r}" if seen else "does not exist"))
    return out


STEP = StepSpec(
    "00", "prerequisites", "Prerequisites: identity, subscriptions and resource groups",
    desired=resource_groups,
    tables={"address plan": address_plan, "resource groups": resource_group_table},
    checks=checks,
    precheck=live_catalog_precheck,
)
