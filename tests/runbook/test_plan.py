"""Plans compare only the fields a step owns, and apply in dependency order."""

from aksegress.apply import waves
from aksegress.plan import CREATE, UNCHANGED, UPDATE, Change, Desired, differences, merge, plan_changes

VNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v"
SUBNET = VNET + "/subnets/a"
RG = "/subscriptions/s/resourceGroups/g"


def test_fields_azure_adds_are_not_drift():
    observed = {"id": VNET, "etag": "x", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "provisioningState": "Succeeded"}}
    assert differences({"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}, observed) == []


def test_a_changed_flag_is_reported_with_its_path_and_both_values():
    diffs = differences({"properties": {"allowForwardedTraffic": True}}, {"properties": {"allowForwardedTraffic": False}})
    assert [str(d) for d in diffs] == ["properties.allowForwardedTraffic: false -> true"]


def test_ids_compare_without_regard_to_case():
    assert differences({"id": VNET}, {"id": VNET.lower()}) == []


def test_missing_resource_plans_a_create_and_matching_one_is_unchanged():
    d1 = Desired(RG, {"location": "eastus2"})
    d2 = Desired(VNET, {"location": "eastus2"}, depends_on=(RG,))
    plan = plan_changes("t", [d1, d2], {RG.lower(): {"id": RG, "location": "eastus2"}, VNET.lower(): None})
    assert [c.action for c in plan.changes] == [UNCHANGED, CREATE]
    assert plan.summary() == "t: 1 to create, 1 unchanged."


def test_update_sends_what_exists_with_the_steps_fields_laid_over():
    observed = {"id": SUBNET, "etag": "e", "properties": {"addressPrefix": "10.0.0.0/24", "routeTable": {"id": "rt"}}}
    change = Change(UPDATE, Desired(SUBNET, {"properties": {"addressPrefix": "10.0.1.0/24"}}), observed)
    assert change.body_to_send()["properties"] == {"addressPrefix": "10.0.1.0/24", "routeTable": {"id": "rt"}}
    assert "etag" not in change.body_to_send()


def test_merge_replaces_lists_rather_than_appending():
    assert merge({"a": [1, 2], "b": 1}, {"a": [3]}) == {"a": [3], "b": 1}


def test_dependants_wait_for_a_later_wave():
    rg, vnet, subnet = (Change(CREATE, Desired(RG, {})), Change(CREATE, Desired(VNET, {}, (RG,))), Change(CREATE, Desired(SUBNET, {}, (VNET,))))
    assert [[c.desired.id for c in w] for w in waves([subnet, vnet, rg])] == [[RG], [VNET], [SUBNET]]


def test_a_dependency_that_already_exists_does_not_hold_back_its_dependant():
    vnet = Change(CREATE, Desired(VNET, {}, (RG,)))
    rg = Change(UNCHANGED, Desired(RG, {}), {"id": RG})
    assert [[c.desired.id for c in w] for w in waves([rg, vnet])] == [[VNET]]


def test_a_resource_left_failed_by_azure_is_planned_for_re_apply():
    observed = {"id": VNET, "location": "eastus2", "properties": {"provisioningState": "Failed"}}
    plan = plan_changes("t", [Desired(VNET, {"location": "eastus2"})], {VNET.lower(): observed})
    assert plan.changes[0].action == UPDATE
    assert "properties.provisioningState: Failed -> Succeeded (re-apply)" in str(plan.changes[0].diffs[0])


RCG = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/firewallPolicies/p/ruleCollectionGroups/spoke-access"


def test_a_retired_resource_this_environment_made_is_planned_for_deletion_with_its_last_body():
    from aksegress.plan import DELETE, retirements

    body = {"id": RCG, "properties": {"priority": 300}}
    [change] = retirements([RCG], {RCG.lower(): body}, owns=lambda rid, seen: True)
    assert (change.action, change.pending) == (DELETE, True)
    assert change.to_dict("08")["diff"] == [{"path": "(body)", "before": body, "after": None}]


def test_a_retired_resource_someone_else_made_is_kept_and_nothing_is_written():
    from aksegress.plan import NOT_CREATED_HERE, retirements

    [change] = retirements([RCG], {RCG.lower(): {"id": RCG}}, owns=lambda rid, seen: False)
    assert change.action == NOT_CREATED_HERE and not change.pending


def test_a_retired_resource_that_is_already_gone_plans_nothing():
    from aksegress.plan import retirements

    assert retirements([RCG], {RCG.lower(): None}, owns=lambda rid, seen: True) == []


def _route(name: str, prefix: str) -> dict:
    return {"name": name, "properties": {"addressPrefix": prefix, "nextHopType": "VirtualAppliance"}}


def test_routes_arm_returns_in_another_order_are_not_drift():
    desired = {"properties": {"routes": [_route("a", "0.0.0.0/0"), _route("b", "10.2.0.0/16")]}}
    observed = {"properties": {"routes": [{**_route("b", "10.2.0.0/16"), "id": "x/b"}, {**_route("a", "0.0.0.0/0"), "id": "x/a"}]}}
    assert differences(desired, observed) == []


def test_a_route_another_team_added_is_neither_drift_nor_wiped_on_update():
    theirs = _route("to-onprem", "192.168.0.0/16")
    observed = {"id": "rt", "properties": {"routes": [theirs, _route("a", "10.9.0.0/16")]}}
    change = Change(UPDATE, Desired("rt", {"properties": {"routes": [_route("a", "0.0.0.0/0")]}}), observed)
    assert [d.path for d in differences(change.desired.body, observed)] == ["properties.routes[a].properties.addressPrefix"]
    assert change.body_to_send()["properties"]["routes"] == [theirs, _route("a", "0.0.0.0/0")]


def test_a_changed_route_is_reported_by_its_name():
    diffs = differences({"properties": {"routes": [_route("a", "0.0.0.0/0")]}}, {"properties": {"routes": [_route("a", "10.0.0.0/8")]}})
    assert [str(d) for d in diffs] == ["properties.routes[a].properties.addressPrefix: 10.0.0.0/8 -> 0.0.0.0/0"]


def test_a_rule_the_step_no_longer_wants_in_its_own_group_is_drift_and_removed():
    observed = {"id": "rcg", "properties": {"rules": [{"name": "keep", "port": 1}, {"name": "stale", "port": 2}]}}
    desired = Desired("rcg", {"properties": {"rules": [{"name": "keep", "port": 1}]}}, exclusive=True)
    plan = plan_changes("t", [desired], {"rcg": observed})
    assert [d.path for d in plan.changes[0].diffs] == ["properties.rules[stale]"]
    assert plan.changes[0].body_to_send()["properties"]["rules"] == [{"name": "keep", "port": 1}]


def test_prefixes_compare_as_sets():
    desired = {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.1.0.0/16"]}}}
    assert differences(desired, {"properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16", "10.0.0.0/16"]}}}) == []
    assert differences(desired, {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.0.0.0/16"]}}}) != []


def test_dns_servers_in_another_order_are_drift_because_they_are_tried_in_order():
    diffs = differences({"properties": {"dhcpOptions": {"dnsServers": ["10.0.0.4", "10.0.0.5"]}}},
                        {"properties": {"dhcpOptions": {"dnsServers": ["10.0.0.5", "10.0.0.4"]}}})
    assert [d.path for d in diffs] == ["properties.dhcpOptions.dnsServers"]
