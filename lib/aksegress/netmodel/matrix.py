"""Reachability matrix: one trace per (source, target, port) cell, as a long DataFrame."""

from __future__ import annotations

import pandas as pd

from aksegress.netmodel.locate import Source, Target, locate_source, source_for_vm, target_for_cluster
from aksegress.netmodel.snapshot import Snapshot
from aksegress.netmodel.trace import trace

COLUMNS = ["source", "source_ip", "target", "destination_ip", "protocol", "port", "disposition", "via_firewall", "rule", "fix"]


def default_sources(snap: Snapshot) -> list[Source]:
    return [source_for_vm(snap, vm) for vm in snap.vms.values() if any(snap.nics.get(n) and snap.nics[n].ips for n in vm.nic_ids)]


def default_targets(snap: Snapshot, include_vms: bool = False) -> list[Target]:
    targets = [target_for_cluster(c) for c in snap.clusters.values() if (c.private_fqdn if c.private else c.fqdn)]
    if include_vms:
        for vm in snap.vms.values():
            src = source_for_vm(snap, vm)
            targets.append(Target(vm.name, ip=src.ip, resource_id=vm.id))
    return targets


def reachability_matrix(snap: Snapshot, sources: list[Source | str] | None = None, targets: list[Target | str] | None = None,
                        port: int = 443, protocol: str = "TCP") -> pd.DataFrame:
    """Every source (default: all VMs) against every target (default: every cluster API server) on one port."""
    from aksegress.netmodel.locate import locate_target

    srcs = [s if isinstance(s, Source) else locate_source(snap, s) for s in (sources if sources is not None else default_sources(snap))]
    tgts = [t if isinstance(t, Target) else locate_target(snap, t) for t in (targets if targets is not None else default_targets(snap))]
    rows = []
    for src in srcs:
        for tgt in tgts:
            if tgt.ip and tgt.ip == src.ip:
                continue
            result = trace(snap, src, tgt, port, protocol)
            rows.append((src.label, src.ip, tgt.label, result.destination_ip, protocol, port, result.disposition,
                         result.via_firewall,
                         result.rule,
                         result.fix.sentence() if result.fix else None))
    return pd.DataFrame(rows, columns=COLUMNS)
