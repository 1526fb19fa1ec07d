"""Step 08: reach a private cluster from another spoke, across subscriptions, and prove it from a VM there."""

from __future__ import annotations

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.cross_vnet_access import cross_vnet_access, link_targets, vm_id
from aksegress.netmodel import trace
from aksegress.steps import StepSpec
from aksegress.steps.firewall_rules import rules_table
from aksegress.vm_probes import probe


def access_pairs(params) -> list[tuple[str, str, bool]]:
    """Every (source spoke with a test VM, target spoke with a cluster), and whether params grant access."""
    granted = {(r.from_, r.cluster) for r in params.access}
    return [(src, dst, (src, dst) in granted)
            for src, s in params.spokes.items() if s.test_vm
            for dst, _ in params.spokes_with_cluster() if dst != src]


def links_table(step) -> pd.DataFrame:
    observed = step.observe()
    rows = []
    for rule in step.params.access:
        zone = step.runbook.facts.cluster(rule.cluster).zone_id
        for owner, site in link_targets(step.params, rule.from_):
            link = f"{zone}/virtualNetworkLinks/link-{site.vnet.name}"
            props = (observed.get(link.lower()) or {}).get("properties") or {}
            rows.append({"access": f"{rule.from_} -> {rule.cluster}", "zone": zone.rsplit("/", 1)[1], "linked VNet": site.vnet.name,
                         "why": "the source resolves from here" if owner != "hub" else "the firewall (DNS proxy / application rule) resolves from the hub",
                         "linkState": props.get("virtualNetworkLinkState", "missing")})
    return pd.DataFrame(rows)


def _probes(step, src: str, dst: str):
    source, facts = step.params.spokes[src], step.runbook.facts.cluster(dst)
    return probe(step.runbook.clients(source.subscription_id), source.resource_group, source.test_vm.name, facts.private_fqdn, facts.api_server_ip)


def probes_table(step) -> pd.DataFrame:
    """The probes from each granted source VM, beside what the doctor predicts for the same flow."""
    rows = []
    for src, dst, granted in access_pairs(step.params):
        if not granted:
            continue
        predicted = _trace(step, src, dst)
        for result in _probes(step, src, dst):
            rows.append({"from": result.vm, "to": step.params.spokes[dst].cluster.name, "probe": result.probe, "command": result.command,
                         "result": "ok" if result.ok else "FAILED", "output": result.output[:200], "doctor": predicted.disposition})
    return pd.DataFrame(rows)


def _trace(step, src: str, dst: str):
    return trace(step.snapshot(), vm_id(step.params.spokes[src]), f"cluster:{step.params.spokes[dst].cluster.name}", 443)


def trace_table(step) -> pd.DataFrame:
    """The doctor's hop-by-hop trace for each granted access, in Network Watcher's terms."""
    rows = []
    for src, dst, granted in access_pairs(step.params):
        if granted:
            result = _trace(step, src, dst)
            for hop in result.hops:
                rows.append({"access": f"{src} -> {dst}", "hop": hop.type, "address": hop.address, "matched": hop.matched,
                             "issues": "; ".join(f"{i.severity} {i.type}" for i in hop.issues)})
    return pd.DataFrame(rows)


def reachability_table(step) -> pd.DataFrame:
    """Every test VM to every other spoke's API server: what the params intend and what the network does."""
    rows = []
    for src, dst, granted in access_pairs(step.params):
        result = _trace(step, src, dst)
        rows.append({"from": src, "to": f"{dst} API server", "intended": "reach" if granted else "no access",
                     "disposition": result.disposition, "why": result.reason,
                     "verdict": "ok" if (result.delivered == granted) else "UNEXPECTED"})
    return pd.DataFrame(rows)


def checks(step) -> list[Verdict]:
    out = []
    for src, dst, granted in access_pairs(step.params):
        if granted:
            for result in _probes(step, src, dst):
                out.append(Verdict(f"from {result.vm}: {result.probe} ({dst} API server)", result.ok, f"{result.command}: {result.output[:160]}"))
        else:
            result = _trace(step, src, dst)
            out.append(Verdict(f"{src} cannot reach {dst}'s API server (no access entry)", not result.delivered,
                               f"{result.disposition}: {result.reason}"))
    return out


STEP = StepSpec(
    "08", "cross-vnet-access", "Cross-VNet access to a private API server, proven from a VM",
    desired=cross_vnet_access,
    tables={"links": links_table, "access rules": rules_table, "probes": probes_table, "trace": trace_table,
            "reachability": reachability_table},
    checks=checks,
)
