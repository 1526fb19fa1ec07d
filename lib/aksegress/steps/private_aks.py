"""Step 05: private AKS clusters with userDefinedRouting egress, refused up front when egress would fail."""

from __future__ import annotations

from ipaddress import ip_address

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.private_aks import cluster_id, clusters
from aksegress.egress_table import cluster_subnets, egress_readiness_table
from aksegress.errors import EgressNotReady
from aksegress.facts import MissingFact
from aksegress.netmodel import egress_readiness
from aksegress.steps.spec import StepSpec


def egress_precheck(step, plan) -> None:
    """Refuse a create AKS would fail 15-20 minutes in (vmssCSE exit status 50), naming what is missing."""
    creating = {c.desired.id.lower() for c in plan.pending}
    problems = []
    for key, subnet in cluster_subnets(step.params):
        if cluster_id(step.params.spokes[key]).lower() not in creating:
            continue
        verdict = egress_readiness(step.snapshot(), subnet)
        if not verdict.ready:
            problems.append(f"{key}: {verdict.explain()}")
    if problems:
        raise EgressNotReady("\n".join(problems))


def egress_table(step) -> pd.DataFrame:
    """Whether each cluster subnet's egress is ready, before the clusters are created in it."""
    return egress_readiness_table(step.params, step.snapshot())


def cluster_table(step) -> pd.DataFrame:
    params, observed = step.params, step.observe()
    rows = []
    for key, spoke in params.spokes_with_cluster():
        props = (observed.get(cluster_id(spoke).lower()) or {}).get("properties") or {}
        try:
            facts = step.runbook.facts.cluster(key)
            api_ip, zone = facts.api_server_ip, facts.zone_id.rsplit("/", 1)[1]
        except MissingFact:
            api_ip = zone = None
        rows.append({"spoke": key, "cluster": spoke.cluster.name, "state": props.get("provisioningState", "missing"),
                     "private FQDN": props.get("privateFQDN"), "API server IP": api_ip,
                     "node resource group": props.get("nodeResourceGroup"), "private DNS zone": zone,
                     "outboundType": (props.get("networkProfile") or {}).get("outboundType")})
    return pd.DataFrame(rows)


def checks(step) -> list[Verdict]:
    params, observed = step.params, step.observe()
    out = []
    for key, spoke in params.spokes_with_cluster():
        props = (observed.get(cluster_id(spoke).lower()) or {}).get("properties") or {}
        private = (props.get("apiServerAccessProfile") or {}).get("enablePrivateCluster") is True
        out.append(Verdict(f"{spoke.cluster.name} is private with userDefinedRouting egress",
                           private and (props.get("networkProfile") or {}).get("outboundType") == "userDefinedRouting",
                           f"enablePrivateCluster={private}, outboundType={(props.get('networkProfile') or {}).get('outboundType')}"))
        try:
            facts = step.runbook.facts.cluster(key)
            inside = ip_address(facts.api_server_ip) in spoke.subnets[spoke.cluster.subnet]
            out.append(Verdict(f"{spoke.cluster.name} API server answers in its node subnet", inside,
                               f"{facts.private_fqdn} -> {facts.api_server_ip} (node subnet {spoke.subnets[spoke.cluster.subnet]})"))
        except MissingFact as exc:
            out.append(Verdict(f"{spoke.cluster.name} API server answers in its node subnet", False, exc.message))
    return out


STEP = StepSpec(
    "05", "private-aks", "Private AKS clusters with egress through the firewall",
    desired=clusters, tables={"egress readiness": egress_table, "clusters": cluster_table}, checks=checks,
    precheck=egress_precheck,
)
