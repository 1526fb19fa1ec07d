"""Names and tags shared by every step's desired state."""

from __future__ import annotations

from aksegress import arm_ids

ENV_TAG = "aksegress-env"
NETWORK = "Microsoft.Network"


def tags_for(params) -> dict[str, str]:
    """The tags every resource the runbook creates carries: the params' tags plus the environment tag."""
    return {**(params.tags or {}), ENV_TAG: params.environment}


def vnet_id(site) -> str:
    return arm_ids.resource_id(site.subscription_id, site.resource_group, NETWORK, "virtualNetworks", site.vnet.name)


def subnet_id(site, subnet: str) -> str:
    return f"{vnet_id(site)}/subnets/{subnet}"
