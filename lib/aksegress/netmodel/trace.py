"""End-to-end trace of one flow (docs/network-behaviour.md#6-the-decision-procedure): name, route, peering, NSG, firewall, onward
route, destination and return path. The first failing step names the disposition and the fix."""

from __future__ import annotations

from aksegress.netmodel import fixes
from aksegress.netmodel.addresses import ip_to_int, is_private
from aksegress.netmodel.dns import resolve, resolve_from_firewall
from aksegress.netmodel.firewall_decision import Flow, decide
from aksegress.netmodel.locate import Destination, Source, locate_destination, locate_source
from aksegress.netmodel.nsg import evaluate_nsg
from aksegress.netmodel.routes import NextHop, next_hop, peering_connected
from aksegress.netmodel.snapshot import Firewall, Snapshot, Subnet
from aksegress.netmodel.verdicts import (
    ASYMMETRIC_RETURN,
    DELIVERED,
    DENIED_BY_FIREWALL,
    DENIED_BY_NSG,
    FORWARDED_TRAFFIC_NOT_ALLOWED,
    INSUFFICIENT_INFO,
    NO_ROUTE,
    NULL_ROUTED,
    PEERING_ACCESS_DISABLED,
    PEERING_NOT_CONNECTED,
    WRONG_NEXT_HOP,
    Fix,
    Hop,
    Issue,
    TraceResult,
    weakest,
)

_PEERED = ("VNetPeering", "VNetGlobalPeering")
_DIRECT = ("VnetLocal", "VNetPeering", "VNetGlobalPeering", "InterfaceEndpoint")


def trace(snap: Snapshot, source: Source | str, destination: Destination | str, port: int = 443, protocol: str = "TCP") -> TraceResult:
    """Follow one flow from a VM, subnet or VNet to a cluster API server, VM, IP or FQDN, as Azure would."""
    src = source if isinstance(source, Source) else locate_source(snap, source)
    dst = destination if isinstance(destination, Destination) else locate_destination(snap, destination)
    return _Walk(snap, src, dst, protocol.upper(), int(port)).run()


class _Failed(Exception):
    pass


