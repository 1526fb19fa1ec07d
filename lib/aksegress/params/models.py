"""What a parameters file may say: pydantic models checking each value on its own (types, formats, names,
unknown and missing keys), and the small derived views (VNets, clusters, address plan) later layers read."""

from __future__ import annotations

import re
from functools import partial
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, field_validator

from aksegress import naming
from aksegress.addressing import AZURE_SMALLEST_PREFIX, azure_nth_usable, azure_usable_count, parse_address, parse_network

FIREWALL_SUBNET = "AzureFirewallSubnet"
GATEWAY_SUBNET = "GatewaySubnet"
NO_NSG_SUBNETS = frozenset({FIREWALL_SUBNET, GATEWAY_SUBNET, "AzureFirewallManagementSubnet"})
"""Subnets Azure allows no network security group on (docs/network-behaviour.md#51-nsgs-the-runbook-creates)."""
AKS_RESERVED_RANGES = tuple(IPv4Network(n) for n in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"))
"""Ranges AKS clusters may not use for their VNet or their service CIDR."""
AZURE_REFUSED_RANGES = tuple(IPv4Network(n) for n in ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16",
                                                      "168.63.129.16/32"))
"""Ranges no VNet may hold: multicast, broadcast, loopback, link-local, Azure's platform address
(docs/private-aks-egress.md#10-limits-azure-checks-before-it-builds)."""


def _azure_sized(network: IPv4Network) -> IPv4Network:
    if network.prefixlen > AZURE_SMALLEST_PREFIX:
        raise ValueError(f"{network} is smaller than /{AZURE_SMALLEST_PREFIX}, the smallest block Azure accepts")
    return network


def _one_of(allowed: tuple[str, ...], reasons: dict[str, str], value: str) -> str:
    if value in allowed:
        return value
    if value in reasons:
        raise ValueError(f"{value!r} is not supported: {reasons[value]}")
    raise ValueError(f"{value!r} is not valid; use one of: {', '.join(allowed)}")


def _yaml_off(value: Any) -> Any:
    return "Off" if value is False else value  # YAML 1.1 reads a bare Off as false


Guid = Annotated[str, AfterValidator(naming.check_guid)]
Cidr = Annotated[IPv4Network, BeforeValidator(parse_network), AfterValidator(_azure_sized)]
Address = Annotated[IPv4Address, BeforeValidator(parse_address)]
VmSize = Annotated[str, AfterValidator(naming.check_vm_size)]


def _name(kind: str) -> Any:
    return Annotated[str, AfterValidator(partial(naming.check_name, kind))]


VnetName = _name("virtual_network")
FirewallName = _name("firewall")
FirewallPolicyName = _name("firewall_policy")
VpnGatewayName = _name("vpn_gateway")
ClusterName = _name("aks_cluster")
LinuxVmName = _name("linux_vm")
ResourceGroupName = _name("resource_group")
SubnetName = _name("subnet")


