"""What a plan does to reachability: the intent matrix and each cluster subnet's required egress, on the observed
state and on it with the plan laid over.

The plan's bodies are applied to the snapshot's ARM JSON in memory (nothing is sent), the connectivity model is
rebuilt, and the cells and egress destinations whose delivery changed are listed as flows the plan opens or closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aksegress.egress_table import readiness_by_spoke
from aksegress.impact_scope import affected_pairs
from aksegress.intent import endpoints, reachability
from aksegress.netmodel.arm_resources import flatten, norm_id, ref_id, type_from_id
from aksegress.netmodel.egress import BYPASS, FAIL
from aksegress.netmodel.matrix import Cell
from aksegress.netmodel.snapshot import Snapshot
from aksegress.plan_files import impact_lines

__all__ = ["Flow", "Impact", "planned_snapshot", "reachability_impact", "touches_model"]

_MODEL_KEYS = ("name", "properties", "location")
_MODEL_TYPES = frozenset(t.lower() for t in (
    "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets", "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Network/routeTables", "Microsoft.Network/routeTables/routes", "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules", "Microsoft.Network/networkInterfaces", "Microsoft.Compute/virtualMachines",
    "Microsoft.Network/azureFirewalls", "Microsoft.Network/firewallPolicies", "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
    "Microsoft.Network/virtualNetworkGateways", "Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Network/privateDnsZones/A", "Microsoft.Network/privateEndpoints", "Microsoft.ContainerService/managedClusters"))
_PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
_EGRESS_TYPES = frozenset(t.lower() for t in (
    "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets", "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Network/routeTables", "Microsoft.Network/routeTables/routes", "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules", "Microsoft.Network/azureFirewalls", "Microsoft.Network/firewallPolicies",
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "Microsoft.Network/virtualNetworkGateways"))


def touches_model(resource_id: str) -> bool:
    """Whether the connectivity model reads resources of this id's type (a resource group or role assignment it does not)."""
    return type_from_id(resource_id).lower() in _MODEL_TYPES


@dataclass(frozen=True)
class Flow:
    """One flow as a reviewer reads it: to a cluster API server (``access``), or from a cluster subnet to a destination
    AKS requires (``egress``), through the firewall or, ``around_firewall``, past it."""

    source: str
    destination: str
    protocol: str
    port: int
    rule: str | None = None
    kind: str = "access"
    around_firewall: bool = False

    def __str__(self) -> str:
        how = " around the firewall" if self.around_firewall else (f" (rule {self.rule})" if self.rule else "")
        return f"{'egress ' if self.kind == 'egress' else ''}{self.source} -> {self.destination} {self.protocol}/{self.port}{how}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "destination": self.destination, "protocol": self.protocol, "port": self.port,
                "rule": self.rule, "around_firewall": self.around_firewall, "flow": str(self)}


@dataclass
class Impact:
    """The flows a plan opens and closes; empty lists mean the plan leaves reachability as it is."""

    opens: list[Flow] = field(default_factory=list)
    closes: list[Flow] = field(default_factory=list)

    def lines(self) -> list[str]:
        return impact_lines(self.to_dict())

    def summary(self) -> str:
        return "; ".join(self.lines())

    def to_dict(self) -> dict:
        return {"opens": [f.to_dict() for f in self.opens], "closes": [f.to_dict() for f in self.closes]}

    def __add__(self, other: "Impact") -> "Impact":
        opens = [f for f in self.opens if f not in other.closes] + [f for f in other.opens if f not in self.opens]
        closes = [f for f in self.closes if f not in other.opens] + [f for f in other.closes if f not in self.closes]
        return Impact(opens, closes)


def planned_snapshot(snap: Snapshot, changes: Iterable[tuple[str, str, dict | None]]) -> Snapshot | None:
    """``snap`` with each (action, id, body) laid over it; None when no change touches what the model reads.

    Untouched resources are the very objects of ``snap`` (nothing here changes them), so the new snapshot can reuse
    the rules ``snap`` compiled from them."""
    resources = dict(snap.raw)
    touched = False
    for action, resource_id, body in changes:
        rid = norm_id(resource_id)
        if not touches_model(resource_id):
            continue
        before = resources.get(rid)
        if action == "delete":
            touched |= resources.pop(rid, None) is not None
            for child in [key for key in resources if key.startswith(rid + "/")]:
                del resources[child]
            continue
        after = {"id": resource_id, "name": resource_id.rstrip("/").rsplit("/", 1)[-1], **(body or {})}
        after.setdefault("properties", {})
        if before is not None and all(_model_value(before, k) == _model_value(after, k) for k in _MODEL_KEYS):
            continue
        touched = True
        if before is not None:
            after["type"] = before.get("_type")
        _lay_over(resources, rid, flatten([after]))
    if not touched:
        return None
    _connect_new_peerings(resources)
    return Snapshot(resources, snap.gateway_prefixes, snap.service_tags, shared=snap.shared)


