"""Step 09: the whole environment verified: reachability as intended, egress ready, no drift."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.cross_vnet_access import vm_id
from aksegress.drift import drift_table
from aksegress.netmodel import egress_readiness, trace
from aksegress.steps import StepSpec, all_steps
from aksegress.steps.firewall_rules import cluster_subnets


def no_resources(params, facts) -> list:
    return []


def reachability(step) -> pd.DataFrame:
    """Every test VM to every cluster's API server on 443, with what the params intend beside what happens."""
    params, snap = step.params, step.snapshot()
    granted = {(r.from_, r.cluster) for r in params.access}
    rows = []
    for src, spoke in params.spokes.items():
        if not spoke.test_vm:
            continue
        for dst, target in params.spokes_with_cluster():
            result = trace(snap, vm_id(spoke), f"cluster:{target.cluster.name}", 443)
            intended = dst == src or (src, dst) in granted
            rows.append({"from": spoke.test_vm.name, "to": f"{target.cluster.name} API :443", "intended": "reach" if intended else "denied",
                         "disposition": result.disposition, "why": result.reason,
                         "verdict": "ok" if result.delivered == intended else "UNEXPECTED"})
    return pd.DataFrame(rows)


def egress(step) -> pd.DataFrame:
    rows = []
    for key, subnet in cluster_subnets(step.params):
        verdict = egress_readiness(step.snapshot(), subnet)
        rows.append({"spoke": key, "ready": verdict.ready, "missing": ", ".join(verdict.missing), "verdict": verdict.explain()})
    return pd.DataFrame(rows)


def drift(step) -> pd.DataFrame:
    return drift_table(step.runbook, [s for s in all_steps() if s.number not in ("09",)])


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
    out = []
    for _, row in reachability(step).iterrows():
        out.append(Verdict(f"{row['from']} -> {row['to']} is {row['intended']}", row["verdict"] == "ok", f"{row['disposition']}: {row['why']}"))
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
