"""The parameters file: pydantic models of what users write, loading with every problem reported at once,
and small derived views (VNets, clusters, address plan) that later layers read.

Validation happens in two passes, both before any call to Azure: pydantic checks each value on its own
(types, formats, names, unknown and missing keys); then ``_relation_problems`` checks values against each
other (containment, overlaps, references). The second pass also runs on whichever sections passed the
first, so one load reports problems from both.
"""

from __future__ import annotations

from functools import partial
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from aksegress import naming
from aksegress.addressing import (
    AZURE_SMALLEST_PREFIX,
    azure_nth_usable,
    azure_usable_count,
    contained_in_any,
    overlapping_pairs,
    overlaps,
    parse_address,
    parse_network,
)
from aksegress.errors import ParamsError

FIREWALL_SUBNET = "AzureFirewallSubnet"
GATEWAY_SUBNET = "GatewaySubnet"
AKS_RESERVED_RANGES = tuple(IPv4Network(n) for n in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"))
"""Ranges AKS clusters may not use for their VNet or their service CIDR."""


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class VNet(_Model):
    """A virtual network: its name and one or more non-overlapping address spaces."""

    name: VnetName
    address_space: list[Cidr] = Field(min_length=1)


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
    dns_proxy: bool = True
    allow_azure_ips: bool = False
    threat_intel: Annotated[Literal["Off", "Alert", "Deny"], BeforeValidator(_yaml_off)] = "Alert"


class VpnGateway(_Model):
    """An optional VPN gateway in the hub; it needs a GatewaySubnet of /27 or larger."""

    name: VpnGatewayName
    sku: Annotated[str, AfterValidator(naming.check_vpn_sku)]


class Cluster(_Model):
    """A private AKS cluster with egress through the hub firewall (outbound type userDefinedRouting).

    ``subnet`` names a subnet of the same spoke. Defaults follow the article: one Standard_D2s_v5 node,
    Azure CNI, service CIDR 10.41.0.0/16 with DNS at 10.41.0.10. Optional ``kubernetes_version`` (AKS default
    when absent).
    """

    name: ClusterName
    subnet: str
    node_count: int = Field(1, ge=1, le=1000)
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


class _Site(_Model):
    """What hub and spokes share: where they live and their VNet with its subnets."""

    subscription_id: Guid
    resource_group: ResourceGroupName
    vnet: VNet
    subnets: dict[SubnetName, Cidr] = Field(min_length=1)


class Hub(_Site):
    """The hub: firewall (required) and an optional VPN gateway."""

    firewall: Firewall
    vpn_gateway: VpnGateway | None = None


class Spoke(_Site):
    """A spoke peered to the hub, with an optional cluster and test VM.

    Optional ``dns``: ``azure`` (default, Azure-provided DNS) or ``firewall`` (the VNet's DNS servers point at
    the firewall's DNS proxy; needs hub.firewall.dns_proxy: true).
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
    ``network_snat``: the same with SNAT forced), ``confirm_teardown`` (must equal ``environment``).
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

    @field_validator("tags")
    @classmethod
    def _tags_fit_arm(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            naming.check_tag(key, value)
        return tags

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


# ---- second pass: values checked against each other --------------------------------------------------

Problem = tuple[str, str]


def _site_problems(owner: str, path: str, site: _Site) -> list[Problem]:
    problems = []
    spaces = site.vnet.address_space
    for _, a, _, b in overlapping_pairs((str(n), n) for n in spaces):
        problems.append((f"{path}.vnet.address_space", f"{b} overlaps {a} in the same VNet"))
    for name, prefix in site.subnets.items():
        if not contained_in_any(prefix, spaces):
            problems.append((f"{path}.subnets.{name}", f"{prefix} lies outside {owner}'s VNet address space "
                             f"({', '.join(map(str, spaces))}); pick a block inside it"))
    for a, net_a, b, net_b in overlapping_pairs(site.subnets.items()):
        problems.append((f"{path}.subnets.{b}", f"{net_b} overlaps subnet {a} ({net_a}); subnets of a VNet "
                         "must not overlap"))
    return problems


def _sized_subnet(subnets: dict[str, IPv4Network], name: str, largest_prefix: int, why: str) -> list[Problem]:
    path = f"hub.subnets.{name}"
    if name not in subnets:
        near = [k for k in subnets if k.lower() == name.lower()]
        hint = f" (found {near[0]!r}: the name is case-sensitive)" if near else ""
        return [(path, f"missing: {why} needs a subnet named exactly {name}, /{largest_prefix} or larger{hint}")]
    if subnets[name].prefixlen > largest_prefix:
        return [(path, f"{subnets[name]} is too small: {why} needs /{largest_prefix} or larger, e.g. "
                 f"{subnets[name].supernet(new_prefix=largest_prefix)}")]
    return []


def _hub_problems(hub: Hub) -> list[Problem]:
    problems = _sized_subnet(hub.subnets, FIREWALL_SUBNET, 26, "Azure Firewall")
    if hub.vpn_gateway:
        problems += _sized_subnet(hub.subnets, GATEWAY_SUBNET, 27, "a VPN gateway")
    return problems


def _cluster_problems(key: str, spoke: Spoke, sites: list[tuple[str, _Site]]) -> list[Problem]:
    cluster, path = spoke.cluster, f"spokes.{key}.cluster"
    assert cluster is not None
    problems = []
    if cluster.subnet not in spoke.subnets:
        problems.append((f"{path}.subnet", f"{cluster.subnet!r} is not a subnet of {key}; use one of: "
                         f"{', '.join(spoke.subnets)}"))
    svc = cluster.service_cidr
    hits = [f"{owner}'s address space {n}" for owner, s in sites for n in s.vnet.address_space if overlaps(svc, n)]
    hits = hits or [f"{owner}'s subnet {name} ({n})" for owner, s in sites for name, n in s.subnets.items()
                    if overlaps(svc, n)]
    if hits:
        problems.append((f"{path}.service_cidr", f"{svc} overlaps {', '.join(hits)}; the service CIDR must not "
                         "overlap any VNet or subnet the cluster can reach"))
    reserved = [str(r) for r in AKS_RESERVED_RANGES if overlaps(svc, r)]
    if reserved:
        problems.append((f"{path}.service_cidr", f"{svc} overlaps {', '.join(reserved)}, which AKS reserves"))
    ip, example = cluster.dns_service_ip, svc[10] if svc.num_addresses > 11 else svc[2]
    if ip not in svc:
        problems.append((f"{path}.dns_service_ip", f"{ip} is outside service_cidr {svc}; pick an address inside it, "
                         f"e.g. {example}"))
    elif ip in (svc.network_address, svc.broadcast_address):
        problems.append((f"{path}.dns_service_ip", f"{ip} is the network or broadcast address of {svc}; "
                         f"use e.g. {example}"))
    elif ip == svc[1]:
        problems.append((f"{path}.dns_service_ip", f"{ip} is the first address of {svc}, which the kubernetes API "
                         f"service takes; use e.g. {example}"))
    return problems


def _spoke_problems(key: str, spoke: Spoke, hub: Hub | None, sites: list[tuple[str, _Site]]) -> list[Problem]:
    path = f"spokes.{key}"
    problems = []
    if spoke.dns == "firewall" and hub is not None and not hub.firewall.dns_proxy:
        problems.append((f"{path}.dns", "'firewall' needs hub.firewall.dns_proxy: true (the spoke's DNS servers "
                         "would point at a firewall that does not answer DNS); set it or use dns: azure"))
    if spoke.test_vm and spoke.test_vm.subnet not in spoke.subnets:
        problems.append((f"{path}.test_vm.subnet", f"{spoke.test_vm.subnet!r} is not a subnet of {key}; use one of: "
                         f"{', '.join(spoke.subnets)}"))
    if spoke.cluster:
        problems += _cluster_problems(key, spoke, sites)
        for n in spoke.vnet.address_space:
            for r in AKS_RESERVED_RANGES:
                if overlaps(n, r):
                    problems.append((f"{path}.vnet.address_space", f"{n} overlaps {r}, which AKS clusters may "
                                     "not use for their VNet"))
    return problems


def _access_problems(declared: dict[str, set[str]], spokes: dict[str, Spoke], access: list[tuple[int, AccessRule]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    known = ", ".join(declared) or "none"
    for i, rule in access:
        path = f"access[{i}]"
        for role, name in (("from", rule.from_), ("cluster", rule.cluster)):
            if name not in declared:
                problems.append((f"{path}.{role}", f"{name!r} is not a spoke; known spokes: {known}"))
        if rule.from_ == rule.cluster:
            problems.append((f"{path}.from", f"from and cluster both name {rule.cluster!r}; access is between two "
                             "different spokes (inside its own VNet a cluster needs no firewall rule)"))
        target, source = spokes.get(rule.cluster), spokes.get(rule.from_)
        if target is not None and target.cluster is None and "cluster" not in declared[rule.cluster]:
            with_cluster = ", ".join(k for k, s in spokes.items() if s.cluster) or "none"
            problems.append((f"{path}.cluster", f"spoke {rule.cluster!r} has no cluster; spokes with one: {with_cluster}"))
        if source is not None and source.test_vm is None and "test_vm" not in declared[rule.from_]:
            problems.append((f"{path}.from", f"spoke {rule.from_!r} has no test_vm; access is verified from that VM, "
                             f"so add spokes.{rule.from_}.test_vm"))
        pair = (rule.from_, rule.cluster)
        if pair in seen:
            problems.append((path, f"repeats access[{seen[pair]}]"))
        seen.setdefault(pair, i)
    return problems


def _relation_problems(environment: Any, confirm: Any, hub: Hub | None, declared: dict[str, set[str]],
                       spokes: dict[str, Spoke], access: list[tuple[int, AccessRule]]) -> list[Problem]:
    problems: list[Problem] = []
    if confirm is not None and isinstance(environment, str) and confirm != environment:
        problems.append(("confirm_teardown", f"must equal environment {environment!r} (got {confirm!r}); "
                         "it confirms which environment a teardown may delete"))
    sites: list[tuple[str, _Site]] = ([("hub", hub)] if hub else []) + list(spokes.items())
    paths = {owner: "hub" if owner == "hub" else f"spokes.{owner}" for owner, _ in sites}
    for owner, site in sites:
        problems += _site_problems(owner, paths[owner], site)
    if hub:
        problems += _hub_problems(hub)
    spaces = [(owner, n) for owner, s in sites for n in s.vnet.address_space]
    reported = set()
    for a, net_a, b, net_b in overlapping_pairs(spaces):
        if a != b and (a, b) not in reported:
            reported.add((a, b))
            problems.append((f"{paths[b]}.vnet.address_space", f"{net_b} overlaps {a}'s address space {net_a}; "
                             "peered VNets need disjoint address spaces"))
    seen_vnets: dict[tuple[str, str, str], str] = {}
    for owner, s in sites:
        slot = (s.subscription_id, s.resource_group.lower(), s.vnet.name.lower())
        if slot in seen_vnets:
            problems.append((f"{paths[owner]}.vnet.name", f"{s.vnet.name!r} is already {seen_vnets[slot]}'s VNet in "
                             f"the same subscription and resource group; give it another name"))
        seen_vnets.setdefault(slot, owner)
    for key, spoke in spokes.items():
        problems += _spoke_problems(key, spoke, hub, sites)
    return problems + _access_problems(declared, spokes, access)


# ---- turning pydantic errors into (field, message) ---------------------------------------------------


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or str(origin) == "<class 'types.UnionType'>":
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp


def _keys_at(loc: tuple) -> list[str]:
    """The keys a model accepts at ``loc`` (a pydantic error location), for 'unknown key' messages."""
    tp: Any = Params
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {f.alias or n: f for n, f in tp.model_fields.items()}
            if part not in fields:
                return []
            tp = fields[part].annotation
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1]
        else:
            return []
    tp = _unwrap(tp)
    return [f.alias or n for n, f in tp.model_fields.items()] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _message(error: dict) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if naming.looks_like_credential(key):
            return (f"unknown key {key!r}: credentials are never parameters; they come from the environment "
                    "through azure-identity (az login, managed identity or AZURE_* variables)")
        return f"unknown key {key!r}; valid keys here: {', '.join(_keys_at(loc[:-1]))}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "literal_error":
        return f"{error['input']!r} is not valid; use {error['ctx']['expected']}"
    text = error["msg"]
    return text if kind.endswith("_type") and isinstance(error["input"], dict) else f"{text} (got {error['input']!r})"


def _pydantic_problems(err: ValidationError, prefix: tuple = ()) -> list[Problem]:
    return [(_path(prefix + tuple(e["loc"])), _message({**e, "loc": prefix + tuple(e["loc"])})) for e in err.errors()]


_DROPPABLE = {Hub: {"vpn_gateway"}, Spoke: {"cluster", "test_vm"}, AccessRule: set()}


def _valid_part(model: type[BaseModel], value: Any) -> Any:
    """``value`` as ``model``; when only unknown keys or optional sections are wrong, the rest without them."""
    try:
        return model.model_validate(value)
    except ValidationError as err:
        if not isinstance(value, dict):
            return None
        culprits = {e["loc"][0] for e in err.errors() if e["loc"]}
        known = {f.alias or n for n, f in model.model_fields.items()}
        if not culprits <= (_DROPPABLE[model] | (set(value) - known)):
            return None
        try:
            return model.model_validate({k: v for k, v in value.items() if k not in culprits})
        except ValidationError:
            return None


def _salvage(data: dict) -> tuple[Hub | None, dict[str, Spoke], list[tuple[int, AccessRule]]]:
    """The sections of an invalid file that are valid on their own, so relation checks can still run."""
    raw_spokes = data.get("spokes") if isinstance(data.get("spokes"), dict) else {}
    spokes = {k: s for k, v in raw_spokes.items() if (s := _valid_part(Spoke, v)) is not None}
    raw_access = data.get("access") if isinstance(data.get("access"), list) else []
    access = [(i, r) for i, v in enumerate(raw_access) if (r := _valid_part(AccessRule, v)) is not None]
    return _valid_part(Hub, data.get("hub")), spokes, access


def validate_params(data: Any, source: str = "<params>") -> Params:
    """A Params from already-parsed data, or ParamsError listing every problem found."""
    if not isinstance(data, dict):
        raise ParamsError(source, [("(top level)", f"expected a mapping of keys to values, got {type(data).__name__}")])
    problems: list[Problem] = []
    try:
        params: Params | None = Params.model_validate(data)
    except ValidationError as err:
        problems += _pydantic_problems(err)
        params = None
    if params is not None:
        hub, spokes, access = params.hub, dict(params.spokes), list(enumerate(params.access))
    else:
        hub, spokes, access = _salvage(data)
    raw_spokes = data.get("spokes") if isinstance(data.get("spokes"), dict) else {}
    declared = {str(k): {f for f, x in v.items() if x is not None} if isinstance(v, dict) else set()
                for k, v in raw_spokes.items()}
    problems += _relation_problems(data.get("environment"), data.get("confirm_teardown"), hub, declared, spokes, access)
    if problems:
        raise ParamsError(source, problems)
    assert params is not None
    return params


# ---- files ----------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML would keep the last silently)."""


def _unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def params_path_for(env: str, root: Path | str) -> Path:
    """Where the parameters of environment ``env`` live: ``<root>/params/<env>.yaml``."""
    try:
        naming.check_environment(env)
    except ValueError as err:
        raise ParamsError(f"--env {env}", [("env", str(err))]) from None
    return Path(root) / "params" / f"{env}.yaml"


def load_params(path: Path | str) -> Params:
    """Read and validate a parameters file (no network access); ParamsError lists every problem found."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        others = sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        raise ParamsError(source, [("(file)", "not found" + (f"; files here: {', '.join(others)}" if others else ""))]) from None
    except OSError as err:
        raise ParamsError(source, [("(file)", f"cannot be read: {err.strerror or err}")]) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        what = getattr(err, "problem", None) or str(err)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ParamsError(source, [("(yaml syntax)", f"{where}: {what}{place}")]) from None
    if data is None:
        raise ParamsError(source, [("(file)", "is empty; see params/azure.example.yaml for the keys")])
    return validate_params(data, source)


# ---- text for `aksegress validate` ----------------------------------------------------------------------


def summary(params: Params) -> str:
    """A few lines that say what the parameters describe: environment, subscriptions, hub, spokes, access."""
    hub, fw = params.hub, params.hub.firewall
    by_sub: dict[str, list[str]] = {}
    for owner, site in params.sites():
        by_sub.setdefault(site.subscription_id, []).append(owner)
    lines = [
        f"environment {params.environment}: target {params.target}, location {params.location}, tenant {params.tenant_id}",
        "subscriptions: " + "; ".join(f"{sub} ({', '.join(owners)})" for sub, owners in by_sub.items()),
        f"hub: {hub.vnet.name} {', '.join(map(str, hub.vnet.address_space))} in {hub.resource_group}; firewall "
        f"{fw.name} ({fw.tier}, DNS proxy {'on' if fw.dns_proxy else 'off'})"
        + (f"; VPN gateway {hub.vpn_gateway.name} ({hub.vpn_gateway.sku})" if hub.vpn_gateway else ""),
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
