"""Apply takes writes under one VNet, route table or firewall policy one at a time, as ARM requires, and keeps
writes under different parents side by side.

The emulator runs the `overlapping` latency profile, where an operation stays in flight for a few polls, so a
second write into a busy VNet meets ARM's 409 `AnotherOperationInProgress` as it would in Azure.
"""

from __future__ import annotations

import sqlite3

import pytest
import yaml

from aksegress.apply import apply_plan
from aksegress.connect import Clients
from aksegress.desired.hub_and_spokes import networks
from aksegress.desired.prerequisites import resource_groups
from aksegress.desired.route_tables import route_tables
from aksegress.emulator import start_emulator
from aksegress.params import load_params
from aksegress.plan import plan_changes
from tests.conftest import LOCAL_PARAMS


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    folder = tmp_path_factory.mktemp("overlapping")
    params = load_params(_without_vpn_gateway(LOCAL_PARAMS, folder))
    state = folder / "arm.db"
    with start_emulator(state, params.tenant_id, params.subscription_ids(), latency_profile="overlapping") as emulator:
        cache: dict[str, Clients] = {}

        def clients_for(sub):
            return cache.setdefault(sub.lower(), Clients.for_emulator(emulator.connection, sub))

        apply_plan(plan_changes("00", resource_groups(params), {}), clients_for)
        results = [apply_plan(plan_changes(step, desired, {}), clients_for)
                   for step, desired in (("01", networks(params)), ("03", route_tables(params)))]
        yield {"counters": emulator.counters(), "results": results, "operations": _operations(state)}


def _without_vpn_gateway(params_file, folder):
    """The local params with no VPN gateway: this world applies steps 01 and 03 only, and step 03's gateway transit
    and GatewaySubnet table need the gateway step 02 builds."""
    params = yaml.safe_load(params_file.read_text())
    del params["hub"]["vpn_gateway"]
    path = folder / "no-gateway.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def _operations(state) -> list[tuple[str, float, float]]:
    with sqlite3.connect(state) as db:
        return db.execute("SELECT resource_key, started, ended FROM operations WHERE kind = 'put'").fetchall()


def _vnet_of(resource_key: str) -> str | None:
    parts = resource_key.split("/")
    return "/".join(parts[:9]) if "virtualnetworks" in parts[:8] else None


def test_subnets_and_peerings_of_one_vnet_meet_no_another_operation_in_progress(applied):
    assert len([key for key, _, _ in applied["operations"] if "/virtualnetworks/vnet-hub/" in key]) > 3, "the hub gets subnets and peerings"
    assert applied["counters"]["refused"].get("AnotherOperationInProgress", 0) == 0
    assert all(not result.retried for result in applied["results"])


def test_writes_under_two_vnets_run_side_by_side(applied):
    spans = {}
    for key, started, ended in applied["operations"]:
        if _vnet_of(key) and key != _vnet_of(key):
            spans.setdefault(_vnet_of(key), []).append((started, ended))
    overlapping = [(a, b) for a in spans for b in spans if a < b
                   and any(s1 < e2 and s2 < e1 for s1, e1 in spans[a] for s2, e2 in spans[b])]
    assert overlapping, "children of different VNets should be written at the same time"
