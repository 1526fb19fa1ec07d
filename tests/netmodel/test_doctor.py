"""The `aksegress doctor` entry point over a folder of ARM JSON."""

import json

from aksegress.cli.doctor import doctor_main
from tests.netmodel.estate import article
from tests.netmodel.exports import az_show, resource_graph, write_each
from tests.ui.estates import LOCAL_PARAMS, local_estate


def _folder(tmp_path, estate):
    for i, resource in enumerate(estate.resources):
        (tmp_path / f"{i:03}.json").write_text(json.dumps(resource))
    return str(tmp_path)


def test_a_failing_flow_exits_one_and_prints_the_disposition_and_fix(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, article()), "--from", "vm-spoke2", "--to", "cluster:privateaksspoke1"])
    out = capsys.readouterr().out
    assert code == 1 and "DNS_NXDOMAIN" in out and "Fix: link zone" in out


def test_spoke_names_map_to_vnets_and_json_output_holds_the_verdict(tmp_path, capsys):
    folder = _folder(tmp_path, article(link_spoke2=True))
    code = doctor_main(["--snapshot", folder, "--from", "spoke2", "--to", "cluster:privateaksspoke1", "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 1 and verdict["disposition"] == "DENIED_BY_FIREWALL" and verdict["hops"][1]["type"] == "VirtualAppliance"


def test_a_delivered_flow_exits_zero(tmp_path):
    folder = _folder(tmp_path, article())
    assert doctor_main(["--snapshot", folder, "--from", "vm-spoke1", "--to", "cluster:privateaksspoke1"]) == 0


def test_matrix_on_a_snapshot_alone_has_intent_unknown_and_exits_one_when_any_cell_is_denied(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, article()), "--matrix", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and len(doc["matrix"]) == 3 and doc["all_delivered"] is False and doc["intent"] == "unknown"
    assert {row["verdict"] for row in doc["matrix"]} == {"delivered, intent unknown", "denied, intent unknown"}


def test_matrix_with_the_params_beside_the_snapshot_exits_zero_when_every_cell_is_as_intended(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--params", str(LOCAL_PARAMS), "--matrix", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["intent"] == "params" and doc["all_as_intended"] is True and doc["all_delivered"] is False
    assert sorted(row["verdict"] for row in doc["matrix"]) == ["delivered, as intended"] * 4 + ["denied, as intended"] * 5


def test_matrix_exits_one_and_prints_the_fix_for_the_one_cell_that_differs_from_intent(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, local_estate(link_access_spokes=False)), "--params", str(LOCAL_PARAMS), "--matrix"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and "vm-spoke2 -> cluster:privateaksspoke1 TCP/443: denied, NOT intended (DNS_NXDOMAIN)" in lines
    fixes = [line for line in lines if "Fix:" in line]
    assert len(fixes) == 1 and fixes[0].endswith("to vnet-spoke2")


def test_the_text_matrix_shows_no_nan_for_absent_rules_or_fixes(tmp_path, capsys):
    doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--params", str(LOCAL_PARAMS), "--matrix"])
    out = capsys.readouterr().out
    assert "nan" not in out.lower() and "None" not in out


def test_a_traced_flow_says_whether_the_params_intend_it_and_its_hops_keep_the_whole_rule_text(tmp_path, capsys):
    folder = _folder(tmp_path, local_estate())
    code = doctor_main(["--snapshot", folder, "--params", str(LOCAL_PARAMS), "--from", "vm-spoke2", "--to", "cluster:privateaksspoke1"])
    lines = capsys.readouterr().out.splitlines()
    firewall = next(line for line in lines if line.strip().startswith("VirtualAppliance"))
    assert code == 0 and lines[0].startswith("delivered, as intended: ")
    assert len(firewall) > 140 and "'spoke2-to-spoke1-api'" in firewall and "Onward:" in firewall


def test_an_unknown_source_is_a_usage_error(tmp_path, capsys):
    assert doctor_main(["--snapshot", _folder(tmp_path, article()), "--from", "nowhere", "--to", "10.1.0.4"]) == 2
    assert "nowhere" in capsys.readouterr().err


# ---- the health check (no flow given) ---------------------------------------------------------------------------

def _health(tmp_path, capsys, estate, *extra):
    code = doctor_main(["--snapshot", _folder(tmp_path, estate), "--params", str(LOCAL_PARAMS), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def _detached(estate, spoke: str = "spoke1"):
    subnet = next(s for s in estate.get(f"vnet-{spoke}")["properties"]["subnets"] if s["name"] == "aks")
    del subnet["properties"]["routeTable"]
    return estate


def test_the_health_check_of_the_built_estate_exits_zero_with_every_cell_labelled_and_every_denial_as_intended(tmp_path, capsys):
    code, report = _health(tmp_path, capsys, local_estate())
    verdicts = [row["verdict"] for row in report["matrix"]]
    assert code == 0 and report["ok"] is True and report["differences"] == [] and report["egress_ready"] is True
    assert len(verdicts) == 9 and {v for v in verdicts if v.startswith("denied")} == {"denied, as intended"}
    assert all(row["fix"] is None for row in report["matrix"])


def test_the_text_health_check_says_healthy_and_lists_the_matrix_egress_and_findings(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--params", str(LOCAL_PARAMS)])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("healthy:")
    assert "vm-spoke3 -> cluster:privateaksspoke1 TCP/443: denied, as intended (DNS_NXDOMAIN)" in out
    assert "vnet-spoke1/aks (cluster privateaksspoke1): ready" in out and "findings (" in out and "Fix: link zone" not in out


def test_a_detached_route_table_is_named_as_a_bypass_of_that_subnet_with_the_table_to_associate(tmp_path, capsys):
    code, report = _health(tmp_path, capsys, _detached(local_estate()))
    diffs = report["differences"]
    bypass = next(d for d in diffs if d["kind"] == "egress-bypass")
    assert code == 1 and bypass["subject"] == "vnet-spoke1/aks" and bypass["disposition"] == "no-route-table"
    assert bypass["fix"] == "associate route table rt-spoke1 with subnet vnet-spoke1/aks"
    assert not any(d["verdict"] == "denied, as intended" for d in diffs)


def test_the_differences_come_first_in_the_text_report(tmp_path, capsys):
    doctor_main(["--snapshot", _folder(tmp_path, _detached(local_estate())), "--params", str(LOCAL_PARAMS)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("difference(s) from intent or egress readiness:") and "vnet-spoke1/aks: bypasses the firewall" in lines[1]
    assert "Fix: associate route table rt-spoke1 with subnet vnet-spoke1/aks" in lines[1]


def test_a_user_route_more_specific_than_the_default_that_goes_to_the_internet_is_a_bypass(tmp_path, capsys):
    estate = local_estate()
    estate.props("rt-spoke2")["routes"].append({"name": "mcr-direct", "properties": {"addressPrefix": "20.0.0.0/8", "nextHopType": "Internet"}})
    code, report = _health(tmp_path, capsys, estate)
    bypass = next(d for d in report["differences"] if d["kind"] == "egress-bypass")
    assert code == 1 and bypass["subject"] == "vnet-spoke2/aks" and bypass["disposition"] == "specific-route-around-firewall"
    assert bypass["fix"].startswith("remove route mcr-direct from route table rt-spoke2")


def test_a_missing_zone_link_for_an_intended_pair_is_the_one_reachability_difference_with_the_link_to_add(tmp_path, capsys):
    code, report = _health(tmp_path, capsys, local_estate(link_access_spokes=False))
    (diff,) = [d for d in report["differences"] if d["kind"] == "reachability"]
    assert code == 1 and diff["subject"] == "vm-spoke2 -> cluster:privateaksspoke1" and diff["disposition"] == "DNS_NXDOMAIN"
    assert diff["verdict"] == "denied, NOT intended" and diff["fix"].startswith("link zone") and diff["fix"].endswith("to vnet-spoke2")


def test_no_fix_is_proposed_for_a_flow_the_params_mean_to_deny(tmp_path, capsys):
    folder = _folder(tmp_path, local_estate())
    code = doctor_main(["--snapshot", folder, "--params", str(LOCAL_PARAMS), "--from", "vm-spoke3", "--to", "cluster:spoke1"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("denied, as intended: ") and "DNS_NXDOMAIN" in out and "Fix:" not in out


def test_a_delivered_flow_the_params_do_not_intend_gets_the_fix_that_closes_it(tmp_path, capsys):
    estate = local_estate()
    spoke1_zone_link = next(r for r in estate.resources if r["id"].lower().endswith("virtualnetworklinks/link-spoke2") and "privateaksspoke1" in r["id"])
    estate.add({**spoke1_zone_link, "id": spoke1_zone_link["id"].replace("link-spoke2", "link-spoke3"), "name": "link-spoke3",
                "properties": {**spoke1_zone_link["properties"], "virtualNetwork": {"id": estate.get("vnet-spoke3")["id"]}}})
    rule = next(r for r in estate.get("aks-egress")["properties"]["ruleCollections"][0]["rules"] if r["name"] == "spoke2-to-spoke1-api")
    rule["sourceAddresses"] = ["10.2.0.0/16", "10.3.0.0/16"]
    code, report = _health(tmp_path, capsys, estate)
    (diff,) = [d for d in report["differences"] if d["kind"] == "reachability"]
    assert code == 1 and diff["subject"] == "vm-spoke3 -> cluster:privateaksspoke1" and diff["verdict"] == "delivered, NOT intended"
    assert diff["fix"].startswith("remove or narrow firewall rule app-allow/spoke2-to-spoke1-api")


def test_the_health_check_json_keeps_one_schema(tmp_path, capsys):
    _, report = _health(tmp_path, capsys, local_estate())
    assert report["schema"] == "aksegress.doctor/1"
    assert list(report) == ["schema", "ok", "intent", "differences", "matrix", "all_as_intended", "all_delivered", "egress_ready", "egress",
                            "findings", "skipped"]
    assert set(report["egress"][0]) == {"cluster", "subnet", "ready", "bypasses", "missing"}
    assert set(report["findings"][0]) == {"kind", "severity", "resource", "message", "fix", "confidence"}


def test_on_a_snapshot_alone_the_health_check_reports_intent_unknown_and_judges_only_egress(tmp_path, capsys):
    code = doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["intent"] == "unknown" and report["all_as_intended"] is None and len(report["matrix"]) == 9
    assert {row["verdict"] for row in report["matrix"]} == {"delivered, intent unknown", "denied, intent unknown"}


# ---- names -------------------------------------------------------------------------------------------------------

def test_cluster_accepts_the_spoke_name_as_access_entries_use_it_with_or_without_params(tmp_path, capsys):
    folder = _folder(tmp_path, local_estate())
    assert doctor_main(["--snapshot", folder, "--params", str(LOCAL_PARAMS), "--from", "spoke2", "--to", "cluster:spoke1", "--json"]) == 0
    with_params = json.loads(capsys.readouterr().out)
    assert doctor_main(["--snapshot", folder, "--from", "spoke2", "--to", "cluster:spoke1", "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert with_params["destination"] == alone["destination"] == "cluster:privateaksspoke1" and alone["disposition"] == "DELIVERED"


def test_an_unknown_cluster_lists_the_clusters_there_are(tmp_path, capsys):
    assert doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--from", "vm-spoke2", "--to", "cluster:nope"]) == 2
    err = capsys.readouterr().err
    assert "'nope'" in err and "privateaksspoke1, privateaksspoke2, privateaksspoke3" in err


def test_an_unknown_source_lists_the_vms_and_vnets_there_are(tmp_path, capsys):
    assert doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--from", "nowhere", "--to", "cluster:spoke1"]) == 2
    err = capsys.readouterr().err
    assert "'nowhere'" in err and "vm-spoke1" in err and "vnet-hub" in err


# ---- usage errors ------------------------------------------------------------------------------------------------

def test_no_estate_at_all_is_a_usage_error_that_says_what_to_give(capsys):
    assert doctor_main([]) == 2
    assert "give --snapshot DIR, --env NAME or --params FILE" in capsys.readouterr().err


def test_a_source_without_a_target_is_a_usage_error(tmp_path, capsys):
    assert doctor_main(["--snapshot", _folder(tmp_path, local_estate()), "--from", "vm-spoke2"]) == 2
    assert "give both --from and --to" in capsys.readouterr().err


def test_an_empty_snapshot_folder_says_no_arm_json_was_found(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert doctor_main(["--snapshot", str(tmp_path / "empty"), "--from", "vm-spoke2", "--to", "cluster:spoke1"]) == 2
    assert "no ARM JSON found" in capsys.readouterr().err


# ---- what owners can export --------------------------------------------------------------------------------------

def _verdicts(tmp_path, capsys, snapshot: str) -> dict:
    assert doctor_main(["--snapshot", snapshot, "--params", str(LOCAL_PARAMS), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    return {"matrix": {(r["source"], r["destination"]): (r["disposition"], r["verdict"]) for r in report["matrix"]},
            "differences": report["differences"]}


def test_a_resource_graph_file_and_a_folder_of_az_show_outputs_give_the_same_verdicts_as_arm_get_bodies(tmp_path, capsys):
    estate = _detached(local_estate(link_access_spokes=False))
    arm = _verdicts(tmp_path, capsys, str(write_each(estate.resources, tmp_path / "arm")))
    (tmp_path / "graph.json").write_text(json.dumps(resource_graph(estate.resources)))
    graph = _verdicts(tmp_path, capsys, str(tmp_path / "graph.json"))
    shown = _verdicts(tmp_path, capsys, str(write_each(estate.resources, tmp_path / "az", az_show)))
    assert arm == graph == shown and len(arm["matrix"]) == 9 and len(arm["differences"]) == 2


def test_a_written_snapshot_leaves_out_every_secret_and_reads_back_the_same(tmp_path):
    from aksegress.netmodel.arm_resources import read_directory, write_directory

    resource = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", "name": "vm",
                "type": "Microsoft.Compute/virtualMachines",
                "properties": {"osProfile": {"adminUsername": "azureuser", "adminPassword": "hunter2", "customData": "c2VjcmV0"},
                               "networkProfile": {"networkInterfaces": []}}}
    written = write_directory([resource], tmp_path / "snap")
    text = written[0].read_text()
    assert len(written) == 1 and "hunter2" not in text and "c2VjcmV0" not in text and "azureuser" in text
    assert read_directory(tmp_path / "snap")[0]["properties"]["networkProfile"] == {"networkInterfaces": []}