_ADOPTABLE = re.compile(r"/subscriptions/[^\s]+|[A-Za-z0-9][A-Za-z0-9._()-]{0,89}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class VNet(_Model):
    """A virtual network: its name and one or more non-overlapping address spaces."""

    name: VnetName
    address_space: list[Cidr] = Field(min_length=1)

    @field_validator("address_space")
    @classmethod
    def _outside_refused_ranges(cls, spaces: list[IPv4Network]) -> list[IPv4Network]:
        hits = [f"{n} overlaps {r}" for n in spaces for r in AZURE_REFUSED_RANGES if n.overlaps(r)]
        if hits:
            raise ValueError("; ".join(hits) + ", which Azure reserves and refuses in any VNet (multicast, broadcast, "
                             "loopback, link-local or its platform address 168.63.129.16); pick private space such as 10.0.0.0/8")
        return spaces


class Firewall(_Model):
    """The hub's Azure Firewall and its policy.

    Optional keys: ``tier`` (Standard), ``dns_proxy`` (true: the article enables it for FQDN rules),
    ``allow_azure_ips`` (false: the article's broad network rule to Azure IPs, off unless asked for),
    ``threat_intel`` (Alert; Off, Alert or Deny).
    """

    name: FirewallName
    policy: FirewallPolicyName
    tier: Annotated[str, AfterValidator(partial(_one_of, ("Standard", "Premium"), {
        "Basic": "the Basic tier needs an extra AzureFirewallManagementSubnet and forced tunnelling; "
                 "use Standard or Premium"}))] = "Standard"
    dns_proxy: StrictBool = True
    allow_azure_ips: StrictBool = False
    threat_intel: Annotated[Literal["Off", "Alert", "Deny"], BeforeValidator(_yaml_off)] = "Alert"


class VpnGateway(_Model):
    """An optional VPN gateway in the hub; it needs a GatewaySubnet of /27 or larger."""

    name: VpnGatewayName
    sku: Annotated[str, AfterValidator(naming.check_vpn_sku)]


class Cluster(_Model):
    """A private AKS cluster with egress through the hub firewall (outbound type userDefinedRouting).

    ``subnet`` names a subnet of the same spoke. Defaults follow the article: one Standard_D2s_v5 node,
    Azure CNI, service CIDR 10.41.0.0/16 with DNS at 10.41.0.10. Optional ``kubernetes_version`` (AKS default
    when absent) and ``max_pods`` per node (AKS's Azure CNI default, 30, when absent; it sizes the subnet).
    """

    name: ClusterName
    subnet: str
    node_count: StrictInt = Field(1, ge=1, le=1000)
    max_pods: StrictInt | None = Field(None, ge=10, le=250)
    vm_size: VmSize = "Standard_D2s_v5"
    network_plugin: Annotated[str, AfterValidator(partial(_one_of, ("azure",), {
        "kubenet": "kubenet with outbound type userDefinedRouting needs a user-assigned identity and a "
                   "route table AKS may write to (system-assigned identity is not supported); use azure"}))] = "azure"
    service_cidr: Cidr = IPv4Network("10.41.0.0/16")
    dns_service_ip: Address = IPv4Address("10.41.0.10")
    kubernetes_version: Annotated[str, AfterValidator(naming.check_kubernetes_version)] | None = None


class TestVm(_Model):
    """A small Linux VM used to test connectivity from its spoke."""

    __test__ = False
    name: LinuxVmName
    subnet: str
    size: VmSize = "Standard_B2s"


class Site(_Model):
    """What hub and spokes share: where they live and their VNet with its subnets.

    Optional ``subnet_nsg`` (false): true gives every subnet of this VNet that may have one a network security group
    ``nsg-<vnet>`` with Azure's default rules only, created before the subnets, for estates whose Azure Policy refuses
    subnets without an NSG (the landing zone's Deny-Subnet-Without-Nsg); GatewaySubnet and the firewall's subnets never
    get one, as Azure refuses it there.
    """

    subscription_id: Guid
    resource_group: ResourceGroupName
    vnet: VNet
    subnets: dict[SubnetName, Cidr] = Field(min_length=1)
    subnet_nsg: StrictBool = False

    def nsg_subnets(self) -> list[str]:
        """The subnets that get the site's NSG: with ``subnet_nsg``, all but those Azure allows none on."""
        return [name for name in self.subnets if name not in NO_NSG_SUBNETS] if self.subnet_nsg else []


HUB_WRITES = ("peerings", "rule_collection_groups", "dns_links")
PEERINGS, RULE_GROUPS, DNS_LINKS = HUB_WRITES
"""What an environment may write in an existing hub: the hub side of its peerings, its own rule collection groups in
the hub's policy, links of its clusters' zones to the hub VNet."""
READ_FROM_AZURE = ("vnet.address_space", "subnets", "firewall.dns_proxy", "firewall.tier", "firewall.threat_intel", "vpn_gateway")
"""Hub fields an existing hub's owners decide: read from Azure, never given in the params."""
_RULE_GROUP_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")


class HubVNet(VNet):
    """The hub's VNet: its address space is given for a hub the environment builds, read from Azure for an existing one."""

    address_space: list[Cidr] = Field(default_factory=list)


class Hub(Site):
    """The hub: firewall (required) and an optional VPN gateway.

    ``existing: true`` joins a hub someone else owns: its VNet, firewall and policy are only read (their address
    space, private IP and DNS settings come from Azure), and ``writes`` (default none, from ``HUB_WRITES``) says what
    the environment may write there; the rest becomes a change request for the hub's owners. ``rule_group_prefix``
    (default ``<environment>-`` for an existing hub, none otherwise) names the environment's rule collection groups,
    ``rule_group_priority`` (200) is the first of their priorities (egress, access +100, run-command +200).
    """

    vnet: HubVNet
    subnets: dict[SubnetName, Cidr] = Field(default_factory=dict)
    firewall: Firewall
    vpn_gateway: VpnGateway | None = None
    existing: StrictBool = False
    writes: list[Literal[HUB_WRITES]] = Field(default_factory=list)
    rule_group_prefix: str | None = None
    rule_group_priority: StrictInt = Field(200, ge=100, le=64800)

    @field_validator("rule_group_prefix")
    @classmethod
    def _prefix_fits_arm(cls, prefix: str | None) -> str | None:
        if prefix is not None and not _RULE_GROUP_PREFIX.fullmatch(prefix):
            raise ValueError(f"{prefix!r} must start with a letter or digit and hold only letters, digits, '.', '_' or '-' "
                             "(50 characters at most), as rule collection group names do")
        return prefix

    def may_write(self, what: str) -> bool:
        """Whether the environment writes ``what`` (one of ``HUB_WRITES``) in the hub: always in a hub it builds."""
        return not self.existing or what in self.writes


class Spoke(Site):
    """A spoke peered to the hub, with an optional cluster and test VM.

    Optional ``dns``: ``azure`` (default, Azure-provided DNS) or ``firewall`` (the VNet's DNS servers point at
    the firewall's DNS proxy; needs hub.firewall.dns_proxy: true, and is refused on a spoke with a cluster).
    """

    cluster: Cluster | None = None
    test_vm: TestVm | None = None
    dns: Literal["azure", "firewall"] = "azure"


class AccessRule(_Model):
    """Spoke ``from`` (its test VM) may reach the private API server of the cluster in spoke ``cluster``."""

    from_: str = Field(alias="from")
    cluster: str


class VnetView(NamedTuple):
    owner: str
    subscription_id: str
    resource_group: str
    vnet: VNet


class AddressRow(NamedTuple):
    owner: str
    subscription_id: str
    resource_group: str
    vnet: str
    subnet: str
    prefix: IPv4Network
    usable: int


class Params(_Model):
    """A whole parameters file. Build it with ``load_params`` or ``validate_params``, which also run the
    cross-field checks; ``Params.model_validate`` alone checks each value only.

    Optional top-level keys: ``tags`` ({}), ``access`` ([]), ``api_access_rule`` (``application``: an
    application rule for the API server's FQDN; ``network``: the article's network rule to its IP;
    ``network_snat``: the same with SNAT forced), ``confirm_teardown`` (must equal ``environment``), ``adopt``
    ([]: resources that existed before this environment, by name or id, which the runbook may change but never deletes),
    ``probes`` (``fresh``: every run probes again; ``reuse-unchanged``: a run may show an earlier run's probe result when
    nothing the probe depends on changed; default reuse-unchanged on the emulator, fresh on Azure, see ``probe_results``).
    """

    environment: Annotated[str, AfterValidator(naming.check_environment)]
    target: Literal["emulator", "azure"]
    tenant_id: Guid
    location: Annotated[str, AfterValidator(naming.check_region)]
    tags: dict[str, str] = Field(default_factory=dict)
    hub: Hub
    spokes: dict[Annotated[str, AfterValidator(naming.check_spoke_key)], Spoke] = Field(min_length=1)
    access: list[AccessRule] = Field(default_factory=list)
    api_access_rule: Literal["application", "network_snat", "network"] = "application"
    confirm_teardown: str | None = None
    adopt: list[str] = Field(default_factory=list)
    probes: Literal["fresh", "reuse-unchanged"] | None = None

    @field_validator("tags")
    @classmethod
    def _tags_fit_arm(cls, tags: dict[str, str]) -> dict[str, str]:
        return naming.check_tags(tags)

    @field_validator("adopt")
    @classmethod
    def _adopt_names_resources(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            if not _ADOPTABLE.fullmatch(entry):
                raise ValueError(f"{entry!r} is neither a resource name nor an Azure resource id (/subscriptions/...)")
        return entries

    def sites(self) -> list[tuple[str, Hub | Spoke]]:
        """(owner, site) for the hub then each spoke, in file order."""
        return [("hub", self.hub), *self.spokes.items()]

    def all_vnets(self) -> list[VnetView]:
        """Every VNet with its owner ("hub" or a spoke key), subscription and resource group."""
        return [VnetView(owner, s.subscription_id, s.resource_group, s.vnet) for owner, s in self.sites()]

    def rule_group_name(self, base: str) -> str:
        """The name of one of the environment's rule collection groups: ``base`` after the hub's prefix."""
        prefix = self.hub.rule_group_prefix
        if prefix is None:
            prefix = f"{self.environment}-" if self.hub.existing else ""
        return f"{prefix}{base}"[:80]

    def spokes_with_cluster(self) -> list[tuple[str, Spoke]]:
        """(spoke key, spoke) for each spoke that declares a cluster."""
        return [(key, spoke) for key, spoke in self.spokes.items() if spoke.cluster]

    def subscription_ids(self) -> list[str]:
        """Distinct subscriptions, hub's first."""
        return list(dict.fromkeys(s.subscription_id for _, s in self.sites()))

    def address_plan(self) -> list[AddressRow]:
        """One row per subnet, with the number of addresses Azure can assign in it."""
        return [
            AddressRow(owner, s.subscription_id, s.resource_group, s.vnet.name, name, prefix, azure_usable_count(prefix))
            for owner, s in self.sites() for name, prefix in s.subnets.items()
        ]

    def firewall_private_ip(self) -> IPv4Address:
        """The address the firewall receives in a hub the environment builds: the first one Azure hands out in
        AzureFirewallSubnet (an existing hub's is read from Azure, ``Facts.hub``)."""
        return azure_nth_usable(self.hub.subnets[FIREWALL_SUBNET])
