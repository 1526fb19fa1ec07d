"""ARM's tags operation at a resource's scope (`{id}/providers/Microsoft.Resources/tags/default`), through the SDK:
Merge sets the tags given and keeps the others, Delete removes the named ones, and the resource is otherwise untouched."""

from __future__ import annotations

VNET = "vnet-tags"


def _vnet_id(clients, rg) -> str:
    body = {"location": "eastus", "tags": {"owner": "platform", "team": "network"},
            "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}, "subnets": [{"name": "a", "properties": {"addressPrefix": "10.9.0.0/24"}}]}}
    return clients.network.virtual_networks.begin_create_or_update(rg, VNET, body).result().id


def _patch(clients, scope: str, operation: str, tags: dict) -> dict:
    poller = clients.resource.tags.begin_update_at_scope(scope.lstrip("/"), {"operation": operation, "properties": {"tags": tags}})
    return dict(poller.result().properties.tags)


def test_merge_sets_the_given_tags_and_keeps_the_others(clients, rg):
    scope = _vnet_id(clients, rg)
    assert _patch(clients, scope, "Merge", {"owner": "apps", "cost": "42"}) == {"owner": "apps", "team": "network", "cost": "42"}
    assert clients.network.virtual_networks.get(rg, VNET).tags == {"owner": "apps", "team": "network", "cost": "42"}


def test_a_tags_merge_leaves_the_resource_itself_as_it_was(clients, rg):
    scope = _vnet_id(clients, rg)
    before = clients.network.virtual_networks.get(rg, VNET)
    _patch(clients, scope, "Merge", {"cost": "42"})
    after = clients.network.virtual_networks.get(rg, VNET)
    assert [s.name for s in after.subnets] == ["a"] and after.address_space.address_prefixes == before.address_space.address_prefixes
    assert after.etag != before.etag


def test_delete_removes_only_the_named_tags(clients, rg):
    scope = _vnet_id(clients, rg)
    assert _patch(clients, scope, "Delete", {"team": ""}) == {"owner": "platform"}


def test_the_tags_resource_is_read_back_at_the_resources_scope(clients, rg):
    scope = _vnet_id(clients, rg)
    tags = clients.resource.tags.get_at_scope(scope.lstrip("/"))
    assert (tags.name, tags.type, dict(tags.properties.tags)) == ("default", "Microsoft.Resources/tags", {"owner": "platform", "team": "network"})
    assert tags.id.lower() == f"{scope}/providers/Microsoft.Resources/tags/default".lower()


def test_a_resource_groups_tags_are_merged_too(clients, rg):
    scope = f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"
    assert _patch(clients, scope, "Merge", {"env": "dev"}) == {"env": "dev"}
    assert clients.resource.resource_groups.get(rg).tags == {"env": "dev"}