class _Walk:
    def __init__(self, snap: Snapshot, src: Source, dst: Destination, protocol: str, port: int):
        self.snap, self.src, self.dst = snap, src, dst
        self.result = TraceResult(src.label, dst.label, protocol, port, "", "", source_ip=src.ip, fqdn=dst.fqdn)
        self.hops = self.result.hops
        self.firewall: Firewall | None = None
        self.snat_source = src.ip
        self.decision = None

    # ---- outcome helpers -------------------------------------------------------------------------------------
    def fail(self, disposition: str, reason: str, fix: Fix | None = None, issue_type: str = "", confidence: str = "D",
             origin: str = "Outbound", context: dict | None = None):
        r = self.result
        r.disposition, r.reason, r.fix = disposition, reason, fix
        r.confidence = weakest(r.confidence, confidence)
        if self.hops:
            self.hops[-1].issues.append(Issue(origin, "Error", issue_type or disposition, dict(context or {})))
        raise _Failed

    def run(self) -> TraceResult:
        try:
            self._walk()
        except _Failed:
            pass
        return self.result

    # ---- steps -----------------------------------------------------------------------------------------------
    def _walk(self) -> None:
        snap, src, r = self.snap, self.src, self.result
        self.hops.append(Hop("Source", src.ip, src.resource_id or src.subnet.id))
        dst_ip = self.dst.ip
        if self.dst.fqdn:
            res = resolve(snap, self.dst.fqdn, vnet=snap.vnets[src.subnet.vnet_id], nic=src.nic)
            r.dns = res
            if not res.ok:
                fix = Fix(res.zone_id or self.dst.fqdn, "virtualNetworkLinks" if "link zone" in res.fix else "", res.fix) if res.fix else None
                self.fail(res.failure, f"{self.dst.fqdn} does not resolve from {src.label}: {'; '.join(res.chain)}.", fix,
                          "DnsResolution", res.confidence, "Local", {"server chain": " | ".join(res.chain)})
            dst_ip = res.addresses[0]
            if res.synthetic:
                r.warnings.append(f"{self.dst.fqdn} resolved publicly; {dst_ip} is a synthetic stand-in for its real address.")
            r.confidence = weakest(r.confidence, res.confidence)
        r.destination_ip = dst_ip
        hop = next_hop(snap, src.subnet, dst_ip)
        self.hops[0].matched = self._route_text(hop)
        self._from_source(hop, dst_ip)

    def _from_source(self, hop: NextHop, dst_ip: str) -> None:
        snap, src = self.snap, self.src
        kind = hop.next_hop_type
        src_vnet = src.subnet.vnet_id
        if kind == "None":
            self._maybe_unconnected_peering(src_vnet, dst_ip)
            self.fail(NULL_ROUTED, f"{src.label}'s route {self._route_text(hop)} drops traffic to {dst_ip}.",
                      fixes.route_to_firewall(snap, src.subnet, fixes.hub_firewall_for(snap, src.subnet)), "UserDefinedRoute",
                      context={"route": self._route_text(hop)})
        if kind == "Internet":
            if is_private(ip_to_int(dst_ip)):
                self.fail(WRONG_NEXT_HOP, f"{src.label} sends private address {dst_ip} to the Internet ({self._route_text(hop)}).",
                          fixes.route_to_firewall(snap, src.subnet, fixes.hub_firewall_for(snap, src.subnet)), "UserDefinedRoute")
            self._nsg_out(dst_ip)
            self.hops.append(Hop("Internet", dst_ip, "", self._route_text(hop)))
            self.result.warnings.append(f"Traffic from {src.label} to {dst_ip} leaves directly to the Internet without passing a firewall.")
            self._deliver(f"{src.label} reaches {dst_ip} directly over the Internet (no firewall on the path).")
        if kind == "VirtualNetworkGateway":
            self.fail(INSUFFICIENT_INFO, f"{dst_ip} is routed to a virtual network gateway; on-premises paths are not modelled.")
        if kind == "VirtualAppliance":
            self._via_appliance(hop, dst_ip)
            return
        remote = hop.route.remote_vnet_id if hop.route and hop.route.remote_vnet_id else src_vnet
        if remote != src_vnet:
            self._peering_gate(src_vnet, remote)
        self._nsg_out(dst_ip)
        self._destination(dst_ip, self.src.ip, via=None)

    def _via_appliance(self, hop: NextHop, dst_ip: str) -> None:
        snap, src = self.snap, self.src
        fw = snap.firewall_at(hop.next_hop_ip)
        if fw is None:
            nic = snap.nic_at(hop.next_hop_ip)
            if nic is not None and nic.ip_forwarding:
                self.fail(INSUFFICIENT_INFO, f"next hop {hop.next_hop_ip} is a network virtual appliance ({nic.name}); NVAs are not modelled.")
            hub_fw = fixes.hub_firewall_for(snap, src.subnet)
            table = snap.route_tables.get(hop.route_table_id.lower())
            fix = Fix(hop.route_table_id, f"routes[{hop.route.name}].nextHopIpAddress",
                      f"set nextHopIpAddress of route {hop.route.name} in route table {table.name if table else hop.route_table_id} to "
                      f"{hub_fw.private_ip if hub_fw else '<firewall private IP>'}") if hop.route else None
            self.fail(WRONG_NEXT_HOP, f"{src.label}'s route {self._route_text(hop)} points at {hop.next_hop_ip}, where there is no firewall.",
                      fix, "UserDefinedRoute")
        fw_vnet = fw.vnet_id
        if fw_vnet != src.subnet.vnet_id:
            if snap.peering(src.subnet.vnet_id, fw_vnet) is None and snap.peering(fw_vnet, src.subnet.vnet_id) is None:
                self.fail(NO_ROUTE, f"next hop {fw.private_ip} ({fw.name}) is not in {snap.vnets[src.subnet.vnet_id].name} or a VNet peered with it.",
                          fixes.peering_fix(snap, src.subnet.vnet_id, fw_vnet), "UserDefinedRoute")
            self._peering_gate(src.subnet.vnet_id, fw_vnet)
        self._nsg_out(dst_ip)
        self.hops.append(Hop("VirtualAppliance", fw.private_ip, fw.id))
        self._through_firewall(fw, dst_ip)

    def _through_firewall(self, fw: Firewall, dst_ip: str) -> None:
        snap, src, r = self.snap, self.src, self.result
        self.firewall = fw
        flow = Flow(src.ip, dst_ip, r.protocol, r.port, self.dst.fqdn)
        decision = self.decision = decide(snap, fw, flow)
        r.firewall = decision
        explanation = self.hops[-1].matched = decision.explain()
        r.confidence = weakest(r.confidence, decision.confidence)
        endpoint = snap.endpoints.get(dst_ip)
        if not decision.allowed:
            zone_fix = None
            if self.dst.fqdn:
                fw_res = resolve_from_firewall(snap, fw, self.dst.fqdn)
                zone_fix = Fix(fw_res.zone_id, "virtualNetworkLinks", fw_res.fix) if fw_res.failure and fw_res.fix else None
            prefix = str(src.subnet.prefixes[0]) if src.subnet.prefixes else src.ip
            self.fail(DENIED_BY_FIREWALL, explanation,
                      fixes.firewall_allow(snap, fw, prefix, dst_ip, r.protocol, r.port, self.dst.fqdn, endpoint is not None, zone_fix),
                      "Firewall", context={"phase": decision.phase, "rule": decision.rule or "default deny"})
        onward = dst_ip
        if decision.phase == "Application":
            if not decision.upstream_ip:
                fw_res = resolve_from_firewall(snap, fw, self.dst.fqdn)
                self.fail(fw_res.failure or "DNS_NXDOMAIN", f"the application rule matched, but the firewall cannot resolve {self.dst.fqdn}: "
                          f"{'; '.join(fw_res.chain)}.", Fix(fw_res.zone_id, "virtualNetworkLinks", fw_res.fix) if fw_res.fix else None,
                          "DnsResolution", weakest(fw_res.confidence, "C"))
            onward = decision.upstream_ip
        if decision.snat and is_private(ip_to_int(onward)):
            self.snat_source = fw.private_ip
        hop = next_hop(snap, snap.subnets[fw.subnet_id], onward)
        self.hops[-1].matched += f" Onward: {self._route_text(hop)}."
        kind = hop.next_hop_type
        if kind == "Internet":
            if is_private(ip_to_int(onward)):
                self.fail(WRONG_NEXT_HOP, f"the firewall sends private address {onward} to the Internet.", origin="Local")
            self.hops.append(Hop("Internet", onward, ""))
            self._deliver(f"the firewall allowed the flow ({decision.rule_type} {decision.rule}) and it leaves to the Internet.")
        if kind == "None":
            self._maybe_unconnected_peering(fw.vnet_id, onward)
            dst_vnet = snap.vnet_of_ip(onward)
            fix = fixes.peering_fix(snap, fw.vnet_id, dst_vnet) if dst_vnet else None
            self.fail(NULL_ROUTED, f"the firewall has no route to {onward} ({self._route_text(hop)}).", fix, "UserDefinedRoute", origin="Local")
        if kind in ("VirtualAppliance", "VirtualNetworkGateway"):
            self.fail(INSUFFICIENT_INFO if kind == "VirtualNetworkGateway" else WRONG_NEXT_HOP,
                      f"the firewall's onward route {self._route_text(hop)} leaves the modelled path.")
        remote = hop.route.remote_vnet_id if hop.route and hop.route.remote_vnet_id else fw.vnet_id
        if remote != fw.vnet_id:
            self._peering_gate(fw.vnet_id, remote)
            if snap.vnet_of_ip(self.snat_source) != fw.vnet_id:
                back = snap.peering(remote, fw.vnet_id)
                if back is not None and not back.allow_forwarded:
                    self.fail(FORWARDED_TRAFFIC_NOT_ALLOWED,
                              f"peering {back.name} ({snap.vnets[remote].name} -> {snap.vnets[fw.vnet_id].name}) does not accept "
                              f"traffic the firewall forwards from {self.snat_source}. Documented requirement; Azure has been reported "
                              "not to enforce this in all cases.", fixes.forwarded_fix(back), "Peering", "C", "Inbound")
        self._destination(onward, self.snat_source, via=fw)

    def _destination(self, dst_ip: str, seen_source: str, via: Firewall | None) -> None:
        snap = self.snap
        endpoint = snap.endpoints.get(dst_ip)
        subnet_id = snap.subnet_of_ip(dst_ip)
        if not subnet_id:
            self.fail(NO_ROUTE, f"no subnet in the snapshot holds {dst_ip}.", origin="Local")
        subnet = snap.subnets[subnet_id]
        nic = snap.nic_at(dst_ip)
        if endpoint is not None:
            hop = Hop("InterfaceEndpoint", dst_ip, endpoint.id, f"private endpoint {endpoint.name}")
        else:
            hop = Hop("VnetLocal", dst_ip, (nic.vm_id or nic.id) if nic else subnet.id)
        self.hops.append(hop)
        ignores_policies = endpoint is not None and not subnet.endpoint_network_policies
        if not ignores_policies:
            self._nsg(subnet.nsg_id, subnet, "Inbound", seen_source, dst_ip, "subnet")
            if nic is not None:
                self._nsg(nic.nsg_id, subnet, "Inbound", seen_source, dst_ip, "NIC")
        self._return_path(subnet, dst_ip, seen_source, via, ignores_policies)
        self._deliver(f"{self.src.label} reaches {dst_ip}" + (f" through firewall {via.name}" if via else "") + ".")

    def _return_path(self, subnet: Subnet, dst_ip: str, reply_to: str, via: Firewall | None, ignores_udr: bool) -> None:
        snap = self.snap
        hop = next_hop(snap, subnet, reply_to, apply_route_table=not ignores_udr)
        text = self._route_text(hop)
        where = f"{snap.vnets[subnet.vnet_id].name}/{subnet.name}"
        if via is not None and reply_to != via.private_ip:
            if hop.next_hop_type == "VirtualAppliance" and hop.next_hop_ip == via.private_ip:
                return
            endpoint = ignores_udr or snap.endpoints.get(dst_ip) is not None
            if endpoint:
                rule = f"{self.decision.rule_collection}/{self.decision.rule}" if self.decision else ""
                self.fail(ASYMMETRIC_RETURN,
                          f"the firewall allowed the flow with network rule {rule} without SNAT ({dst_ip} is inside the SNAT private "
                          f"ranges). The private endpoint's reply to {reply_to} ignores UDRs and follows {text}, so it never returns "
                          "through the firewall: SNAT is required for private endpoints.",
                          fixes.snat_or_app_rule(snap, via, self.dst.fqdn, rule), "ReturnPath", "?", "Inbound",
                          {"return route": text})
            src_prefix = str(self.src.subnet.prefixes[0])
            self.fail(ASYMMETRIC_RETURN, f"the reply from {where} to {reply_to} follows {text} instead of returning through "
                      f"firewall {via.name}.", fixes.return_route(snap, subnet, src_prefix, via), "ReturnPath", origin="Inbound",
                      context={"return route": text})
        if via is not None:
            if hop.next_hop_type not in _DIRECT:
                self.fail(ASYMMETRIC_RETURN, f"the reply from {where} to the firewall ({reply_to}) follows {text}.", origin="Inbound")
            return
        if hop.next_hop_type not in _DIRECT:
            fw = snap.firewall_at(hop.next_hop_ip) if hop.next_hop_type == "VirtualAppliance" else None
            fix = fixes.return_route(snap, self.src.subnet, str(subnet.prefixes[0]), fw) if fw else None
            self.fail(ASYMMETRIC_RETURN, f"the request went directly, but the reply from {where} to {reply_to} follows {text}.",
                      fix, "ReturnPath", origin="Inbound", context={"return route": text})

    # ---- gates -------------------------------------------------------------------------------------------------
    def _peering_gate(self, local: str, remote: str) -> None:
        key = ("peering-gate", local, remote)
        failure = self.snap.cache.get(key, False)
        if failure is False:
            failure = self.snap.cache[key] = _peering_failure(self.snap, local, remote)
        if failure is not None:
            self.fail(*failure)

    def _maybe_unconnected_peering(self, local: str, dst_ip: str) -> None:
        snap = self.snap
        dst_vnet = snap.vnet_of_ip(dst_ip)
        candidates = [dst_vnet] if dst_vnet else []
        candidates += [fw.vnet_id for fw in snap.firewalls.values()]
        for remote in candidates:
            if remote and remote != local and (snap.peering(local, remote) or snap.peering(remote, local)) \
                    and not peering_connected(snap, local, remote):
                self.fail(PEERING_NOT_CONNECTED, f"the peering between {snap.vnets[local].name} and {snap.vnets[remote].name} is not "
                          "Connected on both sides, so its routes are missing.", fixes.peering_fix(snap, local, remote), "Peering")

    def _nsg_out(self, dst_ip: str) -> None:
        src = self.src
        if src.nic is not None:
            self._nsg(src.nic.nsg_id, src.subnet, "Outbound", src.ip, dst_ip, "NIC")
        self._nsg(src.subnet.nsg_id, src.subnet, "Outbound", src.ip, dst_ip, "subnet")

    def _nsg(self, nsg_id: str, subnet: Subnet, direction: str, src_ip: str, dst_ip: str, level: str) -> None:
        r = self.result
        verdict = evaluate_nsg(self.snap, nsg_id, subnet, direction, src_ip, dst_ip, r.protocol, r.port, level)
        if verdict is None or verdict.allowed:
            return
        self.fail(DENIED_BY_NSG, f"{direction.lower()} rule {verdict.rule} (priority {verdict.priority}) of NSG {verdict.nsg} on the "
                  f"{level} denies {r.protocol} {src_ip} -> {dst_ip}:{r.port}.",
                  fixes.nsg_allow(verdict.nsg, verdict.nsg_id, direction.lower(), r.protocol, r.port, src_ip, dst_ip, verdict.priority),
                  "NetworkSecurityRule", origin=direction, context={"nsg": verdict.nsg, "rule": verdict.rule})

    def _deliver(self, reason: str) -> None:
        self.result.disposition, self.result.reason = DELIVERED, reason
        raise _Failed

    @staticmethod
    def _route_text(hop: NextHop) -> str:
        return hop.route.describe() if hop.route else "no matching route"


def _peering_failure(snap: Snapshot, local: str, remote: str) -> tuple | None:
    """Why traffic cannot cross the peering between two VNets, as ``fail`` arguments; None when it can (the same for
    every flow, so traces ask once per pair)."""
    if not peering_connected(snap, local, remote):
        return (PEERING_NOT_CONNECTED, f"the peering between {snap.vnets[local].name} and {snap.vnets[remote].name} is not "
                "Connected on both sides.", fixes.peering_fix(snap, local, remote), "Peering")
    for a, b in ((local, remote), (remote, local)):
        peering = snap.peering(a, b)
        if not peering.allow_access:
            return (PEERING_ACCESS_DISABLED, f"peering {peering.name} has allowVirtualNetworkAccess=false; modelled as blocking "
                    "both directions.", fixes.access_fix(peering), "Peering", "?")
    return None
