"""Benchmark of the connectivity model on a synthetic hub with N spokes (prints figures, asserts nothing).

Estate: one hub (firewall with DNS proxy, spokes use it as DNS), N spokes of 3 subnets (aks, vm, pe), one VM and
one private cluster per spoke, one private zone per cluster linked to its spoke and to the hub, and a policy of
3,000 rules in 30 collections (25 network, 5 application) over 3 rule collection groups.
Run: .venv/bin/python bench/netmodel_bench.py [--spokes 300] [--small 30]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from aksegress.netmodel import Snapshot, reachability_matrix, trace
from aksegress.netmodel.arm_resources import write_directory
from aksegress.netmodel.health import health_report
from aksegress.netmodel.locate import destination_for_cluster, source_for_vm
from aksegress.netmodel.matrix import matrix_cells

SUB = "00000000-0000-0000-0000-000000000000"
FW_IP = "10.0.1.4"


def _id(rg: str, kind: str, *names: str) -> str:
    ns, *types = kind.split("/")
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{ns}/" + "/".join(f"{t}/{n}" for t, n in zip(types, names))


def _r(kind: str, rid: str, props: dict, location: str = "eastus2") -> dict:
    return {"id": rid, "name": rid.rsplit("/", 1)[-1], "type": kind, "location": location, "properties": props}


def _spoke_base(i: int) -> tuple[int, int]:
    return 16 + i // 16, (i % 16) * 16


def build_estate(spokes: int, rules: int = 3000, collections: int = 30, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    hub_id = _id("hub", "Microsoft.Network/virtualNetworks", "vnet-hub")
    pol_id = _id("hub", "Microsoft.Network/firewallPolicies", "policy")
    out = [_r("Microsoft.Network/virtualNetworks", hub_id, {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
               {"name": "AzureFirewallSubnet", "properties": {"addressPrefix": "10.0.1.0/26"}}]}),
           _r("Microsoft.Network/firewallPolicies", pol_id, {"dnsSettings": {"enableProxy": True}, "threatIntelMode": "Alert"}),
           _r("Microsoft.Network/azureFirewalls", _id("hub", "Microsoft.Network/azureFirewalls", "fw"), {
               "ipConfigurations": [{"name": "c", "properties": {"privateIPAddress": FW_IP, "subnet": {"id": hub_id + "/subnets/AzureFirewallSubnet"}}}],
               "firewallPolicy": {"id": pol_id}})]
    apis = []
    for i in range(spokes):
        a, b = _spoke_base(i)
        rg, name = f"rg-s{i}", f"vnet-s{i}"
        vid = _id(rg, "Microsoft.Network/virtualNetworks", name)
        rt = _id(rg, "Microsoft.Network/routeTables", f"rt-s{i}")
        out.append(_r("Microsoft.Network/routeTables", rt, {"disableBgpRoutePropagation": True, "routes": [
            {"name": "default", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": FW_IP}}]}))
        subnets = [{"name": sn, "properties": {"addressPrefix": f"10.{a}.{b + k * 4}.0/22" if sn == "aks" else f"10.{a}.{b + k * 4}.0/24",
                                               "routeTable": {"id": rt}}} for k, sn in enumerate(("aks", "vm", "pe"))]
        out.append(_r("Microsoft.Network/virtualNetworks", vid, {"addressSpace": {"addressPrefixes": [f"10.{a}.{b}.0/20"]},
                                                                 "dhcpOptions": {"dnsServers": [FW_IP]}, "subnets": subnets}))
        for local, remote, pname in ((vid, hub_id, "to-hub"), (hub_id, vid, f"to-s{i}")):
            out.append(_r("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", f"{local}/virtualNetworkPeerings/{pname}", {
                "remoteVirtualNetwork": {"id": remote}, "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True,
                "peeringState": "Connected"}))
        nic = _id(rg, "Microsoft.Network/networkInterfaces", f"vm-s{i}-nic")
        out.append(_r("Microsoft.Network/networkInterfaces", nic, {"ipConfigurations": [{"name": "c", "properties": {
            "privateIPAddress": f"10.{a}.{b + 4}.4", "subnet": {"id": f"{vid}/subnets/vm"}}}]}))
        out.append(_r("Microsoft.Compute/virtualMachines", _id(rg, "Microsoft.Compute/virtualMachines", f"vm-s{i}"),
                      {"networkProfile": {"networkInterfaces": [{"id": nic}]}}))
        zone = f"{i:08x}-0000-0000-0000-000000000000.privatelink.eastus2.azmk8s.io"
        zid = _id(f"mc-{i}", "Microsoft.Network/privateDnsZones", zone)
        api_ip, fqdn = f"10.{a}.{b}.4", f"aks{i}-abcd1234.{zone}"
        apis.append((i, api_ip, fqdn))
        out += [_r("Microsoft.Network/privateDnsZones", zid, {}, "global"),
                _r("Microsoft.Network/privateDnsZones/A", f"{zid}/A/aks{i}-abcd1234", {"aRecords": [{"ipv4Address": api_ip}]}, "global")]
        out += [_r("Microsoft.Network/privateDnsZones/virtualNetworkLinks", f"{zid}/virtualNetworkLinks/{ln}",
                   {"virtualNetwork": {"id": target}, "virtualNetworkLinkState": "Completed"}, "global")
                for ln, target in (("spoke", vid), ("hub", hub_id))]
        out.append(_r("Microsoft.ContainerService/managedClusters", _id(rg, "Microsoft.ContainerService/managedClusters", f"aks{i}"), {
            "privateFQDN": fqdn, "apiServerAccessProfile": {"enablePrivateCluster": True},
            "agentPoolProfiles": [{"name": "np", "vnetSubnetID": f"{vid}/subnets/aks"}],
            "networkProfile": {"outboundType": "userDefinedRouting"}}))
    per = rules // collections
    groups = {g: [] for g in range(3)}
    for c in range(collections):
        app = c >= collections - 5
        rule_list = []
        for k in range(per):
            src_i, (_dst_i, api_ip, fqdn) = rnd.randrange(spokes), apis[rnd.randrange(spokes)]
            a, b = _spoke_base(src_i)
            if app:
                rule_list.append({"ruleType": "ApplicationRule", "name": f"app-{c}-{k}", "sourceAddresses": [f"10.{a}.{b}.0/20"],
                                  "targetFqdns": [fqdn], "protocols": [{"protocolType": "Https", "port": 443}]})
            else:
                rule_list.append({"ruleType": "NetworkRule", "name": f"net-{c}-{k}", "ipProtocols": ["TCP"],
                                  "sourceAddresses": [f"10.{a}.{b}.0/20"], "destinationAddresses": [api_ip],
                                  "destinationPorts": [rnd.choice(["443", "22", "8443-8445"])]})
        groups[c % 3].append({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": f"rc-{c}", "priority": 100 + c,
                              "action": {"type": "Deny" if c % 7 == 3 else "Allow"}, "rules": rule_list})
    for g, cols in groups.items():
        out.append(_r("Microsoft.Network/firewallPolicies/ruleCollectionGroups", f"{pol_id}/ruleCollectionGroups/rcg-{g}",
                      {"priority": 200 + g * 100, "ruleCollections": cols}))
    return out


def peak_memory(resources: list[dict]) -> float:
    """Peak traced allocation (MiB) of building the model and running the full matrix, measured in its own pass."""
    tracemalloc.start()
    reachability_matrix(Snapshot.from_resources(resources))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def measure(spokes: int) -> dict:
    resources = build_estate(spokes)
    t0 = time.perf_counter()
    snap = Snapshot.from_resources(resources)
    build = time.perf_counter() - t0
    rnd = random.Random(1)
    vms, clusters = list(snap.vms.values()), list(snap.clusters.values())
    samples = []
    for _ in range(200):
        src, dst = source_for_vm(snap, rnd.choice(vms)), destination_for_cluster(rnd.choice(clusters))
        t = time.perf_counter()
        trace(snap, src, dst, 443)
        samples.append(time.perf_counter() - t)
    fresh = Snapshot.from_resources(resources)
    t0 = time.perf_counter()
    table = reachability_matrix(fresh)
    matrix = time.perf_counter() - t0
    return {"spokes": spokes, "resources": len(resources), "build_s": build, "trace_median_ms": statistics.median(samples) * 1e3,
            "trace_first_ms": samples[0] * 1e3, "cells": len(table), "matrix_s": matrix, "per_cell_us": matrix / max(len(table), 1) * 1e6,
            "peak_mib": peak_memory(resources), "dispositions": table["disposition"].value_counts().to_dict()}


def measure_health(spokes: int) -> dict:
    """The doctor's health check on a fresh snapshot: each VM to each cluster against intent (a spoke reaches its own
    cluster only), egress readiness of every cluster subnet, and the estate findings."""
    snap = Snapshot.from_resources(build_estate(spokes))
    own = {(c.node_subnet_ids[0].rsplit("/subnets/", 1)[0], c.id) for c in snap.clusters.values()}
    t0, cpu0 = time.perf_counter(), time.process_time()
    cells = matrix_cells(snap, intent=own)
    t1 = time.perf_counter()
    report = health_report(snap, cells, intent_known=True)
    t2, cpu2 = time.perf_counter(), time.process_time()
    return {"spokes": spokes, "cells": len(cells), "matrix_s": t1 - t0, "rest_s": t2 - t1, "total_s": t2 - t0, "cpu_s": cpu2 - cpu0,
            "subnets": len(report.egress), "findings": len(report.findings)}


def measure_doctor(spokes: int) -> dict:
    """`aksegress doctor --snapshot DIR --json` end to end, as a user runs it: a process that reads one ARM JSON file
    per resource, builds the model and reports (no params, so intent is unknown)."""
    with tempfile.TemporaryDirectory() as folder:
        written = write_directory(build_estate(spokes), Path(folder))
        command = [sys.executable, "-m", "aksegress.cli", "doctor", "--snapshot", folder, "--json"]
        t0, cpu0 = time.perf_counter(), _children_cpu()
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
        wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if done.returncode not in (0, 1):
        raise SystemExit(f"doctor exited {done.returncode}: {done.stderr[-2000:]}")
    return {"spokes": spokes, "files": len(written), "wall_s": wall, "cpu_s": cpu, "exit": done.returncode}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spokes", type=int, default=300)
    parser.add_argument("--small", type=int, default=30)
    args = parser.parse_args()
    results = [measure(args.small), measure(args.spokes)]
    for r in results:
        print(f"{r['spokes']:>4} spokes, {r['resources']} resources: build {r['build_s']:.2f} s; one trace median "
              f"{r['trace_median_ms']:.3f} ms (first {r['trace_first_ms']:.2f} ms); matrix {r['cells']} cells in {r['matrix_s']:.2f} s "
              f"({r['per_cell_us']:.1f} us/cell); peak memory {r['peak_mib']:.0f} MiB (tracemalloc)")
        print(f"      dispositions: {r['dispositions']}")
    small, big = results
    print(f"growth {small['spokes']} -> {big['spokes']} spokes: cells x{big['cells'] / small['cells']:.0f}, "
          f"matrix time x{big['matrix_s'] / small['matrix_s']:.1f}, per-cell time ratio {big['per_cell_us'] / small['per_cell_us']:.2f}")
    health = [measure_health(args.small), measure_health(args.spokes)]
    for h in health:
        print(f"health check, {h['spokes']:>4} spokes: {h['total_s']:.2f} s ({h['cells']} cells in {h['matrix_s']:.2f} s; egress of "
              f"{h['subnets']} cluster subnets and {h['findings']} findings in {h['rest_s']:.2f} s; CPU {h['cpu_s']:.2f} s, the figure a "
              "shared machine disturbs least); target for 300 spokes: < 10 s")
    print(f"health check growth: cells x{health[1]['cells'] / health[0]['cells']:.0f}, time x{health[1]['total_s'] / health[0]['total_s']:.1f}, "
          f"per-cell time ratio {(health[1]['total_s'] / health[1]['cells']) / (health[0]['total_s'] / health[0]['cells']):.2f}")
    doctor = measure_doctor(args.spokes)
    print(f"doctor --snapshot end to end, {doctor['spokes']} spokes ({doctor['files']} files): {doctor['wall_s']:.2f} s wall, CPU {doctor['cpu_s']:.2f} s, "
          f"exit {doctor['exit']} (process start, imports, reading the files, matrix, egress, findings, JSON out); target < 10 s")


if __name__ == "__main__":
    main()