def _connect_new_peerings(resources: dict[str, dict]) -> None:
    """A peering created with no state yet is ``Initiated``; once its reverse exists (and is not ``Disconnected``)
    Azure reports both sides ``Connected``. The plan cannot send the state: Azure decides it."""
    peerings = {rid: r for rid, r in resources.items() if r.get("_type") == _PEERING}
    by_pair = {(rid.split("/virtualnetworkpeerings/")[0], ref_id(r["properties"].get("remoteVirtualNetwork"))): rid for rid, r in peerings.items()}
    for (local, remote), rid in by_pair.items():
        if peerings[rid]["properties"].get("peeringState"):
            continue
        reverse = by_pair.get((remote, local))
        connected = reverse is not None and str(peerings[reverse]["properties"].get("peeringState") or "").lower() != "disconnected"
        for side in (rid, reverse) if connected else (rid,):
            resources[side] = {**peerings[side], "properties": {**peerings[side]["properties"], "peeringState": "Connected" if connected else "Initiated"}}


def _lay_over(resources: dict[str, dict], rid: str, flattened: dict[str, dict]) -> None:
    """The changed resource replaces its entry where it stands (so the order of a VNet's subnets, which picks its
    source, stays); its inline children update theirs, as ``flatten`` merges a resource seen twice."""
    for key, entry in flattened.items():
        existing = resources.get(key)
        if key == rid or existing is None:
            resources[key] = entry
            continue
        resources[key] = {**existing, **{k: entry[k] for k in ("location", "sku", "tags") if k in entry},
                          "properties": {**existing["properties"], **entry["properties"]}}


def reachability_impact(params, snap: Snapshot, changes: Iterable[tuple[str, str, dict | None]]) -> Impact:
    """The flows ``changes`` open and close: by the one reachability matrix of ``aksegress.intent`` (only the cells
    the changed resources can reach are traced, on both sides), then by the one egress verdict of each declared
    cluster subnet, when a change is of a type egress depends on."""
    changes = list(changes)
    after_snap = planned_snapshot(snap, changes)
    if after_snap is None:
        return Impact()
    sources, destinations = endpoints(params, after_snap)
    only = affected_pairs(snap, after_snap, [rid for _, rid, _ in changes if touches_model(rid)], sources, destinations)
    before = reachability(params, snap, only=only)
    after = reachability(params, after_snap, only=only)
    opens, closes = [], []
    for key in dict.fromkeys([*before.cells, *after.cells]):
        was, now = before.cells.get(key), after.cells.get(key)
        was_on, now_on = bool(was and was.result.delivered), bool(now and now.result.delivered)
        if now_on and not was_on:
            opens.append(_flow(now))
        elif was_on and not now_on:
            closes.append(_flow(was))
    if any(type_from_id(rid).lower() in _EGRESS_TYPES for _, rid, _ in changes):
        was, now = _egress_flows(params, snap), _egress_flows(params, after_snap)
        opens += [f for key, f in now.items() if key not in was or was[key].around_firewall != f.around_firewall]
        closes += [f for key, f in was.items() if key not in now or now[key].around_firewall != f.around_firewall]
    return Impact(opens, closes)


def _egress_flows(params, snap: Snapshot) -> dict[tuple, Flow]:
    """Each required (or conditional) egress destination the declared cluster subnets reach, by the egress verdict."""
    return {(row["subnet"], row["probe"], row["protocol"], row["port"]):
            Flow(row["subnet"], row["probe"], row["protocol"], row["port"], row["rule"] or None, "egress", row["status"] == BYPASS)
            for verdict in readiness_by_spoke(params, snap).values() for row in verdict.rows if row["status"] != FAIL}


def _flow(cell: Cell) -> Flow:
    r = cell.result
    return Flow(cell.source.label, cell.destination.label.removeprefix("cluster:"), r.protocol, r.port, r.rule or None)


def _model_value(resource: dict, key: str):
    value = resource.get(key)
    return {k: v for k, v in value.items() if k != "provisioningState"} if isinstance(value, dict) else value
