"""Step 08: reach a private cluster from another spoke, across subscriptions, and prove it from a VM there."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.cross_vnet_access import cross_vnet_access, hub_requests_ahead, retired, zone_link_id, zone_link_vnets
from aksegress.intent import as_intended, reachability
from aksegress.live import environment_resources
from aksegress.netmodel.render import HOP_COLUMNS, hop_rows
from aksegress.probe_results import Probed
from aksegress.rule_table import rules_table
from aksegress.steps.cluster_access import PLAN_ONLY
from aksegress.steps.spec import StepSpec
from aksegress.vm_probes import ProbeResult, probe


def links_table(step) -> pd.DataFrame:
    observed = step.observe()
    rows = []
    for rule in step.params.access:
        zone = step.runbook.facts.cluster(rule.cluster).zone_id
        for owner, site in zone_link_vnets(step.params, rule.from_):
            link = zone_link_id(zone, step.params, owner)
            props = (observed.get(link.lower()) or {}).get("properties") or {}
            rows.append({"access": f"{rule.from_} -> {rule.cluster}", "zone": zone.rsplit("/", 1)[1], "linked VNet": site.vnet.name,
                         "why": "the source resolves from here" if owner != "hub" else "the firewall (DNS proxy / application rule) resolves from the hub",
                         "linkState": props.get("virtualNetworkLinkState", "missing")})
    return pd.DataFrame(rows)


def _probes(step, src: str, dst: str) -> tuple[list[ProbeResult], Probed]:
    """The probes from ``src``'s test VM to ``dst``'s API server, run once per step, or an earlier run's that all passed
    when every resource of the environment (all the connectivity model reads: the flow's whole path) is unchanged since."""
    source, facts = step.params.spokes[src], step.runbook.facts.cluster(dst)
    clients = step.runbook.clients(source.subscription_id)
    probed = step.probes().take(f"08/{src}->{dst}", environment_resources(step.runbook, step.reads), lambda: [
        asdict(r) for r in probe(clients, source.resource_group, source.test_vm.name, facts.private_fqdn, facts.api_server_ip)],
        still_valid=lambda results: all(r["ok"] for r in results))
    return [ProbeResult(**r) for r in probed.value], probed


def _granted(step) -> list[tuple[str, str]]:
    """(source spoke, cluster spoke) of each access entry whose source has a test VM to probe from."""
    return [(r.from_, r.cluster) for r in step.params.access if step.params.spokes[r.from_].test_vm]


def probes_table(step) -> pd.DataFrame:
    """The probes from each granted source VM, beside what the doctor predicts for the same flow."""
    cells = reachability(step.params, step.snapshot()).cells
    if step.plan_only:
        return pd.DataFrame([{"from": step.params.spokes[src].test_vm.name, "to": step.params.spokes[dst].cluster.name, "result": PLAN_ONLY,
                              "doctor": cells[(src, dst)].result.disposition if (src, dst) in cells else "not in the observed state"}
                             for src, dst in _granted(step)])
    rows = []
    for src, dst in _granted(step):
        predicted = cells.get((src, dst))
        results, probed = _probes(step, src, dst)
        for result in results:
            rows.append({"from": result.vm, "to": step.params.spokes[dst].cluster.name, "probe": result.probe, "command": result.command,
                         "result": "ok" if result.ok else "FAILED", "output": result.output, "probed": probed.label(),
                         "doctor": predicted.result.disposition if predicted else "not in the observed state"})
    return pd.DataFrame(rows)


def trace_table(step) -> pd.DataFrame:
    """The doctor's hop-by-hop trace for each granted access, in Network Watcher's terms."""
    cells = reachability(step.params, step.snapshot()).cells
    rows = [{"access": f"{src} -> {dst}", **hop} for src, dst in _granted(step) if (src, dst) in cells for hop in hop_rows(cells[(src, dst)].result)]
    return pd.DataFrame(rows, columns=["access", *HOP_COLUMNS])


def reachability_table(step) -> pd.DataFrame:
    """Every test VM to every cluster's API server: what the network does, and whether the params intend it."""
    return reachability(step.params, step.snapshot()).table()


def checks(step) -> list[Verdict]:
    """Granted access is proven by probes from the source VM; every other flow is held to intent by the model."""
    granted = _granted(step)
    out = []
    for src, dst in granted:
        results, probed = _probes(step, src, dst)
        for result in results:
            out.append(Verdict(f"from {result.vm}: {result.probe} ({dst} API server)", result.ok,
                               f"{result.command}: {result.output} ({probed.source()})"))
    for (src, dst), cell in reachability(step.params, step.snapshot()).cells.items():
        if (src, dst) in granted:
            continue
        name = (f"{src} reaches {dst}'s API server (its own spoke)" if cell.intended
                else f"{src} cannot reach {dst}'s API server (no access entry)")
        out.append(Verdict(name, as_intended(cell.result.delivered, cell.intended), f"{cell.result.disposition}: {cell.result.reason}"))
    return out


STEP = StepSpec(
    "08", "cross-vnet-access", "Cross-VNet access to a private API server, proven from a VM",
    desired=cross_vnet_access,
    tables={"links": links_table, "access rules": rules_table, "probes": probes_table, "trace": trace_table,
            "reachability": reachability_table},
    checks=checks,
    ahead=hub_requests_ahead,
    retired=retired,
)
