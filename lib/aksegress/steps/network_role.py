"""Step 06: Network Contributor for each cluster's identity on its node subnet and route table."""

from __future__ import annotations

import pandas as pd

from aksegress import arm_ids
from aksegress.desired.network_role import network_roles
from aksegress.steps.spec import StepSpec


def role_table(step) -> pd.DataFrame:
    observed = step.observe()
    rows = []
    for d in step.desired():
        seen = observed.get(d.id.lower())
        scope = arm_ids.parse(d.id).scope
        rows.append({"scope": "/".join(arm_ids.parse(scope).names), "scope type": arm_ids.parse(scope).arm_type,
                     "role": "Network Contributor", "principal": d.body["properties"]["principalId"],
                     "assignment": arm_ids.parse(d.id).name, "state": "present" if seen else "missing"})
    return pd.DataFrame(rows)


STEP = StepSpec(
    "06", "network-role", "Network Contributor for the cluster identity, at the narrowest scopes",
    desired=network_roles, tables={"role assignments": role_table},
)
