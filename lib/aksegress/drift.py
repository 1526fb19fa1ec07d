"""Drift: every step's plan recomputed against the live state, as one table of differing properties."""

from __future__ import annotations

import pandas as pd

from aksegress import arm_ids
from aksegress.facts import MissingFact
from aksegress.plan import CREATE, DELETE
from aksegress.reads import Reads


def drift_rows(runbook, steps, reads=None) -> list[dict]:
    """One row per property that differs (or per resource that is missing) across ``steps``, all planned on one
    read of the estate (``reads``, shared with the caller's step when given)."""
    reads = reads or Reads()
    rows = []
    for spec in steps:
        step = runbook.step(spec.key, plan_only=True, reads=reads)
        try:
            plan = step.plan()
        except MissingFact as exc:
            rows.append({"step": spec.key, "resource": "-", "property": "-", "desired": "-", "observed": exc.message})
            continue
        for change in plan.pending:
            name = "/".join(arm_ids.parse(change.desired.id).names) or change.desired.name
            label = f"{change.desired.kind.label} {name}"
            if change.action == CREATE:
                rows.append({"step": spec.key, "resource": label, "property": "(resource)", "desired": "exists", "observed": "missing"})
            if change.action == DELETE:
                rows.append({"step": spec.key, "resource": label, "property": "(resource)", "desired": "absent (no longer in the params)",
                             "observed": "exists"})
            for diff in change.diffs:
                rows.append({"step": spec.key, "resource": label, "property": diff.path, "desired": diff.desired, "observed": diff.observed})
    return rows


def drift_table(runbook, steps, reads=None) -> pd.DataFrame:
    return pd.DataFrame(drift_rows(runbook, steps, reads), columns=["step", "resource", "property", "desired", "observed"])
