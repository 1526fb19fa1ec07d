"""The emulator measured against recorded real ARM traffic: per ARM type, it answers at least as well as it did.

Floors are the figures the emulator reached when the suite was written, rounded down (status class %, exact
status %, key-path coverage %). Raise a floor when a fix lifts its figure; a drop below one is a regression.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.contract import normalise
from tests.contract.replay import PLACEHOLDER_SUB, RECORDINGS, key_paths, load, names, replay_all, score

FLOORS = {
    "Microsoft.Authorization/roleAssignments": (100, 100, 94),
    "Microsoft.Authorization/roleDefinitions": (100, 100, 100),
    "Microsoft.Compute/virtualMachines": (100, 100, 94),
    "Microsoft.ContainerService/managedClusters": (100, 98, 98),
    "Microsoft.Network/azureFirewalls": (100, 100, 100),
    "Microsoft.Network/firewallPolicies": (100, 100, 100),
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups": (100, 100, 100),
    "Microsoft.Network/networkInterfaces": (100, 100, 100),
    "Microsoft.Network/networkSecurityGroups": (100, 100, 100),
    "Microsoft.Network/privateDnsZones": (100, 97, 100),
    "Microsoft.Network/privateDnsZones/A": (100, 100, 99),
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": (100, 84, 100),
    "Microsoft.Network/publicIPAddresses": (100, 100, 99),
    "Microsoft.Network/routeTables": (100, 100, 100),
    "Microsoft.Network/routeTables/routes": (100, 100, 100),
    "Microsoft.Network/virtualNetworks": (100, 100, 100),
    "Microsoft.Network/virtualNetworks/subnets": (100, 100, 100),
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings": (100, 100, 100),
    "Microsoft.Resources/resourceGroups": (100, 100, 100),
}
OVERALL_FLOOR = (100, 96, 99)


@pytest.fixture(scope="module")
def outcomes():
    results = replay_all()
    return [outcome for recorded in results.values() for outcome in recorded]


@pytest.fixture(scope="module")
def by_type(outcomes):
    return score(outcomes, by=lambda outcome: outcome.arm_type)


@pytest.mark.parametrize("arm_type", sorted(FLOORS))
def test_each_arm_type_answers_at_least_as_close_to_real_arm_as_its_floor(by_type, arm_type):
    figures = by_type[arm_type]
    reached = (figures.class_pct, figures.exact_pct, figures.coverage_pct)
    assert all(got >= floor for got, floor in zip(reached, FLOORS[arm_type])), \
        f"{arm_type}: status class / exact status / key paths {reached} fell below {FLOORS[arm_type]}"


def test_the_whole_corpus_answers_at_least_as_close_to_real_arm_as_the_overall_floor(outcomes):
    total = score(outcomes)["all"]
    assert all(got >= floor for got, floor in zip((total.class_pct, total.exact_pct, total.coverage_pct), OVERALL_FLOOR))


def test_every_arm_type_in_the_corpus_has_a_floor(by_type):
    assert sorted(by_type) == sorted(FLOORS)


def test_every_recording_names_its_public_source_commit_and_licence():
    for name in names():
        source = load(name)["source"]
        assert source["repository"] in ("Azure/azure-cli", "Azure/azure-cli-extensions"), name
        assert source["path"].endswith(".yaml") and "/recordings/" in source["path"], name
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), name
        assert source["licence"] == "MIT", name


def test_recordings_carry_only_the_placeholder_subscription():
    ids = set()
    for path in RECORDINGS.glob("*.json"):
        ids |= {m.lower() for m in re.findall(r"/subscriptions/([0-9a-fA-F-]{36})", path.read_text())}
    assert ids == {PLACEHOLDER_SUB}


def test_every_marked_request_says_why():
    for name in names():
        for item in load(name)["interactions"]:
            for mark in ("changed", "outside"):
                assert mark not in item or len(item[mark]) > 20, (name, item["uri"])


def test_the_normaliser_keeps_arm_calls_only_and_scrubs_ids_and_secrets():
    cassette = {"interactions": [
        {"request": {"method": "POST", "uri": "https://login.microsoftonline.com/x/oauth2/token", "headers": {}, "body": None},
         "response": {"status": {"code": 200}, "headers": {}, "body": {"string": '{"access_token": "t"}'}}},
        {"request": {"method": "POST", "headers": {"If-Match": ["*"], "User-Agent": ["az"]}, "body": None,
                     "uri": "https://management.azure.com/subscriptions/12345678-1234-1234-1234-123456789abc/resourceGroups/g/"
                            "providers/Microsoft.ContainerService/managedClusters/c/listClusterUserCredential?api-version=2023-10-01"},
         "response": {"status": {"code": 200}, "headers": {"Date": ["today"], "ETag": ["e"]},
                      "body": {"string": json.dumps({"kubeconfigs": [{"name": "clusterUser", "value": "c2VjcmV0"}],
                                                     "tenantId": "87654321-4321-4321-4321-cba987654321"})}}},
    ]}
    recording = normalise.normalise(cassette, {"name": "n", "repository": "Azure/azure-cli", "path": "p.yaml", "commit": "0" * 40})
    [item] = recording["interactions"]
    assert item["uri"].startswith(f"/subscriptions/{normalise.SUBSCRIPTION}/resourceGroups/g/")
    assert item["headers"] == {"if-match": "*"} and item["response_headers"] == {"etag": "e"}
    assert item["response"] == {"kubeconfigs": [{"name": "clusterUser", "value": normalise.REDACTED}], "tenantId": normalise.TENANT}


def test_key_paths_name_nested_keys_and_list_items_once():
    assert key_paths({"a": {"b": [{"c": 1}, {"c": 2, "d": []}]}}) == {"a", "a.b", "a.b[].c", "a.b[].d"}
