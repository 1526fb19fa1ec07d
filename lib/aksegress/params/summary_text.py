"""The few lines `aksegress validate` prints about what the parameters describe."""

from __future__ import annotations

from aksegress.params.models import Params


def _hub_line(params: Params) -> str:
    hub, fw = params.hub, params.hub.firewall
    if hub.existing:
        writes = ", ".join(hub.writes) or "nothing (every hub change becomes a change request)"
        return (f"hub (existing, read only): {hub.vnet.name} in {hub.resource_group}; firewall {fw.name}, policy {fw.policy}; "
                f"this environment may write: {writes}")
    return (f"hub: {hub.vnet.name} {', '.join(map(str, hub.vnet.address_space))} in {hub.resource_group}; firewall "
            f"{fw.name} ({fw.tier}, DNS proxy {'on' if fw.dns_proxy else 'off'})"
            + (f"; VPN gateway {hub.vpn_gateway.name} ({hub.vpn_gateway.sku})" if hub.vpn_gateway else ""))


def summary(params: Params) -> str:
    """A few lines that say what the parameters describe: environment, subscriptions, hub, spokes, access."""
    by_sub: dict[str, list[str]] = {}
    for owner, site in params.sites():
        by_sub.setdefault(site.subscription_id, []).append(owner)
    lines = [
        f"environment {params.environment}: target {params.target}, location {params.location}, tenant {params.tenant_id}",
        "subscriptions: " + "; ".join(f"{sub} ({', '.join(owners)})" for sub, owners in by_sub.items()),
        _hub_line(params),
    ]
    for key, spoke in params.spokes.items():
        parts = [f"{spoke.vnet.name} {', '.join(map(str, spoke.vnet.address_space))} in {spoke.resource_group}"]
        if spoke.cluster:
            parts.append(f"cluster {spoke.cluster.name} in subnet {spoke.cluster.subnet}")
        if spoke.test_vm:
            parts.append(f"VM {spoke.test_vm.name} in subnet {spoke.test_vm.subnet}")
        lines.append(f"{key}: " + "; ".join(parts))
    rules = [f"{r.from_} -> {r.cluster} ({params.spokes[r.cluster].cluster.name})" for r in params.access]  # type: ignore[union-attr]
    lines.append(f"access ({params.api_access_rule} rule): " + (", ".join(rules) if rules else "none"))
    return "\n".join(lines)
