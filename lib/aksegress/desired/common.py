"""Names and tags shared by every step's desired state."""

from __future__ import annotations

from dataclasses import dataclass

from aksegress import arm_ids
from aksegress.errors import MissingFact

ENV_TAG = "aksegress-env"
NETWORK = "Microsoft.Network"


def tags_for(params) -> dict[str, str]:
    """The tags every resource the runbook creates carries: the params' tags plus the environment tag."""
    return {**(params.tags or {}), ENV_TAG: params.environment}


def vnet_id(site) -> str:
    return arm_ids.resource_id(site.subscription_id, site.resource_group, NETWORK, "virtualNetworks", site.vnet.name)


def subnet_id(site, subnet: str) -> str:
    return f"{vnet_id(site)}/subnets/{subnet}"


@dataclass(frozen=True)
class HubFacts:
    """What the hub's owners decided: the firewall's private IP (the spokes' next hop), the hub's address space and
    whether its policy's DNS proxy is on. From the params for a hub the environment builds, from Azure for an existing one."""

    firewall_ip: str
    address_space: tuple[str, ...]
    dns_proxy: bool


def hub_of(params, facts=None) -> HubFacts:
    """The hub's facts: ``facts.hub()`` when given, else those of the hub the params build (no read)."""
    if facts is not None:
        return facts.hub()
    if params.hub.existing:
        raise MissingFact("an existing hub's firewall address and address space are read from Azure", step="00-prerequisites")
    hub = params.hub
    return HubFacts(str(params.firewall_private_ip()), tuple(str(n) for n in hub.vnet.address_space), hub.firewall.dns_proxy)
