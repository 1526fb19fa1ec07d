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
