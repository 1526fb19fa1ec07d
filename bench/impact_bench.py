"""Benchmark of a plan's reachability impact on netmodel_bench's synthetic estate (prints figures, asserts nothing).

The plan adds one rule collection group allowing the first spoke denied by default to cluster 0's API server (and, as a
wider change, every spoke); the impact is the intent matrix (every spoke to every cluster) on the estate and on the
estate with the plan laid over it, traced only where the change can reach.
Run: .venv/bin/python bench/impact_bench.py [--spokes 300] [--small 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from netmodel_bench import SUB, _id, build_estate  # noqa: E402

from aksegress.impact import reachability_impact  # noqa: E402
from aksegress.netmodel import Snapshot, trace  # noqa: E402
from aksegress.netmodel.locate import destination_for_cluster, source_for_vm  # noqa: E402


class _EstateParams(SimpleNamespace):
    """The few params fields the intent matrix reads, for the synthetic estate's spokes (no access entries)."""

    def spokes_with_cluster(self):
        return [(k, s) for k, s in self.spokes.items() if s.cluster is not None]


def estate_params(spokes: int) -> _EstateParams:
    return _EstateParams(access=[], spokes={f"s{i}": SimpleNamespace(
        subscription_id=SUB, resource_group=f"rg-s{i}", vnet=SimpleNamespace(name=f"vnet-s{i}"),
        test_vm=SimpleNamespace(name=f"vm-s{i}"), cluster=SimpleNamespace(name=f"aks{i}")) for i in range(spokes)})


def _cluster0(snap: Snapshot):
    return snap.clusters[_id("rg-s0", "Microsoft.ContainerService/managedClusters", "aks0").lower()]


def _access_group(sources: list[str], fqdn: str) -> tuple[str, str, dict]:
    """The creation of a rule collection group, first in priority, with one application rule from ``sources`` to ``fqdn``."""
    rid = _id("hub", "Microsoft.Network/firewallPolicies", "policy") + "/ruleCollectionGroups/bench-access"
    body = {"properties": {"priority": 100, "ruleCollections": [{
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "bench", "priority": 100, "action": {"type": "Allow"},
        "rules": [{"ruleType": "ApplicationRule", "name": "api", "sourceAddresses": sources, "targetFqdns": [fqdn],
                   "protocols": [{"protocolType": "Https", "port": 443}]}]}]}}
    return "create", rid, body


def opening_change(snap: Snapshot) -> tuple[str, tuple[str, str, dict]]:
    """A new rule allowing a VM that cluster 0's API server denies by default."""
    cluster = _cluster0(snap)
    destination = destination_for_cluster(cluster)
    denied = next(vm for vm in snap.vms.values() if vm.name != "vm-s0"
                  and _default_deny(trace(snap, source_for_vm(snap, vm), destination, 443)))
    return denied.name, _access_group([f"{source_for_vm(snap, denied).ip}/32"], cluster.private_fqdn)


def _default_deny(result) -> bool:
    """Denied because no rule matched: a new application rule can open it (a network rule, evaluated first, cannot be overtaken)."""
    return result.disposition == "DENIED_BY_FIREWALL" and result.firewall is not None and result.firewall.phase == "Default"


def measure(spokes: int) -> dict:
    """Each impact on a snapshot nothing has been traced on yet, as a plan reads it."""
    resources = build_estate(spokes)
    params, (opened_from, change) = estate_params(spokes), opening_change(Snapshot.from_resources(resources))
    snap = Snapshot.from_resources(resources)
    t0, cpu0 = time.perf_counter(), time.process_time()
    impact = reachability_impact(params, snap, [change])
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    snap = Snapshot.from_resources(resources)
    t0 = time.perf_counter()
    vnet = next(iter(snap.raw.values()))
    tag_only = reachability_impact(params, snap, [("update", vnet["id"], {**vnet, "tags": {"cost": "1"}})])
    tag_seconds = time.perf_counter() - t0
    snap = Snapshot.from_resources(resources)
    t0 = time.perf_counter()
    wide = reachability_impact(params, snap, [_access_group(["10.0.0.0/8"], _cluster0(snap).private_fqdn)])
    wide_seconds = time.perf_counter() - t0
    return {"spokes": spokes, "cells": spokes * spokes, "impact_s": seconds, "impact_cpu_s": cpu, "impact": f"(rule for {opened_from}) {impact.summary()}",
            "tag_s": tag_seconds, "tag": tag_only.summary(), "wide_s": wide_seconds, "wide_opens": len(wide.opens), "wide_closes": len(wide.closes)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spokes", type=int, default=300)
    parser.add_argument("--small", type=int, default=30)
    args = parser.parse_args()
    results = [measure(args.small), measure(args.spokes)]
    for r in results:
        print(f"{r['spokes']:>4} spokes ({r['cells']} cells per matrix): impact of one new rule {r['impact_s']:.2f} s "
              f"(CPU {r['impact_cpu_s']:.2f} s) -> {r['impact'][:120]}; "
              f"tag-only change {r['tag_s'] * 1e3:.1f} ms -> {r['tag']}")
        print(f"      one rule for every spoke to cluster 0: {r['wide_s']:.2f} s -> opens {r['wide_opens']}, closes {r['wide_closes']}")
    small, big = results
    growth = big["impact_s"] / small["impact_s"]
    print(f"growth {small['spokes']} -> {big['spokes']} spokes: cells x{big['cells'] / small['cells']:.0f}, impact time x{growth:.1f}")


if __name__ == "__main__":
    main()
