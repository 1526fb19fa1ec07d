"""Step 09: the whole environment verified: reachability as intended, egress ready, no drift."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from aksegress.checks import Verdict
from aksegress.drift import drift_table
from aksegress.egress_table import egress_readiness_table
from aksegress.intent import as_intended
from aksegress.intent import reachability as reachability_of
from aksegress.steps.spec import StepSpec


def no_resources(params, facts) -> list:
    return []


def reachability(step) -> pd.DataFrame:
    """Every test VM to every cluster's API server on 443: what happens, and whether the params intend it."""
    return reachability_of(step.params, step.snapshot()).table()


def egress(step) -> pd.DataFrame:
    """Whether each cluster subnet reaches every required destination through the firewall."""
    return egress_readiness_table(step.params, step.snapshot())


def drift(step) -> pd.DataFrame:
    return drift_table(step.runbook, [s for s in step.runbook.steps() if s.key != step.spec.key], step.reads)


def run_summary(step) -> pd.DataFrame:
    """The steps of the run this notebook belongs to (when run by `aksegress run`)."""
    path = Path(step.run_dir or "") / "run.json"
    if not step.run_dir or not path.exists():
        return pd.DataFrame(columns=["step", "status", "changes applied", "checks", "ARM reads", "ARM writes", "seconds"])
    record = json.loads(path.read_text())
    return pd.DataFrame([{"step": s["name"], "status": s["status"], "changes applied": s["changes"]["applied"],
                          "checks": f"{sum(c['ok'] for c in s['checks'])}/{len(s['checks'])}",
                          "ARM reads": s["arm"]["reads"], "ARM writes": s["arm"]["writes"], "seconds": s["duration_s"]}
                         for s in record["steps"] if s["name"] != step.spec.key])


def checks(step) -> list[Verdict]:
    reach = reachability_of(step.params, step.snapshot())
    out = [Verdict(f"{cell.source.label} -> {cell.destination.label} TCP/443 {'delivered' if cell.intended else 'denied'}, as intended",
                   as_intended(cell.result.delivered, cell.intended), f"{cell.result.disposition}: {cell.result.reason}")
           for cell in reach.cells.values()]
    out += [Verdict(f"{missing.split(':', 1)[0]} is in the observed state", False, missing) for missing in reach.skipped]
    for _, row in egress(step).iterrows():
        out.append(Verdict(f"{row['spoke']} cluster egress ready", bool(row["ready"]), row["verdict"]))
    table = drift(step)
    out.append(Verdict("no drift from the desired state", table.empty,
                       "; ".join(f"{r.resource} {r.property}" for r in table.itertuples()) or "every step plans no change"))
    return out


STEP = StepSpec(
    "09", "verify", "Verification: reachability, egress and drift",
    desired=no_resources,
    tables={"reachability": reachability, "egress": egress, "drift": drift, "run summary": run_summary},
    checks=checks,
)
