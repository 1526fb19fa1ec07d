"""Step 03: route tables that send spoke egress and spoke-to-spoke traffic to the hub firewall."""

from __future__ import annotations

import time

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.common import hub_of, subnet_id
from aksegress.desired.firewall import gateway_id
from aksegress.desired.route_tables import route_table_id, route_tables, routed_subnets
from aksegress.errors import MissingFact
from aksegress.kinds import VPN_GATEWAY
from aksegress.netmodel import effective_routes_table, next_hop
from aksegress.netmodel.arm_resources import norm_id
from aksegress.steps.spec import StepSpec

INTERNET_PROBE = "20.60.0.1"
GATEWAY_WAIT_S, GATEWAY_POLL_S = 3600.0, 30.0
"""How long step 03 waits for the VPN gateway step 02 started (Azure takes 30-45 minutes), and how often it looks."""


def wait_for_gateway(step, plan, *, sleep=time.sleep, clock=time.monotonic) -> None:
    """Before writing GatewaySubnet's route table and gateway transit, wait for the hub's VPN gateway to finish:
    Azure refuses ``useRemoteGateways`` until then, and the hub VNet is busy while the gateway builds."""
    gateway = step.params.hub.vpn_gateway
    if gateway is None:
        return
    clients = step.runbook.clients(step.params.hub.subscription_id)
    deadline = clock() + GATEWAY_WAIT_S
    while True:
        state = ((VPN_GATEWAY.get(clients, gateway_id(step.params)) or {}).get("properties") or {}).get("provisioningState", "absent")
        if state == "Succeeded":
            return
        if state in ("absent", "Failed", "Canceled"):
            raise MissingFact(f"VPN gateway {gateway.name} (hub.vpn_gateway) is {state}", step="02-firewall")
        if clock() > deadline:
            raise MissingFact(f"VPN gateway {gateway.name} (hub.vpn_gateway) is still {state} after {GATEWAY_WAIT_S / 60:.0f} minutes",
                              hint="re-run step 03-route-tables when the gateway has finished building")
        sleep(GATEWAY_POLL_S)


def route_table_table(step) -> pd.DataFrame:
    params, observed = step.params, step.observe()
    rows = []
    for key, spoke in params.spokes.items():
        props = (observed.get(route_table_id(spoke).lower()) or {}).get("properties") or {}
        for route in props.get("routes") or []:
            r = route.get("properties") or {}
            rows.append({"spoke": key, "route table": route_table_id(spoke).rsplit("/", 1)[1], "route": route.get("name"),
                         "addressPrefix": r.get("addressPrefix"), "nextHopType": r.get("nextHopType"),
                         "nextHopIpAddress": r.get("nextHopIpAddress"),
                         "subnets": ", ".join(s["id"].rsplit("/", 1)[1] for s in props.get("subnets") or [])})
    return pd.DataFrame(rows)


def effective_routes(step) -> pd.DataFrame:
    """Each routed subnet's effective routes, in the columns `az network nic show-effective-route-table` prints; a
    subnet that does not exist yet (a plan-only run before step 01 was applied) has one row saying so."""
    params, snap = step.params, step.snapshot()
    frames = []
    for _key, spoke in params.spokes.items():
        for name in routed_subnets(spoke):
            if norm_id(subnet_id(spoke, name)) in snap.subnets:
                frame = effective_routes_table(snap, subnet_id(spoke, name))
            else:
                frame = pd.DataFrame([{"state": "subnet does not exist (step 01 creates it)"}])
            frame.insert(0, "subnet", f"{spoke.vnet.name}/{name}")
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def checks(step) -> list[Verdict]:
    params, snap = step.params, step.snapshot()
    firewall_ip = hub_of(params, step.runbook.facts).firewall_ip
    out = []
    for key, spoke in params.spokes.items():
        for name in routed_subnets(spoke):
            subnet = subnet_id(spoke, name)
            probes = [("Internet", INTERNET_PROBE)] + [(other, str(o.vnet.address_space[0][4]))
                                                      for other, o in params.spokes.items() if other != key]
            for label, ip in probes:
                hop = next_hop(snap, subnet, ip)
                ok = hop.next_hop_type == "VirtualAppliance" and hop.next_hop_ip == firewall_ip
                out.append(Verdict(f"{spoke.vnet.name}/{name} -> {label} goes to the firewall", ok,
                                   f"next hop for {ip}: {hop.next_hop_type} {hop.next_hop_ip or ''}".strip()))
    return out


STEP = StepSpec(
    "03", "route-tables", "Route tables: spoke egress and spoke-to-spoke through the firewall",
    desired=route_tables, tables={"route tables": route_table_table, "effective routes": effective_routes}, checks=checks,
    precheck=wait_for_gateway,
)
