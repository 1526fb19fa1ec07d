"""Azure's naming rules as data, and checks that say what a valid value would be.

Limits follow Microsoft's page "Naming rules and restrictions for Azure resources" (Microsoft.Network,
Microsoft.ContainerService, Microsoft.Compute, Microsoft.Resources sections). Where we are stricter than
Azure, the rule's ``note`` says why.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    """Length and character limits for one kind of Azure resource name."""

    resource_type: str
    min_len: int
    max_len: int
    chars: str  # regex character class body for every character
    chars_text: str
    first: str | None = None  # regex class body for the first character
    last: str | None = None  # regex class body for the last character
    edges_text: str = ""
    not_all_digits: bool = False
    note: str = ""


_ALNUM = "A-Za-z0-9"
_NETWORK_CHARS = dict(
    chars=_ALNUM + "_.\\-",
    chars_text="letters, digits, '_', '.' and '-'",
    first=_ALNUM,
    last=_ALNUM + "_",
    edges_text="start with a letter or digit and end with a letter, digit or '_'",
)


def _network(resource_type: str, min_len: int = 1, max_len: int = 80) -> NameRule:
    return NameRule(resource_type, min_len, max_len, **_NETWORK_CHARS)


NAME_RULES: dict[str, NameRule] = {
    "resource_group": NameRule(
        "Microsoft.Resources/resourceGroups", 1, 90, _ALNUM + "_.()\\-",
        "letters, digits, '_', '-', '.', '(' and ')'", last=_ALNUM + "_()\\-", edges_text="not end with '.'",
        note="Azure also accepts non-ASCII letters; we keep to ASCII so names survive shells and tags.",
    ),
    "virtual_network": _network("Microsoft.Network/virtualNetworks", 2, 64),
    "subnet": _network("Microsoft.Network/virtualNetworks/subnets"),
    "peering": _network("Microsoft.Network/virtualNetworks/virtualNetworkPeerings"),
    "firewall": _network("Microsoft.Network/azureFirewalls"),
    "firewall_policy": _network("Microsoft.Network/firewallPolicies"),
    "public_ip": _network("Microsoft.Network/publicIPAddresses"),
    "route_table": _network("Microsoft.Network/routeTables"),
    "vpn_gateway": _network("Microsoft.Network/virtualNetworkGateways"),
    "network_interface": _network("Microsoft.Network/networkInterfaces"),
    "private_dns_zone_link": _network("Microsoft.Network/privateDnsZones/virtualNetworkLinks"),
    "aks_cluster": NameRule(
        "Microsoft.ContainerService/managedClusters", 1, 63, _ALNUM + "_\\-", "letters, digits, '_' and '-'",
        first=_ALNUM, last=_ALNUM, edges_text="start and end with a letter or digit",
    ),
    "linux_vm": NameRule(
        "Microsoft.Compute/virtualMachines", 1, 64, _ALNUM + "\\-", "letters, digits and '-'",
        first=_ALNUM, last=_ALNUM, edges_text="not start or end with '-'", not_all_digits=True,
        note="Azure allows more characters, but the name is also the Linux host name, which allows no '_' or '.'.",
    ),
}


def name_problems(kind: str, name: str) -> list[str]:
    """Every way ``name`` breaks the rule for ``kind`` (a key of NAME_RULES); empty when it is valid."""
    rule = NAME_RULES[kind]
    problems = []
    if not rule.min_len <= len(name) <= rule.max_len:
        problems.append(f"must be {rule.min_len}-{rule.max_len} characters long (has {len(name)})")
    bad = sorted(set(re.sub(f"[{rule.chars}]", "", name)))
    if bad:
        problems.append(f"may contain only {rule.chars_text} (found {' '.join(repr(c) for c in bad)})")
    elif name and (
        (rule.first and not re.fullmatch(f"[{rule.first}]", name[0]))
        or (rule.last and not re.fullmatch(f"[{rule.last}]", name[-1]))
    ):
        problems.append(f"must {rule.edges_text}")
    if rule.not_all_digits and name.isdigit():
        problems.append("must not be all digits")
    return problems


def check_name(kind: str, name: str) -> str:
    """``name`` unchanged when it is valid for ``kind``; otherwise ValueError naming each broken rule."""
    problems = name_problems(kind, name)
    if problems:
        label = kind.replace("_", " ")
        raise ValueError(f"{name!r} is not a valid {label} name: " + "; ".join(problems))
    return name


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def check_guid(value: str) -> str:
    """A tenant or subscription id in 8-4-4-4-12 hexadecimal form, returned lower-cased."""
    if not _GUID.fullmatch(value):
        raise ValueError(f"{value!r} is not a GUID; expected 8-4-4-4-12 hexadecimal digits, "
                         "e.g. 00000000-0000-0000-0000-000000000000")
    return value.lower()


_ENVIRONMENT = re.compile(r"[a-z][a-z0-9-]{0,22}[a-z0-9]|[a-z]")


def check_environment(value: str) -> str:
    """A short lowercase name, usable both as a tag value and as a directory name (outputs/<environment>)."""
    if not _ENVIRONMENT.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid environment name; use 1-24 lowercase letters, digits and '-', "
                         "starting with a letter and not ending with '-', e.g. local or dev-eastus2")
    return value


_SPOKE_KEY = re.compile(r"[a-z][a-z0-9-]{0,30}[a-z0-9]|[a-z]")


def check_spoke_key(value: str) -> str:
    """A spoke's key under ``spokes``: short and lowercase, because derived names and paths include it."""
    if value == "hub":
        raise ValueError("'hub' is reserved for the hub; give the spoke another key, e.g. spoke1")
    if not _SPOKE_KEY.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid spoke key; use 1-32 lowercase letters, digits and '-', "
                         "starting with a letter, e.g. spoke1")
    return value


