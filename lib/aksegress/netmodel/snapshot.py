"""A read-only model of one network estate, built from ARM JSON: the input to every netmodel question."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aksegress.errors import AksegressError
from aksegress.netmodel.addresses import Prefix, PrefixIndex, ip_to_int, is_ip
from aksegress.netmodel.arm_resources import flatten, norm_id, props, read_directory, ref_id
from aksegress.netmodel.servicetags import ServiceTags, default_service_tags


@dataclass
class VNet:
    id: str
    name: str
    location: str
    prefixes: list[Prefix]
    dns_servers: list[str]
    subnet_ids: list[str] = field(default_factory=list)
    peering_ids: list[str] = field(default_factory=list)


@dataclass
class Subnet:
    id: str
    name: str
    vnet_id: str
    prefixes: list[Prefix]
    route_table_id: str
    nsg_id: str
    endpoint_network_policies: bool


@dataclass
class Peering:
    id: str
    name: str
    vnet_id: str
    remote_vnet_id: str
    allow_access: bool
    allow_forwarded: bool
    allow_gateway_transit: bool
    use_remote_gateways: bool
    state: str


@dataclass
class UserRoute:
    name: str
    address_prefix: str
    next_hop_type: str
    next_hop_ip: str


@dataclass
class RouteTable:
    id: str
    name: str
    routes: list[UserRoute]
    disable_bgp: bool


@dataclass
class NetworkInterface:
    id: str
    name: str
    ips: list[tuple[str, str]]
    dns_servers: list[str]
    nsg_id: str
    ip_forwarding: bool
    vm_id: str = ""


@dataclass
class VirtualMachine:
    id: str
    name: str
    nic_ids: list[str]


@dataclass
class Firewall:
    id: str
    name: str
    private_ip: str
    subnet_id: str
    vnet_id: str
    policy_id: str


@dataclass
class Endpoint:
    """A private endpoint address (a PE resource, or a private AKS API server found through its DNS record)."""

    id: str
    name: str
    ip: str
    subnet_id: str
    fqdns: list[str] = field(default_factory=list)


@dataclass
class Cluster:
    id: str
    name: str
    location: str
    private: bool
    private_fqdn: str
    fqdn: str
    node_subnet_ids: list[str]
    outbound_type: str
    node_resource_group: str
    api_ip: str = ""
    api_zone_id: str = ""


@dataclass
class Gateway:
    id: str
    name: str
    vnet_id: str
    learned_prefixes: list[Prefix]


@dataclass
class ZoneLink:
    id: str
    name: str
    zone_id: str
    vnet_id: str
    registration: bool
    state: str
    resolution_policy: str


@dataclass
class Zone:
    id: str
    name: str
    records: dict[str, list[str]] = field(default_factory=dict)
    link_ids: list[str] = field(default_factory=list)


def _bool(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


def _prefixes(p: dict) -> list[Prefix]:
    texts = list(p.get("addressPrefixes") or [])
    if p.get("addressPrefix"):
        texts.append(p["addressPrefix"])
    seen, out = set(), []
    for text in texts:
        if ":" in text or text in seen:
            continue
        seen.add(text)
        out.append(Prefix.parse(text))
    return out


def _vnet_of(child_id: str) -> str:
    marker = child_id.find("/virtualnetworks/")
    if marker < 0:
        return ""
    rest = child_id[marker + len("/virtualnetworks/"):].split("/", 1)[0]
    return child_id[: marker + len("/virtualnetworks/")] + rest


class Snapshot:
    """Every network resource of interest, parsed, indexed by lower-case id, plus lookups by name and address.

    Immutable after construction; derived answers (effective routes, DNS, firewall decisions) are cached in
    `cache`, so build a new Snapshot after any change. `shared` holds answers that depend only on the resource
    objects they were computed from (compiled firewall rules), so a snapshot derived from this one with the same
    service tags may be given it and skip that work for whatever it did not change.
    """

    def __init__(self, raw: dict[str, dict], gateway_prefixes: dict[str, list[str]] | None = None,
                 service_tags: ServiceTags | None = None, shared: dict | None = None):
        self.raw = raw
        self.service_tags = service_tags or default_service_tags()
        self.cache: dict[str, dict] = {}
        self.shared: dict = {} if shared is None else shared
        self.gateway_prefixes = dict(gateway_prefixes or {})
        self.vnets: dict[str, VNet] = {}
        self.subnets: dict[str, Subnet] = {}
        self.peerings: dict[str, Peering] = {}
        self.route_tables: dict[str, RouteTable] = {}
        self.nsgs: dict[str, dict] = {}
        self.nics: dict[str, NetworkInterface] = {}
        self.vms: dict[str, VirtualMachine] = {}
        self.firewalls: dict[str, Firewall] = {}
        self.policies: dict[str, dict] = {}
        self.rule_collection_groups: dict[str, dict] = {}
        self.gateways: dict[str, Gateway] = {}
        self.zones: dict[str, Zone] = {}
        self.links: dict[str, ZoneLink] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self.clusters: dict[str, Cluster] = {}
        self._parse(gateway_prefixes or {})
        self._index()

    @classmethod
    def from_resources(cls, resources: Iterable[Any], *, gateway_prefixes: dict[str, list[str]] | None = None,
                       service_tags: ServiceTags | None = None, shared: dict | None = None) -> "Snapshot":
        """Build from ARM resource dicts (or Azure SDK models, via `as_dict()`).

        `gateway_prefixes` maps a virtual network gateway name or id to the prefixes it has learned; a gateway
        without an entry is modelled as having learned none. `service_tags` defaults to the bundled snapshot.
        """
        return cls(flatten(resources), gateway_prefixes, service_tags, shared)

    @classmethod
    def from_directory(cls, path: str | Path, **kwargs) -> "Snapshot":
        return cls.from_resources(read_directory(path), **kwargs)

    def _parse(self, gateway_prefixes: dict[str, list[str]]) -> None:
        gw_prefixes = {k.lower(): v for k, v in gateway_prefixes.items()}
        for rid, res in self.raw.items():
            kind, p, name = res["_type"], props(res), res["name"]
            if kind == "microsoft.network/virtualnetworks":
                self.vnets[rid] = VNet(rid, name, res.get("location", ""), _prefixes(p.get("addressSpace") or {}),
                                       list((p.get("dhcpOptions") or {}).get("dnsServers") or []))
            elif kind == "microsoft.network/virtualnetworks/subnets":
                self.subnets[rid] = Subnet(rid, name, _vnet_of(rid), _prefixes(p), ref_id(p.get("routeTable")),
                                           ref_id(p.get("networkSecurityGroup")),
                                           str(p.get("privateEndpointNetworkPolicies") or "Disabled").lower() == "enabled")
            elif kind == "microsoft.network/virtualnetworks/virtualnetworkpeerings":
                self.peerings[rid] = Peering(rid, name, _vnet_of(rid), ref_id(p.get("remoteVirtualNetwork")),
                                             _bool(p.get("allowVirtualNetworkAccess"), True),
                                             _bool(p.get("allowForwardedTraffic"), False),
                                             _bool(p.get("allowGatewayTransit"), False),
                                             _bool(p.get("useRemoteGateways"), False), p.get("peeringState") or "")
            elif kind == "microsoft.network/routetables":
                self.route_tables[rid] = RouteTable(rid, name, [], bool(p.get("disableBgpRoutePropagation")))
            elif kind == "microsoft.network/networksecuritygroups":
                self.nsgs[rid] = {"id": rid, "name": name, "rules": []}
            elif kind == "microsoft.network/networkinterfaces":
                ips = [((c.get("properties") or {}).get("privateIPAddress") or "",
                        ref_id((c.get("properties") or {}).get("subnet"))) for c in p.get("ipConfigurations") or []]
                self.nics[rid] = NetworkInterface(rid, name, [x for x in ips if x[0]],
                                                  list((p.get("dnsSettings") or {}).get("dnsServers") or []),
                                                  ref_id(p.get("networkSecurityGroup")), bool(p.get("enableIPForwarding")))
            elif kind == "microsoft.compute/virtualmachines":
                nics = [ref_id(n) for n in (p.get("networkProfile") or {}).get("networkInterfaces") or []]
                self.vms[rid] = VirtualMachine(rid, name, nics)
            elif kind == "microsoft.network/azurefirewalls":
                conf = ((p.get("ipConfigurations") or [{}])[0].get("properties") or {})
                ip = conf.get("privateIPAddress") or ((p.get("hubIPAddresses") or {}).get("privateIPAddress") or "")
                subnet_id = ref_id(conf.get("subnet"))
                self.firewalls[rid] = Firewall(rid, name, ip, subnet_id, _vnet_of(subnet_id), ref_id(p.get("firewallPolicy")))
            elif kind == "microsoft.network/firewallpolicies":
                self.policies[rid] = {"id": rid, "name": name, **p}
            elif kind == "microsoft.network/firewallpolicies/rulecollectiongroups":
                self.rule_collection_groups[rid] = {"id": rid, "name": name, "policy_id": rid.rsplit("/rulecollectiongroups/", 1)[0], **p}
            elif kind == "microsoft.network/virtualnetworkgateways":
                subnet_id = ref_id(((p.get("ipConfigurations") or [{}])[0].get("properties") or {}).get("subnet"))
                learned = gw_prefixes.get(rid) or gw_prefixes.get(name.lower()) or []
                self.gateways[rid] = Gateway(rid, name, _vnet_of(subnet_id), [Prefix.parse(x) for x in learned])
            elif kind == "microsoft.network/privatednszones":
                self.zones.setdefault(rid, Zone(rid, name.lower().rstrip(".")))
            elif kind == "microsoft.network/privatednszones/virtualnetworklinks":
                zone_id = rid.rsplit("/virtualnetworklinks/", 1)[0]
                self.links[rid] = ZoneLink(rid, name, zone_id, ref_id(p.get("virtualNetwork")),
                                           bool(p.get("registrationEnabled")), p.get("virtualNetworkLinkState") or "Completed",
                                           p.get("resolutionPolicy") or "Default")
            elif kind == "microsoft.containerservice/managedclusters":
                access = p.get("apiServerAccessProfile") or {}
                self.clusters[rid] = Cluster(
                    rid, name, res.get("location", ""), bool(access.get("enablePrivateCluster")),
                    (p.get("privateFQDN") or "").lower(), (p.get("fqdn") or "").lower(),
                    [norm_id(a.get("vnetSubnetID")) for a in p.get("agentPoolProfiles") or [] if a.get("vnetSubnetID")],
                    (p.get("networkProfile") or {}).get("outboundType") or "loadBalancer", p.get("nodeResourceGroup") or "")
        self._parse_children()

    def _parse_children(self) -> None:
        for rid, res in self.raw.items():
            kind, p = res["_type"], props(res)
            parent = rid.rsplit("/", 2)[0]
            if kind == "microsoft.network/routetables/routes" and parent in self.route_tables:
                self.route_tables[parent].routes.append(UserRoute(res["name"], p.get("addressPrefix") or "",
                                                                  p.get("nextHopType") or "None", p.get("nextHopIpAddress") or ""))
            elif kind == "microsoft.network/networksecuritygroups/securityrules" and parent in self.nsgs:
                self.nsgs[parent]["rules"].append({"name": res["name"], **p})
            elif kind == "microsoft.network/privatednszones/a":
                zone = self.zones.setdefault(parent, Zone(parent, parent.rsplit("/", 1)[-1]))
                zone.records[res["name"].lower()] = [a.get("ipv4Address") for a in p.get("aRecords") or [] if a.get("ipv4Address")]
            elif kind == "microsoft.network/privateendpoints":
                ips = [c.get("privateIPAddress") or (c.get("properties") or {}).get("privateIPAddress") for c in p.get("ipConfigurations") or []]
                fqdns: list[str] = []
                for conf in p.get("customDnsConfigs") or []:
                    ips.extend(conf.get("ipAddresses") or [])
                    if conf.get("fqdn"):
                        fqdns.append(conf["fqdn"].lower())
                for nic_ref in p.get("networkInterfaces") or []:
                    nic = self.raw.get(ref_id(nic_ref))
                    for conf in props(nic or {}).get("ipConfigurations") or []:
                        ips.append((conf.get("properties") or {}).get("privateIPAddress"))
                for ip in dict.fromkeys(x for x in ips if x):
                    self.endpoints[ip] = Endpoint(rid, res["name"], ip, ref_id(p.get("subnet")), fqdns)
        for link in self.links.values():
            if link.zone_id in self.zones:
                self.zones[link.zone_id].link_ids.append(link.id)
        for sub in self.subnets.values():
            if sub.vnet_id in self.vnets:
                self.vnets[sub.vnet_id].subnet_ids.append(sub.id)
        for peer in self.peerings.values():
            if peer.vnet_id in self.vnets:
                self.vnets[peer.vnet_id].peering_ids.append(peer.id)
        for vm in self.vms.values():
            for nic_id in vm.nic_ids:
                if nic_id in self.nics:
                    self.nics[nic_id].vm_id = vm.id

    def _index(self) -> None:
        self._subnet_index = PrefixIndex()
        for sub in self.subnets.values():
            for prefix in sub.prefixes:
                self._subnet_index.add(prefix, sub.id)
        self._vnet_index = PrefixIndex()
        for vnet in self.vnets.values():
            for prefix in vnet.prefixes:
                self._vnet_index.add(prefix, vnet.id)
        self._peer_pair = {(p.vnet_id, p.remote_vnet_id): p for p in self.peerings.values()}
        self._zones_by_name: dict[str, list[Zone]] = {}
        for zone in self.zones.values():
            self._zones_by_name.setdefault(zone.name, []).append(zone)
        self._firewall_by_ip = {fw.private_ip: fw for fw in self.firewalls.values() if fw.private_ip}
        self._nic_by_ip = {ip: nic for nic in self.nics.values() for ip, _ in nic.ips}
        for cluster in self.clusters.values():
            self._locate_api_server(cluster)

    def _locate_api_server(self, cluster: Cluster) -> None:
        fqdn = cluster.private_fqdn
        if not (cluster.private and fqdn):
            return
        labels = fqdn.split(".")
        for i in range(1, len(labels) - 1):
            for zone in self._zones_by_name.get(".".join(labels[i:]), []):
                addresses = zone.records.get(".".join(labels[:i]))
                if addresses:
                    cluster.api_ip, cluster.api_zone_id = addresses[0], zone.id
                    if addresses[0] not in self.endpoints:
                        subnet_id = self.subnet_of_ip(addresses[0]) or (cluster.node_subnet_ids or [""])[0]
                        self.endpoints[addresses[0]] = Endpoint(cluster.id + "/privateendpoint", f"{cluster.name} API server",
                                                                addresses[0], subnet_id, [fqdn])
                    return

    # ---- lookups -------------------------------------------------------------------------------------------
    def subnet_of_ip(self, ip: str | int) -> str:
        hit = self._subnet_index.longest(ip if isinstance(ip, int) else ip_to_int(ip))
        return hit[0] if hit else ""

    def vnet_of_ip(self, ip: str | int) -> str:
        hit = self._vnet_index.longest(ip if isinstance(ip, int) else ip_to_int(ip))
        return hit[0] if hit else ""

    def peering(self, local_vnet_id: str, remote_vnet_id: str) -> Peering | None:
        return self._peer_pair.get((local_vnet_id, remote_vnet_id))

    def zones_named(self, name: str) -> list[Zone]:
        return self._zones_by_name.get(name, [])

    def firewall_at(self, ip: str) -> Firewall | None:
        return self._firewall_by_ip.get(ip)

    def nic_at(self, ip: str) -> NetworkInterface | None:
        return self._nic_by_ip.get(ip)

    def firewall_in_vnet(self, vnet_id: str) -> Firewall | None:
        return next((fw for fw in self.firewalls.values() if fw.vnet_id == vnet_id), None)

    def find_vnet(self, ref: str) -> VNet:
        return self._find(self.vnets, ref, "virtual network")

    def find_vm(self, ref: str) -> VirtualMachine:
        return self._find(self.vms, ref, "virtual machine")

    def find_cluster(self, ref: str) -> Cluster:
        return self._find(self.clusters, ref, "AKS cluster")

    def find_subnet(self, ref: str) -> Subnet:
        key = norm_id(ref)
        if key in self.subnets:
            return self.subnets[key]
        if "/" in key and not key.startswith("/"):
            vnet_name, subnet_name = key.split("/", 1)
            for sub in self.subnets.values():
                if sub.name.lower() == subnet_name and self.vnets.get(sub.vnet_id, VNet("", "", "", [], [])).name.lower() == vnet_name:
                    return sub
        return self._find(self.subnets, ref, "subnet")

    def _find(self, table: dict, ref: str, what: str):
        key = norm_id(ref)
        if key in table:
            return table[key]
        hits = [item for item in table.values() if item.name.lower() == key]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise AksegressError(f"no {what} named {ref!r} in the snapshot",
                                 hint=f"use one of: {', '.join(sorted(i.name for i in table.values())[:20]) or '(none)'}")
        raise AksegressError(f"{len(hits)} {what}s are named {ref!r}", hint="pass the full resource id")

    def vm_primary_ip(self, vm: VirtualMachine) -> tuple[str, NetworkInterface]:
        for nic_id in vm.nic_ids:
            nic = self.nics.get(nic_id)
            if nic and nic.ips:
                return nic.ips[0][0], nic
        raise AksegressError(f"VM {vm.name} has no NIC with a private IP in the snapshot", hint="add its networkInterfaces to the snapshot")

    def is_ip(self, text: str) -> bool:
        return is_ip(text)
