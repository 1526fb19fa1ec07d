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
    """What hub and spokes share: where they live and their VNet with its subnets."""

    subscription_id: Guid
    resource_group: ResourceGroupName
    vnet: VNet
    subnets: dict[SubnetName, Cidr] = Field(min_length=1)


class Hub(Site):
    """The hub: firewall (required) and an optional VPN gateway."""

    firewall: Firewall
    vpn_gateway: VpnGateway | None = None


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
        """The address the firewall receives: the first one Azure hands out in AzureFirewallSubnet."""
        return azure_nth_usable(self.hub.subnets[FIREWALL_SUBNET])
