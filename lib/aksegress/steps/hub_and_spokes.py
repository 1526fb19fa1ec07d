"""Step 01: hub and spoke VNets with their subnets, peered hub-to-spoke in both directions."""

from __future__ import annotations

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.common import subnet_id, vnet_id
from aksegress.desired.hub_and_spokes import networks, peering_id
from aksegress.steps.spec import StepSpec


def vnet_table(step) -> pd.DataFrame:
    params, observed = step.params, step.observe()
    rows = []
    for owner, site in params.sites():
        seen = observed.get(vnet_id(site).lower())
        props = (seen or {}).get("properties") or {}
        rows.append({
            "owner": owner,
            "vnet": site.vnet.name,
            "subscription": site.subscription_id,
            "resource group": site.resource_group,
            "address space": ", ".join((props.get("addressSpace") or {}).get("addressPrefixes") or []),
            "subnets": ", ".join(f"{n} {p}" for n, p in site.subnets.items() if observed.get(subnet_id(site, n).lower())),
            "state": props.get("provisioningState", "missing"),
        })
    return pd.DataFrame(rows)


def peering_pairs(params):
    for name, spoke in params.spokes.items():
        yield name, "hub", spoke, params.hub
        yield "hub", name, params.hub, spoke


def peering_table(step) -> pd.DataFrame:
    params, observed = step.params, step.observe()
    rows = []
    for from_name, to_name, local, remote in peering_pairs(params):
        props = (observed.get(peering_id(local, remote).lower()) or {}).get("properties") or {}
        rows.append({
            "from": f"{from_name} ({local.vnet.name})",
            "to": f"{to_name} ({remote.vnet.name})",
            "peeringState": props.get("peeringState", "missing"),
            "allowVirtualNetworkAccess": props.get("allowVirtualNetworkAccess"),
            "allowForwardedTraffic": props.get("allowForwardedTraffic"),
            "verdict": "ok" if _peering_ok(props) else "FIX",
        })
    return pd.DataFrame(rows)


def _peering_ok(props: dict) -> bool:
    return props.get("peeringState") == "Connected" and props.get("allowVirtualNetworkAccess") is True and props.get("allowForwardedTraffic") is True


def checks(step) -> list[Verdict]:
    params, observed = step.params, step.observe()
    out = []
    for from_name, to_name, local, remote in peering_pairs(params):
        props = (observed.get(peering_id(local, remote).lower()) or {}).get("properties") or {}
        detail = (f"peeringState={props.get('peeringState', 'missing')}, allowVirtualNetworkAccess={props.get('allowVirtualNetworkAccess')}, "
                  f"allowForwardedTraffic={props.get('allowForwardedTraffic')}")
        out.append(Verdict(f"peering {from_name} -> {to_name} connected, forwarded traffic allowed", _peering_ok(props), detail))
    return out


STEP = StepSpec(
    "01", "hub-and-spokes", "Hub and spoke VNets, peered through the hub",
    desired=networks,
    tables={"vnets": vnet_table, "peerings": peering_table},
    checks=checks,
)
