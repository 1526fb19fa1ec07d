"""Issue 17: the params of an environment joining an existing hub: what the hub's owners decide is refused in the file."""

import copy
from pathlib import Path

import pytest
import yaml

from aksegress.params import validate_params

APP_TEAM = yaml.safe_load((Path(__file__).resolve().parents[1] / "runbook" / "data" / "app-team.yaml").read_text())


@pytest.fixture
def app():
    return copy.deepcopy(APP_TEAM)


def test_an_existing_hub_needs_neither_its_address_space_nor_its_subnets(app):
    params = validate_params(app)
    assert params.hub.existing and params.hub.vnet.address_space == [] and params.hub.subnets == {}


@pytest.mark.parametrize(("where", "key", "value", "field"), [
    ("vnet", "address_space", ["10.0.0.0/16"], "hub.vnet.address_space"),
    (None, "subnets", {"AzureFirewallSubnet": "10.0.1.0/26"}, "hub.subnets"),
    ("firewall", "dns_proxy", True, "hub.firewall.dns_proxy"),
    ("firewall", "threat_intel", "Deny", "hub.firewall.threat_intel"),
    (None, "vpn_gateway", {"name": "vgw-hub", "sku": "VpnGw1AZ"}, "hub.vpn_gateway"),
])
def test_what_an_existing_hubs_owners_decide_is_refused_naming_the_field(app, problems, where, key, value, field):
    (app["hub"][where] if where else app["hub"])[key] = value
    found = problems(app)
    assert field in found and "read" in found[field] and "from Azure" in found[field]


def test_network_snat_is_refused_with_an_existing_hub(app, problems):
    app["api_access_rule"] = "network_snat"
    assert "hub's policy" in problems(app)["api_access_rule"]


def test_an_unknown_hub_write_is_refused_with_the_valid_ones(app, problems):
    app["hub"]["writes"] = ["peerings", "routes"]
    message = problems(app)["hub.writes[1]"]
    assert "'peerings'" in message and "'rule_collection_groups'" in message and "'dns_links'" in message


def test_writes_without_an_existing_hub_are_refused(data, problems):
    data["hub"]["writes"] = ["peerings"]
    assert "hub.existing" in problems(data)["hub.writes"]


def test_an_own_hub_still_needs_its_address_space(data, problems):
    del data["hub"]["vnet"]["address_space"]
    assert "required" in problems(data)["hub.vnet.address_space"]


def test_rule_groups_take_the_environments_prefix_in_an_existing_hub_and_none_in_its_own(app, data):
    assert validate_params(app).rule_group_name("aks-egress") == "app-team-aks-egress"
    assert validate_params(data).rule_group_name("aks-egress") == "aks-egress"
    app["hub"]["rule_group_prefix"] = "platform-"
    assert validate_params(app).rule_group_name("aks-egress") == "platform-aks-egress"
