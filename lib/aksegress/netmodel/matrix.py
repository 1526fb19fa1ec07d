"""Reachability matrix: one trace per (source, destination) cell, joined with an intent given as plain data.

Intent is a collection of (source VNet id, destination resource id) pairs that should be delivered; every other cell
is meant to be denied. ``None`` means intent is unknown, and cells then carry ``intended=None``.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Hashable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pandas as pd

from aksegress.netmodel.arm_resources import norm_id
from aksegress.netmodel.locate import Destination, Source, destination_for_cluster, locate_destination, locate_source, source_for_vm
from aksegress.netmodel.snapshot import Snapshot
from aksegress.netmodel.trace import trace
from aksegress.netmodel.verdicts import TraceResult

COLUMNS = ["source", "source_ip", "destination", "destination_ip", "protocol", "port", "disposition", "delivered", "intended",
           "via_firewall", "rule", "reason", "fix"]

Intent = Collection[tuple[str, str]]


@dataclass(frozen=True)
class Cell:
    """One traced flow of the matrix and whether it is meant to be delivered (None: intent unknown)."""

    source: Source
    destination: Destination
    result: TraceResult
    intended: bool | None

    def row(self) -> dict:
        r = self.result
        return {"source": self.source.label, "source_ip": self.source.ip, "destination": self.destination.label, "destination_ip": r.destination_ip,
                "protocol": r.protocol, "port": r.port, "disposition": r.disposition, "delivered": r.delivered, "intended": self.intended,
                "via_firewall": r.via_firewall, "rule": r.rule, "reason": r.reason, "fix": r.fix.sentence() if r.fix else None}


def default_sources(snap: Snapshot) -> list[Source]:
    """Every VM with an address."""
    return [source_for_vm(snap, vm) for vm in snap.vms.values() if any(snap.nics.get(n) and snap.nics[n].ips for n in vm.nic_ids)]


def vnet_source(snap: Snapshot, ref: str) -> Source:
    """A VNet as a source (its first workload subnet, VMs preferred), labelled with the VNet's name."""
    vnet = snap.find_vnet(ref)
    return replace(locate_source(snap, vnet.id), label=vnet.name)


def default_destinations(snap: Snapshot, include_vms: bool = False) -> list[Destination]:
    """Every cluster API server with a name to resolve (and, when asked, every VM)."""
    destinations = [destination_for_cluster(c) for c in snap.clusters.values() if (c.private_fqdn if c.private else c.fqdn)]
    if include_vms:
        for vm in snap.vms.values():
            src = source_for_vm(snap, vm)
            destinations.append(Destination(vm.name, ip=src.ip, resource_id=vm.id))
    return destinations


def _normalised(intent: Intent | None) -> set[tuple[str, str]] | None:
    return None if intent is None else {(norm_id(s), norm_id(t)) for s, t in intent}


def _intended(wanted: set[tuple[str, str]] | None, source: Source, destination: Destination) -> bool | None:
    if wanted is None:
        return None
    return (norm_id(source.subnet.vnet_id), norm_id(destination.resource_id)) in wanted


def trace_cell(snap: Snapshot, source: Source | str, destination: Destination | str, port: int = 443, protocol: str = "TCP",
               intent: Intent | None = None) -> Cell:
    """One flow traced and joined with ``intent``."""
    src = source if isinstance(source, Source) else locate_source(snap, source)
    dst = destination if isinstance(destination, Destination) else locate_destination(snap, destination)
    return Cell(src, dst, trace(snap, src, dst, port, protocol), _intended(_normalised(intent), src, dst))


def keyed_cells(snap: Snapshot, pairs: Iterable[tuple[Hashable, Source, Destination]], port: int = 443, protocol: str = "TCP",
                intent: Intent | None = None) -> dict[Hashable, Cell]:
    """Each (key, source, destination) traced once and joined with ``intent``, by key."""
    wanted = _normalised(intent)
    with _collector_paused():
        return {key: Cell(src, dst, trace(snap, src, dst, port, protocol), _intended(wanted, src, dst)) for key, src, dst in pairs}


def matrix_cells(snap: Snapshot, sources: list[Source | str] | None = None, destinations: list[Destination | str] | None = None,
                 port: int = 443, protocol: str = "TCP", intent: Intent | None = None) -> list[Cell]:
    """Every source (default: all VMs) against every destination (default: every cluster API server), traced once each."""
    srcs = [s if isinstance(s, Source) else locate_source(snap, s) for s in (sources if sources is not None else default_sources(snap))]
    chosen = destinations if destinations is not None else default_destinations(snap)
    dsts = [t if isinstance(t, Destination) else locate_destination(snap, t) for t in chosen]
    wanted = _normalised(intent)
    with _collector_paused():
        return [Cell(src, dst, trace(snap, src, dst, port, protocol), _intended(wanted, src, dst))
                for src in srcs for dst in dsts if not (dst.ip and dst.ip == src.ip)]


@contextmanager
def _collector_paused():
    """Python's cycle collector paused while many flows are traced: traces build only acyclic results, so its rescans
    of the growing heap are pure cost (about a quarter of a 300-spoke matrix); reference counting still frees garbage.
    On resume the results go straight to the oldest generation (freeze, then unfreeze) rather than being scanned
    again as young objects: they live as long as the report."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def cells_frame(cells: list[Cell]) -> pd.DataFrame:
    """One row per cell; absent values stay None (not NaN), so tables and JSON show them as empty."""
    return pd.DataFrame([c.row() for c in cells], columns=COLUMNS, dtype=object)


def reachability_matrix(snap: Snapshot, sources: list[Source | str] | None = None, destinations: list[Destination | str] | None = None,
                        port: int = 443, protocol: str = "TCP", intent: Intent | None = None) -> pd.DataFrame:
    """The matrix as a long DataFrame, one row per cell (see ``COLUMNS``)."""
    return cells_frame(matrix_cells(snap, sources, destinations, port, protocol, intent))
