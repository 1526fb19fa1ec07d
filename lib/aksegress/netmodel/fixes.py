"""The smallest change that would make a failed flow pass, named as a resource and a property."""

from __future__ import annotations

from aksegress.netmodel.firewall_decision import compiled_policy
from aksegress.netmodel.snapshot import Firewall, Peering, Snapshot, Subnet
from aksegress.netmodel.verdicts import Fix


def hub_firewall_for(snap: Snapshot, subnet: Subnet) -> Firewall | None:
    """The firewall in the subnet's own VNet or a peered one, else the only firewall in the snapshot."""
    vnet = snap.vnets[subnet.vnet_id]
    for pid in vnet.peering_ids:
        fw = snap.firewall_in_vnet(snap.peerings[pid].remote_vnet_id)
        if fw:
            return fw
    fw = snap.firewall_in_vnet(vnet.id)
    if fw:
        return fw
    return next(iter(snap.firewalls.values()), None) if len(snap.firewalls) == 1 else None


def route_to_firewall(snap: Snapshot, subnet: Subnet, firewall: Firewall | None) -> Fix:
    fw_ip = firewall.private_ip if firewall else "<firewall private IP>"
    table = snap.route_tables.get(subnet.route_table_id)
    where = f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}"
    if table is None:
        return Fix(f"{where} (subnet)", "properties.routeTable.id",
                   f"associate a route table holding 0.0.0.0/0 -> VirtualAppliance {fw_ip} with subnet {where}",
                   "spoke traffic reaches the hub firewall only through a UDR")
    return Fix(table.id, "properties.routes", f"add route 0.0.0.0/0 -> VirtualAppliance {fw_ip} to route table {table.name}",
               f"route table {table.name} is associated with {where}")


def peering_fix(snap: Snapshot, local_vnet: str, remote_vnet: str) -> Fix:
    a, b = snap.vnets[local_vnet].name, snap.vnets[remote_vnet].name
    ab, ba = snap.peering(local_vnet, remote_vnet), snap.peering(remote_vnet, local_vnet)
    if ab is None or ba is None:
        missing = f"{b} -> {a}" if ab is not None else f"{a} -> {b}"
        return Fix(f"{missing} (virtualNetworkPeerings)", "properties.remoteVirtualNetwork.id", f"create the peering {missing}",
                   "a peering is established only when both links exist and read Connected")
    broken = ab if ab.state.lower() != "connected" else ba
    return Fix(broken.id, "properties.peeringState", f"delete and recreate peering {broken.name} (state {broken.state})",
               "a Disconnected peering does not recover by itself")


def access_fix(peering: Peering) -> Fix:
    return Fix(peering.id, "properties.allowVirtualNetworkAccess", f"set allowVirtualNetworkAccess=true on peering {peering.name}")


def forwarded_fix(peering: Peering) -> Fix:
    return Fix(peering.id, "properties.allowForwardedTraffic", f"set allowForwardedTraffic=true on peering {peering.name}",
               "the receiving VNet must accept traffic the hub firewall forwards")


def _first_allow_collection(snap: Snapshot, firewall: Firewall, phase: str) -> tuple[str, str] | None:
    key = ("first-allow", firewall.id, phase)
    if key not in snap.cache:
        own = (snap.policies.get(firewall.policy_id) or {}).get("name")
        snap.cache[key] = next(((r.group, r.collection) for r in compiled_policy(snap, firewall).rules
                                if r.phase == phase and r.action == "Allow" and r.policy == own), None)
    return snap.cache[key]