AZURE_PUBLIC_REGIONS: frozenset[str] = frozenset("""
eastus eastus2 centralus northcentralus southcentralus westcentralus westus westus2 westus3
canadacentral canadaeast brazilsouth brazilsoutheast mexicocentral chilecentral
northeurope westeurope uksouth ukwest francecentral francesouth germanywestcentral germanynorth
switzerlandnorth switzerlandwest norwayeast norwaywest swedencentral polandcentral italynorth spaincentral
israelcentral qatarcentral uaenorth uaecentral southafricanorth southafricawest
eastasia southeastasia japaneast japanwest koreacentral koreasouth centralindia southindia westindia
jioindiawest jioindiacentral australiaeast australiasoutheast australiacentral australiacentral2
newzealandnorth indonesiacentral malaysiawest
""".split())
"""ARM names of public Azure regions (the ``name`` column of ``az account list-locations``)."""


def check_region(value: str) -> str:
    """An ARM region name such as eastus2; a display name ('East US 2') is refused with the ARM spelling."""
    if value in AZURE_PUBLIC_REGIONS:
        return value
    squashed = re.sub(r"\s+", "", value).lower()
    if squashed in AZURE_PUBLIC_REGIONS:
        raise ValueError(f"{value!r} is a display name; write the region's ARM name {squashed!r}")
    close = difflib.get_close_matches(squashed, sorted(AZURE_PUBLIC_REGIONS), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else " (e.g. eastus2, westeurope)"
    raise ValueError(f"{value!r} is not a known public Azure region name{hint}")


_VM_SIZE = re.compile(r"Standard_[A-Za-z0-9]+(_[A-Za-z0-9]+)*")


def check_vm_size(value: str) -> str:
    """A VM size such as Standard_D2s_v5 (Basic_* sizes are retired and AKS never accepted them)."""
    if not _VM_SIZE.fullmatch(value):
        raise ValueError(f"{value!r} does not look like an Azure VM size; expected Standard_<family><size>, "
                         "e.g. Standard_D2s_v5 or Standard_B2s")
    return value


_VPN_SKU = re.compile(r"VpnGw[1-5](AZ)?")


def check_vpn_sku(value: str) -> str:
    """A zone-redundant VpnGw SKU (VpnGw1AZ..VpnGw5AZ): Azure creates no non-AZ VpnGw1-5 gateways since 2025."""
    if not _VPN_SKU.fullmatch(value):
        raise ValueError(f"{value!r} is not a VpnGw-family SKU; use VpnGw1AZ..VpnGw5AZ")
    if not value.endswith("AZ"):
        raise ValueError(f"{value!r} is a non-zone-redundant SKU, which Azure no longer creates (VPN Gateway SKU "
                         f"consolidation, docs/private-aks-egress.md); use {value}AZ")
    return value


_K8S_VERSION = re.compile(r"\d+\.\d+(\.\d+)?")


def check_kubernetes_version(value: str) -> str:
    """A Kubernetes minor (1.30) or patch (1.30.4) version as AKS accepts it."""
    if not _K8S_VERSION.fullmatch(value):
        raise ValueError(f"{value!r} is not a Kubernetes version; write major.minor or major.minor.patch, e.g. 1.30")
    return value


_TAG_NAME_FORBIDDEN = set('<>%&\\?/')


def check_tag(name: str, value: str) -> None:
    """ARM tag limits: names 1-512 characters without <>%&\\?/, values up to 256 characters."""
    if not 1 <= len(name) <= 512 or _TAG_NAME_FORBIDDEN & set(name):
        raise ValueError(f"tag name {name!r} must be 1-512 characters without any of < > % & \\ ? /")
    if len(value) > 256:
        raise ValueError(f"tag {name!r}: value must be at most 256 characters (has {len(value)})")


MAX_TAGS = 50
RUNBOOK_TAG_PREFIX = "aksegress-"
RUNBOOK_TAG_SLOTS = 2
"""Tags the runbook adds to every resource are named ``aksegress-...``; at most this many (environment, creating run)."""


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    """Each tag within ARM's limits, no name the runbook writes itself, no two names ARM would read as one, and
    room left under ARM's 50 tags a resource may carry for the runbook's own."""
    problems = []
    for name, value in tags.items():
        try:
            check_tag(name, value)
        except ValueError as err:
            problems.append(str(err))
    own = sorted(n for n in tags if n.lower().startswith(RUNBOOK_TAG_PREFIX))
    if own:
        problems.append(f"tag names starting with {RUNBOOK_TAG_PREFIX!r} are the runbook's own ({', '.join(own)}); rename or remove them")
    seen: dict[str, str] = {}
    for name in tags:
        if name.lower() in seen:
            problems.append(f"tags {seen[name.lower()]!r} and {name!r} differ only by case; Azure treats tag names "
                            "case-insensitively, so keep one")
        seen.setdefault(name.lower(), name)
    room = MAX_TAGS - RUNBOOK_TAG_SLOTS
    if len(tags) > room:
        problems.append(f"{len(tags)} tags given; Azure allows {MAX_TAGS} per resource and the runbook adds up to "
                        f"{RUNBOOK_TAG_SLOTS} of its own, so keep at most {room}")
    if problems:
        raise ValueError("; ".join(problems))
    return tags


def peering_name(local_vnet: str, remote_vnet: str) -> str:
    """The name of the peering from one VNet to another."""
    return f"{local_vnet}-to-{remote_vnet}"


def public_ip_name(owner: str) -> str:
    """The name of the public IP a firewall or a VPN gateway gets."""
    return f"pip-{owner}"


DNS_PREFIX_MAX = 54
_DNS_PREFIX = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?")


def dns_prefix_problems(prefix: str) -> list[str]:
    """Why ``prefix`` cannot be an AKS dnsPrefix: 1-54 letters, digits and '-', starting and ending with a letter or digit."""
    problems = []
    if not 1 <= len(prefix) <= DNS_PREFIX_MAX:
        problems.append(f"must be 1-{DNS_PREFIX_MAX} characters long (has {len(prefix)})")
    if not _DNS_PREFIX.fullmatch(prefix):
        problems.append("may contain only letters, digits and '-', starting and ending with a letter or digit")
    return problems


CREDENTIAL_WORDS = ("secret", "password", "passwd", "token", "credential", "certificate", "private_key",
                    "client_key", "access_key", "api_key", "connection_string")
_CREDENTIAL_TOKENS = {"pwd", "sas", "pat", "pfx", "pem"}


def looks_like_credential(key: str) -> bool:
    """True when a parameter key names a credential (those never belong in a parameters file)."""
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in CREDENTIAL_WORDS) or bool(_CREDENTIAL_TOKENS & set(lowered.split("_")))
