"""Issue 17: the `az` commands of a change request are the same requests as its ARM bodies: the hub's owners can run
them with the real `az` and the environment finds what it asked for."""

from __future__ import annotations

import shlex

import yaml

from aksegress.change_request import change_request
from aksegress.desired.common import vnet_id
from aksegress.desired.hub_and_spokes import networks
from aksegress.desired.prerequisites import resource_groups
from aksegress.existing_hub import requested
from aksegress.params import validate_params
from aksegress.runbook import Runbook
from tests.azcli.conftest import REPO, apply


def _joiner(estate):
    """An environment with one spoke of its own joining the estate's hub, which it may not write."""
    local = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    spoke = {"subscription_id": estate.spokes["spoke1"].subscription_id, "resource_group": "rg-joiner",
             "vnet": {"name": "vnet-joiner", "address_space": ["10.9.0.0/16"]}, "subnets": {"apps": "10.9.0.0/24"}}
    hub = {"existing": True, "subscription_id": estate.hub.subscription_id, "resource_group": estate.hub.resource_group,
           "vnet": {"name": estate.hub.vnet.name}, "firewall": {"name": estate.hub.firewall.name, "policy": estate.hub.firewall.policy}}
    return validate_params({**local, "environment": "joiner", "hub": hub, "spokes": {"joiner": spoke}, "access": []})


def test_the_change_requests_az_commands_create_what_it_asks_for(az, egress_estate, emulator, clients_for):
    joiner = _joiner(egress_estate)
    apply("joiner", [d for d in resource_groups(joiner) + networks(joiner) if not requested(joiner, d)], clients_for)
    document = change_request(Runbook(joiner, connection=emulator.connection))
    assert [r["id"].rsplit("/", 1)[1] for r in document["requests"]] == ["vnet-hub-to-vnet-joiner"]
    for command in document["az"]:
        assert az.run(*shlex.split(command)[1:]).returncode == 0, command
    hub = egress_estate.hub
    peering = az.json("network", "vnet", "peering", "show", "-g", hub.resource_group, "--vnet-name", hub.vnet.name,
                      "-n", "vnet-hub-to-vnet-joiner", "--subscription", hub.subscription_id)
    assert peering["remoteVirtualNetwork"]["id"].lower() == vnet_id(joiner.spokes["joiner"]).lower()
    assert (peering["peeringState"], peering["allowForwardedTraffic"], peering["allowVirtualNetworkAccess"]) == ("Connected", True, True)