def firewall_allow(snap: Snapshot, firewall: Firewall, source_prefix: str, dst_ip: str, protocol: str, port: int,
                   fqdn: str, private_endpoint: bool, zone_fix: Fix | None) -> Fix:
    policy = (snap.policies.get(firewall.policy_id) or {}).get("name", firewall.policy_id)
    net = _first_allow_collection(snap, firewall, "Network")
    app = _first_allow_collection(snap, firewall, "Application")
    net_where = f"network rule collection '{net[1]}' (group '{net[0]}')" if net else f"a new Allow network rule collection in policy {policy}"
    app_where = f"application rule collection '{app[1]}' (group '{app[0]}')" if app else f"a new Allow application rule collection in policy {policy}"
    net_change = f"allow {protocol} {port} to {dst_ip} from {source_prefix} in {net_where}"
    app_ok = fqdn and protocol.upper() == "TCP" and port in (80, 443)
    scheme = "Https" if port == 443 else "Http"
    if private_endpoint and app_ok:
        alternatives = [f"{net_change}, and set "
                   f"snat.privateRanges=['255.255.255.255/32'] on policy {policy} so the firewall SNATs it"]
        also = f", and {zone_fix.change} (the firewall resolves the SNI itself, from its own VNet)" if zone_fix else ""
        return Fix(policy, "ruleCollectionGroups[].ruleCollections[].rules", f"allow {scheme}:{port} to {fqdn} from {source_prefix} in {app_where}{also}",
                   "a private endpoint ignores UDRs, so replies return through the firewall only when it SNATs the flow; "
                   "application rules always SNAT, network rules to private addresses do not", alternatives)
    if private_endpoint:
        return Fix(policy, "ruleCollectionGroups[].ruleCollections[].rules", f"{net_change}, and set "
                   f"snat.privateRanges=['255.255.255.255/32'] on policy {policy}",
                   "a private endpoint answers around the firewall unless the firewall SNATs the flow")
    if app_ok and not _is_private_text(dst_ip):
        return Fix(policy, "ruleCollectionGroups[].ruleCollections[].rules", f"allow {scheme}:{port} to {fqdn} from {source_prefix} in {app_where}",
                   "", [net_change])
    if fqdn and not _is_private_text(dst_ip):
        from aksegress.netmodel.firewall_decision import dns_proxy_enabled

        change = f"allow {protocol} {port} to FQDN {fqdn} from {source_prefix} in {net_where} (destinationFqdns)"
        why = "FQDN network rules need DNS proxy, which is on" if dns_proxy_enabled(snap, firewall) else \
            f"FQDN network rules need DNS proxy: also set dnsSettings.enableProxy=true on policy {policy}"
        return Fix(policy, "ruleCollectionGroups[].ruleCollections[].rules", change, why)
    return Fix(policy, "ruleCollectionGroups[].ruleCollections[].rules", net_change)


def _is_private_text(ip: str) -> bool:
    from aksegress.netmodel.addresses import ip_to_int, is_private

    return is_private(ip_to_int(ip))


def snat_or_app_rule(snap: Snapshot, firewall: Firewall, fqdn: str, decision_where: str) -> Fix:
    policy = (snap.policies.get(firewall.policy_id) or {}).get("name", firewall.policy_id)
    alternatives = [f"replace network rule {decision_where} by an application rule on {fqdn} (application rules always SNAT)"] if fqdn else []
    return Fix(firewall.policy_id, "properties.snat.privateRanges", f"set snat.privateRanges=['255.255.255.255/32'] on policy {policy}",
               "the private endpoint's reply ignores UDRs and would bypass the firewall, which then drops the session", alternatives)


def return_route(snap: Snapshot, subnet: Subnet, src_prefix: str, firewall: Firewall) -> Fix:
    table = snap.route_tables.get(subnet.route_table_id)
    where = f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}"
    if table is None:
        return Fix(f"{where} (subnet)", "properties.routeTable.id",
                   f"associate a route table with {src_prefix} (or 0.0.0.0/0) -> VirtualAppliance {firewall.private_ip} to {where}")
    return Fix(table.id, "properties.routes", f"add route {src_prefix} -> VirtualAppliance {firewall.private_ip} to route table {table.name}",
               f"replies from {where} must return through the firewall that saw the request")


def nsg_allow(nsg_name: str, nsg_id: str, direction: str, protocol: str, port: int, src: str, dst: str, before: int) -> Fix:
    priority = max(100, min(before - 10, 4096))
    return Fix(nsg_id, "properties.securityRules",
               f"add an {direction} Allow rule to NSG {nsg_name} for {protocol} {port} from {src} to {dst} with priority {priority}")
