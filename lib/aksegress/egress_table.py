"""Egress readiness of every cluster subnet the params declare: one builder for steps 04, 05 and 09."""

from __future__ import annotations

import pandas as pd

from aksegress.desired.common import subnet_id
from aksegress.netmodel.arm_resources import norm_id
from aksegress.netmodel.egress import FAIL, EgressReadiness, egress_readiness
from aksegress.netmodel.snapshot import Snapshot

__all__ = ["cluster_subnets", "egress_readiness_table", "readiness_by_spoke"]

SUMMARY_COLUMNS = ["spoke", "subnet", "ready", "missing", "bypassing", "verdict"]


def cluster_subnets(params) -> list[tuple[str, str]]:
    """(spoke key, node subnet id) of each spoke that declares a cluster."""
    return [(key, subnet_id(spoke, spoke.cluster.subnet)) for key, spoke in params.spokes_with_cluster()]


def readiness_by_spoke(params, snap: Snapshot) -> dict[str, EgressReadiness]:
    """The model's egress readiness of each declared cluster subnet, keyed by spoke; a subnet that does not exist
    (yet, as in a plan-only run before step 01 was applied) is not ready, and says so."""
    return {key: _readiness(snap, subnet) for key, subnet in cluster_subnets(params)}


def _readiness(snap: Snapshot, subnet_id_: str) -> EgressReadiness:
    subnet = snap.subnets.get(norm_id(subnet_id_))
    if subnet is not None and subnet.vnet_id in snap.vnets:
        return egress_readiness(snap, subnet)
    parts = subnet_id_.rstrip("/").split("/")
    where = f"{parts[-3]}/{parts[-1]}"
    reason = "the subnet does not exist (step 01 creates it)"
    return EgressReadiness(f"subnet {where}", [where], False, missing=[reason],
                           rows=[{"subnet": where, "status": FAIL, "disposition": "ABSENT", "reason": reason}])


def egress_readiness_table(params, snap: Snapshot, *, per_destination: bool = False) -> pd.DataFrame:
    """One row per cluster subnet (ready, what is missing, why), or with ``per_destination`` one row per required
    destination of each subnet: allowed by which rule, or blocked and why."""
    readiness = readiness_by_spoke(params, snap)
    if per_destination:
        frames = [verdict.table.assign(spoke=key)[["spoke", *verdict.table.columns]] for key, verdict in readiness.items()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return pd.DataFrame([{"spoke": key, "subnet": ", ".join(verdict.subnets), "ready": verdict.ready, "missing": ", ".join(verdict.missing),
                          "bypassing": ", ".join(verdict.bypassing_subnets), "verdict": verdict.explain()}
                         for key, verdict in readiness.items()], columns=SUMMARY_COLUMNS)
