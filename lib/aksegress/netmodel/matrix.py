"""Reachability matrix: one trace per (source, target) cell, joined with an intent given as plain data.

Intent is a collection of (source VNet id, target resource id) pairs that should be delivered; every other cell
is meant to be denied. ``None`` means intent is unknown, and cells then carry ``intended=None``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import pandas as pd

from aksegress.netmodel.arm_resources import norm_id
from aksegress.netmodel.locate import Source, Target, locate_source, locate_target, source_for_vm, target_for_cluster
from aksegress.netmodel.snapshot import Snapshot
from aksegress.netmodel.trace import trace
from aksegress.netmodel.verdicts import TraceResult

COLUMNS = ["source", "source_ip", "target", "destination_ip", "protocol", "port", "disposition", "delivered", "intended",
           "via_firewall", "rule", "reason", "fix"]

Intent = Collection[tuple[str, str]]


@dataclass(frozen=True)
class Cell:
    """One traced flow of the matrix and whether it is meant to be delivered (None: intent unknown)."""

    source: Source
    target: Target
    result: TraceResult
    intended: bool | None

    def row(self) -> dict:
        r = self.result
        return {"source": self.source.label, "source_ip": self.source.ip, "target": self.target.label, "destination_ip": r.destination_ip,
                "protocol": r.protocol, "port": r.port, "disposition": r.disposition, "delivered": r.delivered, "intended": self.intended,
                "via_firewall": r.via_firewall, "rule": r.rule, "reason": r.reason, "fix": r.fix.sentence() if r.fix else None}


def default_sources(snap: Snapshot) -> list[Source]:
    """Every VM with an address."""
    return [source_for_vm(snap, vm) for vm in snap.vms.values() if any(snap.nics.get(n) and snap.nics[n].ips for n in vm.nic_ids)]


def vnet_source(snap: Snapshot, ref: str) -> Source:
    """A VNet as a source (its first workload subnet, VMs preferred), labelled with the VNet's name."""
    vnet = snap.find_vnet(ref)
    return replace(locate_source(snap, vnet.id), label=vnet.name)


def default_targets(snap: Snapshot, include_vms: bool = False) -> list[Target]:
    """Every cluster API server with a name to resolve (and, when asked, every VM)."""
    targets = [target_for_cluster(c) for c in snap.clusters.values() if (c.private_fqdn if c.private else c.fqdn)]
    if include_vms:
        for vm in snap.vms.values():
            src = source_for_vm(snap, vm)
            targets.append(Target(vm.name, ip=src.ip, resource_id=vm.id))
    return targets


def _normalised(intent: Intent | None) -> set[tuple[str, str]] | None:
    return None if intent is None else {(norm_id(s), norm_id(t)) for s, t in intent}


def _intended(wanted: set[tuple[str, str]] | None, source: Source, target: Target) -> bool | None:
    if wanted is None:
        return None
    return (norm_id(source.subnet.vnet_id), norm_id(target.resource_id)) in wanted


def trace_cell(snap: Snapshot, source: Source | str, target: Target | str, port: int = 443, protocol: str = "TCP",
               intent: Intent | None = None) -> Cell:
    """One flow traced and joined with ``intent``."""
    src = source if isinstance(source, Source) else locate_source(snap, source)
    tgt = target if isinstance(target, Target) else locate_target(snap, target)
    return Cell(src, tgt, trace(snap, src, tgt, port, protocol), _intended(_normalised(intent), src, tgt))


def matrix_cells(snap: Snapshot, sources: list[Source | str] | None = None, targets: list[Target | str] | None = None,
                 port: int = 443, protocol: str = "TCP", intent: Intent | None = None) -> list[Cell]:
    """Every source (default: all VMs) against every target (default: every cluster API server), traced once each."""
    srcs = [s if isinstance(s, Source) else locate_source(snap, s) for s in (sources if sources is not None else default_sources(snap))]
    tgts = [t if isinstance(t, Target) else locate_target(snap, t) for t in (targets if targets is not None else default_targets(snap))]
    wanted = _normalised(intent)
    return [Cell(src, tgt, trace(snap, src, tgt, port, protocol), _intended(wanted, src, tgt))
            for src in srcs for tgt in tgts if not (tgt.ip and tgt.ip == src.ip)]


def cells_frame(cells: list[Cell]) -> pd.DataFrame:
    """One row per cell; absent values stay None (not NaN), so tables and JSON show them as empty."""
    return pd.DataFrame([c.row() for c in cells], columns=COLUMNS, dtype=object)


def reachability_matrix(snap: Snapshot, sources: list[Source | str] | None = None, targets: list[Target | str] | None = None,
                        port: int = 443, protocol: str = "TCP", intent: Intent | None = None) -> pd.DataFrame:
    """The matrix as a long DataFrame, one row per cell (see ``COLUMNS``)."""
    return cells_frame(matrix_cells(snap, sources, targets, port, protocol, intent))
