"""Issue 17: the existing hub checked as it is before any write, the least-privilege roles of a joining environment,
and the waiting status documented where users look for it."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from aksegress.cli import build_parser
from aksegress.desired.cross_vnet_access import access_rule
from aksegress.errors import MissingFact
from aksegress.existing_hub import hub_problems
from aksegress.least_privilege import role_plan
from aksegress.params import load_params, validate_params
from aksegress.steps import all_steps
from tests.runbook.conftest import REPO

DATA = Path(__file__).parent / "data"
APP = yaml.safe_load((DATA / "app-team.yaml").read_text())
HUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network"


def _params(**hub):
    data = copy.deepcopy(APP)
    data["hub"].update(hub)
    return validate_params(data)


def _hub(space="10.0.0.0/16", proxy=True, groups=()):
    """The hub's bodies as ARM returns them: firewall, VNet, policy and its rule collection groups."""
    firewall = {"properties": {"ipConfigurations": [{"properties": {"privateIPAddress": "10.0.1.4"}}],
                               "firewallPolicy": {"id": f"{HUB}/firewallPolicies/fwpol-hub"}}}
    vnet = {"properties": {"addressSpace": {"addressPrefixes": [space]}}}
    policy = {"properties": {"dnsSettings": {"enableProxy": proxy}}}
    return firewall, vnet, policy, [{"name": name, "properties": {"priority": priority}} for name, priority in groups]


def test_a_hub_that_fits_raises_no_problem():
    assert hub_problems(_params(), *_hub(groups=[("aks-egress", 200), ("spoke-access", 300)])) == []


def test_a_spoke_overlapping_the_hubs_real_address_space_is_refused_naming_the_spoke():
    (field, message), = hub_problems(_params(), *_hub(space="10.11.0.0/16"))
    assert field == "spokes.a1.vnet.address_space" and "10.11.0.0/16" in message and "read from Azure" in message


def test_a_priority_another_group_holds_is_refused_with_a_free_one():
    (field, message), = hub_problems(_params(), *_hub(groups=[("network-team", 1100)]))
    assert field == "hub.rule_group_priority" and "network-team" in message and "e.g. 100" in message


def test_the_environments_own_groups_do_not_count_as_taken():
    assert hub_problems(_params(), *_hub(groups=[("app-team-aks-egress", 1000)])) == []


def test_dns_firewall_on_a_spoke_is_refused_when_the_hubs_proxy_is_off():
    data = copy.deepcopy(APP)
    data["spokes"]["a2"]["dns"] = "firewall"
    (field, message), = hub_problems(validate_params(data), *_hub(proxy=False))
    assert field == "spokes.a2.dns" and "DNS proxy" in message


def test_a_missing_firewall_is_named_by_its_field():
    _, vnet, policy, groups = _hub()
    (field, message), = hub_problems(_params(), None, vnet, policy, groups)
    assert field == "hub.firewall.name" and "fw-hub" in message


def _hub_actions(params) -> set[str]:
    plan = role_plan(params, all_steps())
    role = next(r for r in plan["roles"] if r["AssignableScopes"] == ["/subscriptions/00000000-0000-0000-0000-000000000001"])
    return {a.lower() for a in role["Actions"]}


def test_joining_a_hub_it_may_not_write_needs_no_write_there_but_the_peer_action():
    writes = {a for a in _hub_actions(_params()) if not a.endswith("/read")}
    assert writes == {"microsoft.network/virtualnetworks/peer/action"}


def test_the_writes_the_params_allow_are_the_ones_asked_for_in_the_hub():
    actions = _hub_actions(_params(writes=["peerings", "rule_collection_groups"]))
    assert "microsoft.network/virtualnetworks/virtualnetworkpeerings/write" in actions
    assert "microsoft.network/firewallpolicies/rulecollectiongroups/write" in actions
    assert "microsoft.network/azurefirewalls/write" not in actions and "microsoft.network/virtualnetworks/write" not in actions


def test_run_help_names_the_waiting_status_and_its_exit_code():
    parser = build_parser()
    run = next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == "run")[1]
    assert re.search(r"4 waiting for the hub owners", run.format_help().replace("\n", " ").replace("  ", " "))


def test_the_readme_shows_the_own_and_the_existing_hub_side_by_side_and_both_snippets_fit_the_params():
    text = (REPO / "README.md").read_text()
    section = text.split("## Own hub or existing hub", 1)[1].split("\n## ", 1)[0]
    snippets = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(snippets) == 2 and "waiting for the hub owners" in section and "change-request.md" in section
    local = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    for snippet in snippets:
        hub = yaml.safe_load(snippet.replace("<connectivity-sub>", local["hub"]["subscription_id"]))["hub"]
        validate_params({**local, "hub": hub, "api_access_rule": "application"})


@pytest.mark.parametrize("name", ["hub-team.yaml", "app-team.yaml"])
def test_the_two_environments_params_validate(name):
    assert load_params(DATA / name).environment == name.removesuffix(".yaml")


class _NoClusterYet:
    def cluster(self, key):
        raise MissingFact(f"cluster of spoke {key} not created yet", step="05-private-aks")


def test_an_access_rule_the_hub_owners_write_names_the_cluster_subnet_before_the_cluster_exists():
    params = _params(writes=[])
    rule = access_rule(params, _NoClusterYet(), params.access[0])
    assert rule["destinationAddresses"] == ["10.11.0.0/22"] and rule["destinationPorts"] == ["443"]


def test_an_access_rule_the_environment_writes_itself_waits_for_the_api_servers_address():
    params = _params(writes=["rule_collection_groups"])
    with pytest.raises(MissingFact):
        access_rule(params, _NoClusterYet(), params.access[0])


def test_the_requestable_part_of_step_08_is_its_access_and_run_command_groups():
    spec = next(s for s in all_steps() if s.key == "08-cross-vnet-access")
    ahead = spec.ahead(_params(writes=[]), _NoClusterYet())
    assert [d.id.rsplit("/", 1)[1] for d in ahead] == ["app-team-spoke-access", "app-team-vm-run-command"]
