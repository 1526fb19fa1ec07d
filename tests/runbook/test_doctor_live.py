"""Issue 13: `aksegress doctor` with no flow is the health check of the estate a run of params/local.yaml builds,
live or from what its owners can export; usage errors are caught before any emulator starts.

The tests that break the shared world put it back as it was before they return.
"""

import json
from contextlib import contextmanager

import pytest

from aksegress.connect import Clients
from aksegress.emulator import Connection
from aksegress.params import load_params
from tests.netmodel.exports import az_show, resource_graph, write_each
from tests.runbook.conftest import REPO, aksegress

PARAMS = load_params(REPO / "params" / "local.yaml")


def _doctor(world, *args):
    return aksegress("doctor", "--env", "local", "--connection-file", str(world["connection"]), *args, cwd=world["project"])


def _report(done) -> dict:
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr
    return json.loads(done.stdout)


def _clients(world, subscription):
    return Clients.for_emulator(Connection.read(world["connection"]), subscription)


@contextmanager
def _route_table_detached(world, key: str):
    spoke = PARAMS.spokes[key]
    net = _clients(world, spoke.subscription_id).network
    subnet = net.subnets.get(spoke.resource_group, spoke.vnet.name, spoke.cluster.subnet)
    table, subnet.route_table = subnet.route_table, None
    net.subnets.begin_create_or_update(spoke.resource_group, spoke.vnet.name, subnet.name, subnet).result()
    try:
        yield
    finally:
        subnet = net.subnets.get(spoke.resource_group, spoke.vnet.name, spoke.cluster.subnet)
        subnet.route_table = table
        net.subnets.begin_create_or_update(spoke.resource_group, spoke.vnet.name, subnet.name, subnet).result()


@contextmanager
def _zone_link_deleted(world, source_key: str, cluster_key: str):
    spoke, source = PARAMS.spokes[cluster_key], PARAMS.spokes[source_key]
    clients = _clients(world, spoke.subscription_id)
    cluster = clients.containerservice.managed_clusters.get(spoke.resource_group, spoke.cluster.name)
    zone, group, name = cluster.private_fqdn.split(".", 1)[1], cluster.node_resource_group, f"link-{source.vnet.name}"
    link = clients.privatedns.virtual_network_links.get(group, zone, name)
    clients.privatedns.virtual_network_links.begin_delete(group, zone, name).result()
    try:
        yield zone
    finally:
        clients.privatedns.virtual_network_links.begin_create_or_update(group, zone, name, link).result()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_on_the_built_estate_the_health_check_exits_zero_with_the_nine_cells_and_every_denial_as_intended(clean_world):
    done = _doctor(clean_world, "--json")
    report = _report(done)
    matrix = report["matrix"]
    assert done.returncode == 0 and report["ok"] is True and report["differences"] == [] and report["intent"] == "params"
    assert len(matrix) == 9 and all(row["intended"] in (True, False) for row in matrix)
    assert {row["verdict"] for row in matrix if not row["delivered"]} == {"denied, as intended"}
    assert [e["ready"] for e in report["egress"]] == [True, True, True]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_route_table_detached_through_the_sdk_is_named_as_the_bypass_of_that_subnet_with_its_fix(clean_world):
    with _route_table_detached(clean_world, "spoke3"):
        done = _doctor(clean_world)
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    assert "vnet-spoke3/aks: bypasses the firewall (no-route-table)" in lines[1]
    assert "Fix: associate route table" in lines[1] and "with subnet vnet-spoke3/aks" in lines[1]
    differences = lines[1:lines.index("")]
    assert not any("as intended" in line for line in differences)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_deleted_zone_link_of_an_intended_pair_is_named_as_dns_nxdomain_for_that_pair_with_the_link_to_add(clean_world):
    with _zone_link_deleted(clean_world, "spoke2", "spoke1") as zone:
        report = _report(_doctor(clean_world, "--json"))
    (diff,) = report["differences"]
    assert report["ok"] is False and diff["subject"] == "vm-spoke2 -> cluster:privateaksspoke1" and diff["disposition"] == "DNS_NXDOMAIN"
    assert diff["fix"].startswith(f"link zone {zone}") and diff["fix"].endswith("to vnet-spoke2")


def _cells(report: dict) -> dict:
    return {(r["source"], r["destination"]): (r["disposition"], r["verdict"], r["rule"]) for r in report["matrix"]}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_snapshot_a_resource_graph_file_and_az_show_outputs_give_the_live_doctors_verdicts(clean_world, tmp_path):
    live = _report(_doctor(clean_world, "--json"))
    written = aksegress("snapshot", "--env", "local", "--connection-file", str(clean_world["connection"]), str(tmp_path / "snap"),
                        cwd=clean_world["project"])
    assert written.returncode == 0, written.stdout + written.stderr
    resources = [json.loads(f.read_text()) for f in sorted((tmp_path / "snap").glob("*.json"))]
    (tmp_path / "graph.json").write_text(json.dumps(resource_graph(resources)))
    write_each(resources, tmp_path / "az", az_show)
    for exported in ("snap", "graph.json", "az"):
        done = aksegress("doctor", "--snapshot", str(tmp_path / exported), "--params", "params/local.yaml", "--json", cwd=clean_world["project"])
        offline = _report(done)
        assert _cells(offline) == _cells(live) and offline["egress"] == live["egress"] and offline["ok"] == live["ok"], exported


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_snapshot_holds_no_secret_of_the_environment(clean_world, tmp_path):
    connection = Connection.read(clean_world["connection"])
    done = aksegress("snapshot", "--env", "local", "--connection-file", str(clean_world["connection"]), str(tmp_path / "snap"),
                     cwd=clean_world["project"])
    assert done.returncode == 0, done.stdout + done.stderr
    text = "".join(f.read_text() for f in (tmp_path / "snap").glob("*.json"))
    assert "managedClusters" in text and connection.client_secret not in text and connection.token not in text
    assert "adminPassword" not in text and "kubeconfig" not in text.lower()


@pytest.mark.parametrize(("args", "says"), [
    (["--from", "nowhere", "--to", "cluster:spoke1"], "spoke1, spoke2, spoke3"),
    (["--from", "spoke2", "--to", "cluster:nope"], "privateaksspoke1"),
    (["--from", "spoke2"], "give both --from and --to"),
])
def test_a_usage_error_on_a_live_environment_exits_two_with_the_valid_names_before_any_emulator_starts(project, args, says):
    done = aksegress("doctor", "--env", "local", *args, cwd=project)
    assert done.returncode == 2 and says in done.stderr
    assert not (project / "outputs").exists()


def test_an_empty_snapshot_folder_and_no_estate_at_all_exit_two_with_the_reason(project, tmp_path):
    (tmp_path / "empty").mkdir()
    empty = aksegress("doctor", "--snapshot", str(tmp_path / "empty"), cwd=project)
    nothing = aksegress("doctor", cwd=project)
    assert empty.returncode == 2 and "no ARM JSON found" in empty.stderr
    assert nothing.returncode == 2 and "give --snapshot DIR, --env NAME or --params FILE" in nothing.stderr
