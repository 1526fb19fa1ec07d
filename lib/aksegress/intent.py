"""Which flows to a cluster API server the params intend, and the one way every surface labels a verdict against it.

The rule, used by steps 08 and 09, the topology picture, the try-a-flow widget and the doctor: a spoke's VNet
reaches its own cluster's API server (AKS links a private cluster's zone to its own VNet), and the spoke named
``from`` in an ``access`` entry reaches the cluster of the spoke named ``cluster``. Every other flow to an API
server, including every flow from the hub, is meant to be denied.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import pandas as pd

from aksegress.desired.common import vnet_id
from aksegress.desired.cross_vnet_access import vm_id
from aksegress.desired.private_aks import cluster_id
from aksegress.errors import AksegressError
from aksegress.netmodel.health import cell_fix
from aksegress.netmodel.locate import Destination, Source, destination_for_cluster, locate_source
from aksegress.netmodel.matrix import Cell, cells_frame, keyed_cells, vnet_source
from aksegress.netmodel.snapshot import Snapshot

__all__ = ["DELIVERED_AS_INTENDED", "DELIVERED_NOT_INTENDED", "DENIED_AS_INTENDED", "DENIED_NOT_INTENDED", "Reachability",
           "as_intended", "endpoints", "intended_flows", "reachability", "verdict_label", "verdict_table"]

DELIVERED_AS_INTENDED = "delivered, as intended"
DENIED_AS_INTENDED = "denied, as intended"
DELIVERED_NOT_INTENDED = "delivered, NOT intended"
DENIED_NOT_INTENDED = "denied, NOT intended"

VERDICT_COLUMNS = ["source", "destination", "verdict", "disposition", "intended", "rule", "reason", "fix", "source_ip", "destination_ip",
                   "protocol", "port", "via_firewall", "delivered"]


def intended_flows(params) -> frozenset[tuple[str, str]]:
    """(source VNet id, cluster id), lower case, of every flow to an API server the params intend."""
    pairs = {(vnet_id(spoke), cluster_id(spoke)) for _, spoke in params.spokes_with_cluster()}
    for rule in params.access:
        source, destination = params.spokes.get(rule.from_), params.spokes.get(rule.cluster)
        if source is not None and destination is not None and destination.cluster is not None:
            pairs.add((vnet_id(source), cluster_id(destination)))
    return frozenset((s.lower(), t.lower()) for s, t in pairs)


def as_intended(delivered: bool, intended: bool | None) -> bool | None:
    """Whether what happens is what the params intend; None when intent is unknown."""
    return None if intended is None else delivered == intended


def verdict_label(delivered: bool, intended: bool | None) -> str:
    """"delivered, as intended", "denied, as intended", "delivered, NOT intended", "denied, NOT intended", or
    "delivered, intent unknown" / "denied, intent unknown" when there are no params to say."""
    outcome = "delivered" if delivered else "denied"
    matches = as_intended(delivered, intended)
    if matches is None:
        return f"{outcome}, intent unknown"
    return f"{outcome}, as intended" if matches else f"{outcome}, NOT intended"


def verdict_table(cells: Iterable[Cell]) -> pd.DataFrame:
    """The matrix with its verdict label; a fix is kept only where it moves the network towards intent."""
    cells = list(cells)
    frame = cells_frame(cells)
    frame.insert(2, "verdict", [verdict_label(c.result.delivered, c.intended) for c in cells])
    frame["fix"] = pd.Series([cell_fix(c) for c in cells], index=frame.index, dtype=object)
    return frame[VERDICT_COLUMNS]


@dataclass
class Reachability:
    """Each spoke's source to each cluster's API server, keyed by (source spoke, cluster spoke), with what is missing."""

    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        return verdict_table(self.cells.values())

    def granted(self) -> list[Cell]:
        """The cells of the params' access entries (intended, across spokes), in spoke order."""
        return [cell for (src, dst), cell in self.cells.items() if src != dst and cell.intended]


def endpoints(params, snap: Snapshot, skipped: list[str] | None = None) -> tuple[dict[str, Source | None], dict[str, Destination | None]]:
    """Each spoke's source (its test VM, else its VNet) and each declared cluster's API server destination in the snapshot."""
    skipped = [] if skipped is None else skipped
    sources = {key: _source(snap, spoke, skipped) for key, spoke in params.spokes.items()}
    destinations = {key: _destination(snap, spoke, skipped) for key, spoke in params.spokes_with_cluster()}
    return sources, destinations


def reachability(params, snap: Snapshot, port: int = 443, protocol: str = "TCP", only: Collection[tuple[str, str]] | None = None) -> Reachability:
    """Each spoke's test VM (its VNet until the VM exists) to each declared cluster's API server in the snapshot,
    traced once each and joined with ``intended_flows``; whatever the snapshot lacks is listed as skipped.
    ``only`` limits the trace to those (source spoke, cluster spoke) pairs."""
    out = Reachability()
    intent = intended_flows(params)
    sources, destinations = endpoints(params, snap, out.skipped)
    if only is None:
        keys = [(s, d) for s in sources for d in destinations]
    else:
        order = {k: i for i, k in enumerate(sources)}, {k: i for i, k in enumerate(destinations)}
        keys = sorted((k for k in only if k[0] in order[0] and k[1] in order[1]), key=lambda k: (order[0][k[0]], order[1][k[1]]))
    pairs = [(key, sources[key[0]], destinations[key[1]]) for key in keys if sources[key[0]] is not None and destinations[key[1]] is not None]
    out.cells = keyed_cells(snap, pairs, port, protocol, intent)
    return out


def _source(snap: Snapshot, spoke, skipped: list[str]) -> Source | None:
    if spoke.test_vm is not None:
        try:
            return locate_source(snap, vm_id(spoke))
        except AksegressError:
            pass
    try:
        return vnet_source(snap, vnet_id(spoke))
    except AksegressError as error:
        skipped.append(f"{spoke.vnet.name}: {error.message}")
        return None


def _destination(snap: Snapshot, spoke, skipped: list[str]) -> Destination | None:
    try:
        return destination_for_cluster(snap.find_cluster(cluster_id(spoke)))
    except AksegressError as error:
        skipped.append(f"{spoke.cluster.name}: {error.message}")
        return None
