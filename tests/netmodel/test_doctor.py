"""The `aksegress doctor` entry point over a folder of ARM JSON."""

import json

from aksegress.cli.doctor import doctor_main
from tests.netmodel.estate import article
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
