"""Step 02: the hub firewall with its policy and public IP; the VPN gateway started alongside. An existing hub's
firewall and policy are only read and shown."""

from __future__ import annotations

import pandas as pd

from aksegress.checks import Verdict
from aksegress.desired.common import hub_of
from aksegress.desired.firewall import firewall, firewall_id, gateway_id, policy_id, public_ip_id
from aksegress.observe import observe
from aksegress.steps.spec import StepSpec


def _props(observed: dict, rid: str) -> dict:
    return (observed.get(rid.lower()) or {}).get("properties") or {}


def firewall_private_ip(observed: dict, params) -> str | None:
    configs = _props(observed, firewall_id(params)).get("ipConfigurations") or []
    return ((configs[0].get("properties") or {}).get("privateIPAddress")) if configs else None


def _observed(step) -> dict:
    """The hub's firewall, policy and public IPs as they are (read with the step's reads: one list per type)."""
    params = step.params
    ids = [firewall_id(params), policy_id(params), public_ip_id(params, params.hub.firewall.name)]
    return observe(ids + [d.id for d in step.desired()], step.runbook.clients, step.reads)


def firewall_table(step) -> pd.DataFrame:
    params, observed = step.params, _observed(step)
    fw, pol = _props(observed, firewall_id(params)), _props(observed, policy_id(params))
    rows = [{
        "resource": f"firewall {params.hub.firewall.name}",
        "private IP": firewall_private_ip(observed, params),
        "public IP": _props(observed, public_ip_id(params, params.hub.firewall.name)).get("ipAddress"),
        "policy": params.hub.firewall.policy,
        "DNS proxy": (pol.get("dnsSettings") or {}).get("enableProxy"),
        "threat intel": pol.get("threatIntelMode"),
        "state": fw.get("provisioningState", "missing"),
    }]
    if params.hub.vpn_gateway:
        gw = _props(observed, gateway_id(params))
        rows.append({
            "resource": f"VPN gateway {params.hub.vpn_gateway.name}",
            "public IP": _props(observed, public_ip_id(params, params.hub.vpn_gateway.name)).get("ipAddress"),
            "state": gw.get("provisioningState", "missing") + ("" if gw.get("provisioningState") == "Succeeded" else " (not waited for)"),
        })
    return pd.DataFrame(rows)


def checks(step) -> list[Verdict]:
    params, observed = step.params, _observed(step)
    expected = hub_of(params, step.runbook.facts).firewall_ip
    seen = firewall_private_ip(observed, params)
    out = [Verdict("firewall private IP is the one the spoke routes point at", seen == expected,
                   f"firewall has {seen}, routes will use {expected}")]
    needs_proxy = any(s.dns == "firewall" for s in params.spokes.values()) if params.hub.existing else params.hub.firewall.dns_proxy
    if needs_proxy:
        proxy = (_props(observed, policy_id(params)).get("dnsSettings") or {}).get("enableProxy")
        out.append(Verdict("DNS proxy enabled on the firewall policy", proxy is True, f"dnsSettings.enableProxy={proxy}"))
    if params.hub.vpn_gateway:
        state = _props(observed, gateway_id(params)).get("provisioningState", "missing")
        out.append(Verdict("VPN gateway build started", state in ("Succeeded", "Updating", "Creating"), f"provisioningState={state}"))
    return out


STEP = StepSpec(
    "02", "firewall", "Azure Firewall in the hub, with its policy and public IP",
    desired=firewall, tables={"firewall": firewall_table}, checks=checks,
)
